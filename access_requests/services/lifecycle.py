"""A request from receipt to its end: recording it, what it waits for next, and closing,
withdrawing or refusing it (a refusal with the notice UK GDPR Art. 12(4) requires)."""

import datetime

from django.db import transaction
from django.utils import timezone

from access_requests.models import (
    AccessRequest,
    Channel,
    Controversy,
    Helper,
    Meeting,
    ReferenceCounter,
    RefusalGround,
    State,
)
from access_requests.services.frozen import changes_since_preparation
from access_requests.services.meetings import flag_blockers, flag_raise, helper_add
from access_requests.services.release import release_blockers
from access_requests.services.workflow import (
    _awaiting,
    _date_in_words,
    _locked,
    _move,
    _require_manager,
    _why,
    pr_connection,
    requester_without_pr,
)
from children.models import Child, Person
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from setting_records.models import User


def _next_reference(*, setting_id: int, year: int) -> str:
    """The setting's next reference for ``year``, inside the caller's transaction.

    The counter row is created if missing (``get_or_create`` reads the row another transaction
    has just made when its own insert collides with it) and then locked, so concurrent
    requests queue for it and each gets the next number; on SQLite the write lock taken at
    BEGIN IMMEDIATE does the same.
    """
    ReferenceCounter.objects.get_or_create(setting_id=setting_id, year=year)
    counter = ReferenceCounter.objects.select_for_update().get(setting_id=setting_id, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"AR-{year}-{counter.last:04d}"


@transaction.atomic
def request_create(
    *,
    child: Child,
    requester: Person,
    received_on: datetime.date,
    channel: str,
    actor: User,
    representative_name: str = "",
    representative_authority: str = "",
) -> AccessRequest:
    """Record a request as received, whoever made it.

    A request from someone without parental responsibility is still a request: it is recorded
    here and answered with a refusal that gives the reasons and the requester's rights (UK GDPR
    Art. 12(4)); until then it can only be refused or withdrawn, or continue once the register
    is corrected (``identity_verify`` checks again).
    """
    _require_manager(actor, child)
    if requester.setting_id != child.setting_id:
        raise WorkflowError(f"{requester} is not known at {child}'s setting.")
    connection = pr_connection(child, requester)
    if representative_name.strip() and not representative_authority.strip():
        raise WorkflowError("Record the evidence of the representative's authority.")
    if received_on > timezone.localdate():
        raise WorkflowError("The date received cannot be in the future.")
    request = AccessRequest(
        child=child,
        setting_id=child.setting_id,
        requester=requester,
        received_on=received_on,
        channel=channel,
        representative_name=representative_name.strip(),
        representative_authority=representative_authority.strip(),
        reference=_next_reference(setting_id=child.setting_id, year=received_on.year),
        created_by=actor,
    )
    save_as(request, actor=actor, reason="Request received")
    if representative_name.strip():
        # Recorded as a helper too, so the representative can attend and receive the copy.
        helper_add(
            request=request,
            name=representative_name,
            role=Helper.Role.LEGAL_REPRESENTATIVE,
            organisation="",
            actor=actor,
        )
    if connection is not None and connection.is_restricted:
        # Flagged before anything is prepared: release then waits for legal advice.
        flag_raise(
            request=request,
            kind=Controversy.COURT_CASE,
            note=(
                "The requester is under a court order restriction: "
                f"{connection.restriction_summary}"
            ),
            actor=actor,
        )
    return request


# The states in which the pack is fixed for the meeting and may have changed since.
FROZEN_STATES = {State.READY_FOR_MEETING, State.MEETING_HELD, State.MEETING_DECLINED}


def next_step(request: AccessRequest, *, changes: list[str] | None = None) -> list[str]:
    """What the request is waiting for, in the manager's words, for its page.

    ``changes``: ``changes_since_preparation(request)``, when the caller has it already.
    """
    if changes is None and request.state in FROZEN_STATES:
        changes = changes_since_preparation(request)
    asked = request.identity_requested_on
    if request.is_open and asked is not None and request.identity_received_on is None:
        return [
            f"Waiting for proof of identity, asked for on {_date_in_words(asked)}: record it "
            "as verified when it arrives; the month starts again that day."
        ]
    if request.is_open and request.deadline().clock_stopped:
        return ["The clock is stopped: restart it when the requester's answer arrives."]
    meeting = Meeting.objects.filter(request=request).first()
    match request.state:
        case State.RECEIVED:
            if refusal := requester_without_pr(request):
                return [f"{refusal} Refuse the request, telling them why and of their rights."]
            return ["Verify the requester's identity and parental responsibility."]
        case State.IDENTITY_VERIFIED:
            return ["Start preparing the information."]
        case State.PREPARING:
            waiting = sum(e.needs_review for e in request.entries.select_related("record"))
            steps = [f"Decide on {_awaiting(waiting)} in the review list: disclose or withhold."]
            steps = steps if waiting else ["Mark the information ready for the meeting."]
            return steps if meeting else [*steps, "Arrange the meeting."]
        case State.READY_FOR_MEETING:
            if changes:
                return [*changes, "Prepare the information again before the meeting."]
            if blockers := flag_blockers(request):
                return blockers
            if meeting is None or meeting.scheduled_at is None:
                return ["Arrange the meeting."]
            if not meeting.attendees.exists():
                return ["Record who attends the meeting."]
            return ["Record the meeting as held, once the contents have been explained."]
        case State.MEETING_HELD | State.MEETING_DECLINED:
            return release_blockers(request, changes=changes) or ["Release the copy to the parent."]
        case State.COPY_RELEASED:
            return ["Close the request."]
    return []


def _finish(
    request: AccessRequest, to: str, *, actor: User, reason: str, **fields
) -> AccessRequest:
    request = _locked(request)
    _require_manager(actor, request.child)
    if to in {State.WITHDRAWN, State.REFUSED}:
        if not reason.strip():
            raise WorkflowError("Give the reason.")
        request.outcome_reason = reason.strip()
    for name, value in fields.items():
        setattr(request, name, value)
    return _move(request, to, actor=actor, reason=_why(f"{State(to).label}: {reason}".strip(": ")))


@transaction.atomic
def request_close(*, request: AccessRequest, actor: User) -> AccessRequest:
    return _finish(request, State.CLOSED, actor=actor, reason="")


@transaction.atomic
def request_withdraw(*, request: AccessRequest, reason: str, actor: User) -> AccessRequest:
    return _finish(request, State.WITHDRAWN, actor=actor, reason=reason)


@transaction.atomic
def request_refuse(
    *,
    request: AccessRequest,
    reason: str,
    ground: str,
    told_on: datetime.date,
    told_how: str,
    told_of_rights: bool,
    actor: User,
) -> AccessRequest:
    """Refuse a request, recording that the requester was told why and of their rights.

    UK GDPR Art. 12(4): the requester is told, without delay and within the month, the reasons
    for not acting and of the possibility of complaining to the Information Commissioner and of
    seeking a judicial remedy (DPA 2018 s.167).
    """
    if ground not in RefusalGround.values:
        raise WorkflowError("Choose the ground for refusing.")
    if told_how not in Channel.values:
        raise WorkflowError("Say how the requester was told.")
    if not told_of_rights:
        raise WorkflowError(
            "Tell the requester of their right to complain to the ICO and to go to court, "
            "and record that they were told."
        )
    if told_on < request.received_on or told_on > timezone.localdate():
        raise WorkflowError("The requester is told between receipt and today.")
    return _finish(
        request,
        State.REFUSED,
        actor=actor,
        reason=reason,
        refusal_ground=ground,
        refusal_told_on=told_on,
        refusal_told_how=told_how,
        told_of_rights=True,
    )


def refusal_notice(request: AccessRequest) -> list[str]:
    """The refusal as the requester was told it, paragraph by paragraph (Art. 12(4))."""
    if request.state != State.REFUSED:
        return []
    told = request.refusal_told_on
    return [
        f"Your request {request.reference} for the records held on {request.child}, received "
        f"on {request.received_on:%d/%m/%Y}, has been refused.",
        f"Why: {request.get_refusal_ground_display() or 'see below'}. {request.outcome_reason}",
        "If you are unhappy with this decision you may use the setting's complaints procedure, "
        "complain to the Information Commissioner's Office (ico.org.uk/make-a-complaint, "
        "0303 123 1113), and apply to a court to enforce your right of access "
        "(UK GDPR Art. 12(4); DPA 2018 s.167).",
        f"Told {request.get_refusal_told_how_display().lower()} on {told:%d/%m/%Y}."
        if told
        else "",
    ]
