"""The dashboard's statutory clocks (``setting_records.dashboard``): the open access and
correction requests and the complaints awaiting an outcome of the settings a manager manages,
each with its due date and next step, overdue first.

Queries 5 to 8 of the dashboard (its module docstring counts them all). setting_records sits
below the apps (``tests/setting_records/test_structure.py``): this module imports their models
only, so the due dates come through the models (``StatutoryClock.deadline``,
``Complaint.days_left``), whether a copy may go out through ``access_requests.models.releasable``
(the release service's rule, in SQL), and the next step of a request is said here in a few
words from its state and the facts annotated on it; the request's own page
(``access_requests.steps.current_step``) shows the exact step, and each item links to it.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Subquery

from access_requests.models import (
    FLAG_ADVISED_AGAINST,
    FLAG_AWAITS_ADVICE,
    FLAG_AWAITS_REDACTIONS,
    OPEN_RECTIFICATION_STATES,
    OPEN_STATES,
    RELEASE_STATES,
    AccessRequest,
    Meeting,
    RectificationRequest,
    RectificationState,
    State,
    flags_with_latest_advice,
    releasable,
)
from complaints.models import AWAITING_OUTCOME_STATES, Complaint, ComplaintState
from setting_records import access
from setting_records.models import Setting, User


@dataclass(frozen=True)
class Clock:
    """One statutory deadline: an access or correction request's month (UK GDPR Art. 12(3)),
    a complaint's 28 days (EYFS section 3), or the month within which an extension must be
    told (Art. 12(3)). ``due`` is None while the clock is not running (``status`` says why)."""

    kind: str
    label: str
    url: str
    next_step: str
    due: datetime.date | None
    days_left: int | None
    status: str = ""
    child: str = ""
    setting: str = ""

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.overdue and self.days_left is not None else 0

    def order(self) -> tuple[bool, datetime.date, str, str]:
        # Overdue first (their due dates are the earliest), then by due date; those without a
        # running clock last.
        return (self.due is None, self.due or datetime.date.max, self.kind, self.label)


# What an access request waits for, by its state and the facts annotated on it (see the module
# docstring for why these words live here too).
REQUEST_NEXT: dict[str, str] = {
    State.RECEIVED: "Verify identity and parental responsibility",
    State.IDENTITY_VERIFIED: "Start preparing the information",
    State.PREPARING: "Review the entries",
    State.READY_FOR_MEETING: "Arrange the meeting",
    State.MEETING_HELD: "Release the copy",
    State.MEETING_DECLINED: "Release the copy",
    State.COPY_RELEASED: "Close the request",
}
RECTIFICATION_NEXT: dict[str, str] = {
    RectificationState.RECEIVED: "Verify identity and parental responsibility",
    RectificationState.IDENTITY_VERIFIED: "Decide: correct the entry, or keep it with the "
    "parent's statement",
    RectificationState.DECIDED: "Tell the parent the decision",
}
COMPLAINT_NEXT: dict[str, str] = {
    ComplaintState.RECEIVED: "Acknowledge the complaint",
    ComplaintState.ACKNOWLEDGED: "Investigate",
    ComplaintState.INVESTIGATING: "Tell the complainant the outcome",
}


def _request_next(item: Any) -> str:
    if item.unanswered_flag:
        return "Record legal advice on the controversy flagged"
    if item.advised_against:
        # UK GDPR Art. 15(4): the copy must not adversely affect the rights of others.
        return "Legal advice is not to release: refuse, or record further advice"
    if item.state == State.READY_FOR_MEETING and item.meeting_at is not None:
        return "Record the meeting as held"
    if item.state in RELEASE_STATES and item.redactions_pending:
        return "Confirm the further redactions are made"
    if item.state in RELEASE_STATES and not item.releasable:
        return "See on the request's page what stops the release"
    return REQUEST_NEXT.get(item.state, "")


def open_requests(user: User) -> list[Any]:
    """Queries 5 and 6: open access requests with the child, requester and meeting joined;
    whether a controversy flag waits for legal advice, whether the latest advice on a flag is
    not to release or asks for redactions not yet confirmed (P12), and whether the copy may be
    released (``releasable``: the release service's rule); then their clarification pauses
    (for the due date; skipped by Django when there is no request)."""
    flags = flags_with_latest_advice()
    meeting_at = Meeting.objects.filter(
        request=OuterRef("pk"),
        scheduled_at__isnull=False,
        held_at__isnull=True,
        declined_on__isnull=True,
    ).values("scheduled_at")
    return list(
        access.visible_access_requests(user)
        .filter(state__in=OPEN_STATES)
        .select_related("child", "requester")
        .prefetch_related("pauses")
        .annotate(
            unanswered_flag=Exists(flags.filter(FLAG_AWAITS_ADVICE)),
            advised_against=Exists(flags.filter(FLAG_ADVISED_AGAINST)),
            redactions_pending=Exists(flags.filter(FLAG_AWAITS_REDACTIONS)),
            releasable=ExpressionWrapper(releasable(), output_field=BooleanField()),
            meeting_at=Subquery(meeting_at[:1]),
        )
    )


def open_rectifications(user: User) -> list[RectificationRequest]:
    """Query 7: open correction requests (UK GDPR Art. 16), with their entry and child."""
    return list(
        access.visible_rectifications(user)
        .filter(state__in=OPEN_RECTIFICATION_STATES)
        .select_related("record", "child", "requester")
    )


def awaiting_complaints(user: User, managed: list[Setting]) -> list[Complaint]:
    """Query 8: complaints of the managed settings still waiting for their outcome."""
    return list(
        access.visible_complaints(user)
        .filter(setting__in=managed, state__in=AWAITING_OUTCOME_STATES)
        .select_related("complainant")
    )


def _clock_status(item: Any, deadline: Any) -> str:
    if item.state == State.COPY_RELEASED:
        return "Answered: the copy is released"
    if deadline.waiting_for_identity_since:
        return "Waiting for proof of identity"
    if deadline.clock_stopped:
        return "Clock stopped for a clarification"
    return ""


def _answered(item: AccessRequest | RectificationRequest) -> bool:
    """An access request whose copy is released is answered: only closing it is left."""
    return isinstance(item, AccessRequest) and item.state == State.COPY_RELEASED


def clocks(
    *,
    requests: list[Any],
    rectifications: list[RectificationRequest],
    complaints: list[Complaint],
    names: dict[int, str],
    today: datetime.date,
) -> list[Clock]:
    """Every statutory clock of the managed settings, overdue first, then by due date."""
    out: list[Clock] = []
    for item in requests:
        deadline = item.deadline(today)
        answered = _answered(item)
        out.append(
            Clock(
                kind="Access request",
                label=item.reference,
                url=item.get_absolute_url(),
                next_step=_request_next(item),
                due=None if answered else deadline.due,
                days_left=None if answered else deadline.days_left,
                status=_clock_status(item, deadline),
                child=item.child.display_name,
                setting=names.get(item.setting_id, ""),
            )
        )
    for fix in rectifications:
        deadline = fix.deadline(today)
        out.append(
            Clock(
                kind="Correction request",
                label=f"“{fix.record.title}”",
                url=fix.get_absolute_url(),
                next_step=RECTIFICATION_NEXT.get(fix.state, ""),
                due=deadline.due,
                days_left=deadline.days_left,
                status=_clock_status(fix, deadline),
                child=fix.child.display_name,
                setting=names.get(fix.child.setting_id, ""),
            )
        )
    # An extension must be told, with its reasons, within the first month (UK GDPR Art. 12(3);
    # DPA 2018 s.54(3B)): the unextended due date is the last day to tell the requester. Once
    # the request is answered there is no extension left to tell.
    for item in [*requests, *rectifications]:
        if item.extension_months and item.extension_told_on is None and not _answered(item):
            deadline = item.deadline(today)
            due = deadline.unextended_due
            is_request = isinstance(item, AccessRequest)
            out.append(
                Clock(
                    kind="Extension to tell",
                    label=item.reference if is_request else f"“{item.record.title}”",
                    url=item.get_absolute_url(),
                    next_step="Tell the requester of the extension and the reasons for it",
                    due=due,
                    days_left=None if due is None else (due - today).days,
                    status="" if due else _clock_status(item, deadline),
                    child=item.child.display_name,
                    setting=names.get(item.child.setting_id, ""),
                )
            )
    for complaint in complaints:
        out.append(
            Clock(
                kind="Complaint",
                label=f"{complaint.reference}: {complaint.complainant_display}",
                url=complaint.get_absolute_url(),
                next_step=COMPLAINT_NEXT.get(complaint.state, ""),
                due=complaint.due_on,
                days_left=complaint.days_left(today),
                status="" if complaint.on_clock else "Not on the 28-day clock",
                setting=names.get(complaint.setting_id, ""),
            )
        )
    return sorted(out, key=Clock.order)


__all__ = [
    "COMPLAINT_NEXT",
    "RECTIFICATION_NEXT",
    "REQUEST_NEXT",
    "Clock",
    "awaiting_complaints",
    "clocks",
    "open_rectifications",
    "open_requests",
]
