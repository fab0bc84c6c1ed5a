"""The access-request workflow (P7-P9, P12): every step is a service.

Keyword-only, the actor passed in, one transaction, kept in history and, where it touches what a
parent receives, in the access log. A step the rules do not allow raises ``WorkflowError`` with a
message for the manager. The modules here hold one part each; callers use the names below
(``from access_requests import services`` then ``services.pack_release(...)``).
"""

from access_requests.services.clock import (
    extension_record,
    identity_request,
    identity_verify,
    pause_end,
    pause_start,
)
from access_requests.services.frozen import (
    ENVELOPE_FIELDS,
    _frozen_plain,
    changes_since_preparation,
    current_frozen,
    pack_content,
)
from access_requests.services.lifecycle import (
    FROZEN_STATES,
    next_step,
    refusal_notice,
    request_close,
    request_create,
    request_refuse,
    request_withdraw,
)
from access_requests.services.meetings import (
    advice_redactions_confirm,
    attendee_add,
    attendee_refusal,
    flag_blockers,
    flag_raise,
    helper_add,
    legal_advice_record,
    meeting_record_declined,
    meeting_record_held,
    meeting_schedule,
)
from access_requests.services.pack_review import (
    ExtraDecision,
    extra_problem,
    extras_waiting,
    recipient_line,
)
from access_requests.services.preparation import (
    EntryDecision,
    decision_problem,
    entries_add_new,
    entries_review,
    entry_decide,
    preparation_reopen,
    preparation_start,
    ready_for_meeting,
    redaction_add,
    redaction_problem,
    redaction_remove,
)
from access_requests.services.rectification import (
    answered_on_time,
    notice_record,
    notices_outstanding,
    past_recipients,
    rectification_create,
    rectification_decide,
    rectification_refuse,
    rectification_tell,
    rectification_withdraw,
    summaries_to_check,
)
from access_requests.services.release import (
    pack_path,
    pack_release,
    recipients,
    release_blockers,
    released_bytes,
)
from access_requests.services.workflow import (
    TRANSITIONS,
    pr_connection,
    requester_without_pr,
)

__all__ = [
    "ENVELOPE_FIELDS",
    "FROZEN_STATES",
    "TRANSITIONS",
    "EntryDecision",
    "ExtraDecision",
    "_frozen_plain",
    "advice_redactions_confirm",
    "answered_on_time",
    "attendee_add",
    "attendee_refusal",
    "changes_since_preparation",
    "current_frozen",
    "decision_problem",
    "entries_add_new",
    "entries_review",
    "entry_decide",
    "extension_record",
    "extra_problem",
    "extras_waiting",
    "flag_blockers",
    "flag_raise",
    "helper_add",
    "identity_request",
    "identity_verify",
    "legal_advice_record",
    "meeting_record_declined",
    "meeting_record_held",
    "meeting_schedule",
    "next_step",
    "notice_record",
    "notices_outstanding",
    "pack_content",
    "pack_path",
    "pack_release",
    "past_recipients",
    "pause_end",
    "pause_start",
    "pr_connection",
    "preparation_reopen",
    "preparation_start",
    "ready_for_meeting",
    "recipient_line",
    "recipients",
    "rectification_create",
    "rectification_decide",
    "rectification_refuse",
    "rectification_tell",
    "rectification_withdraw",
    "redaction_add",
    "redaction_problem",
    "redaction_remove",
    "refusal_notice",
    "release_blockers",
    "released_bytes",
    "request_close",
    "request_create",
    "request_refuse",
    "request_withdraw",
    "requester_without_pr",
    "summaries_to_check",
]
