"""The complaints procedure (policy P10) as an explicit state machine: received, acknowledged,
being investigated, outcome told, closed; withdrawn from any open state.

Every change is a service here: keyword-only, the actor passed in, one transaction, the row
locked, history with who and why, and a row in the access log. The 28-day clock is the EYFS
statutory framework's (section 3, "Complaints"): a written complaint about the setting's
fulfilment of the EYFS is investigated and the complainant told the outcome within 28 days of
receipt (``complaints/deadlines.py``).

Any member of staff may log a complaint they received; everything after that is the managers'.
"""

import datetime
import uuid
from collections.abc import Collection

from django.db import transaction
from django.db.models import QuerySet
from django.utils import dateformat, timezone

from access_requests.models import AccessRequest, RectificationRequest, RectificationState
from children.models import Child, Person, Record
from complaints import deadlines
from complaints.models import (
    AWAITING_OUTCOME_STATES,
    OPEN_COMPLAINT_STATES,
    WRITTEN,
    About,
    Complaint,
    ComplaintNote,
    ComplaintOutcome,
    ComplaintState,
    ReceivedHow,
    TakenFurther,
)
from setting_records import access, access_log, submissions
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from setting_records.models import AccessAction, Setting, User

# Where each state may go next; withdrawn is reachable from every open state.
TRANSITIONS: dict[str, set[str]] = {
    ComplaintState.RECEIVED: {ComplaintState.ACKNOWLEDGED},
    ComplaintState.ACKNOWLEDGED: {ComplaintState.INVESTIGATING},
    ComplaintState.INVESTIGATING: {ComplaintState.OUTCOME_NOTIFIED},
    ComplaintState.OUTCOME_NOTIFIED: {ComplaintState.CLOSED},
    ComplaintState.CLOSED: set(),
    ComplaintState.WITHDRAWN: set(),
}
for _state in OPEN_COMPLAINT_STATES:
    TRANSITIONS[_state] |= {ComplaintState.WITHDRAWN}

#: What the link to each kind of object requires: about this, the object must be named.
LINK_FOR: dict[str, str] = {
    About.ACCESS_REQUEST: "access_request",
    About.ENTRY: "record",
    About.RECTIFICATION: "rectification",
}

# A correction request is complained about once there is a decision: decided (the parent still
# to be told, or told) or refused (policy P10, P11).
REFERABLE_RECTIFICATION_STATES = {
    RectificationState.DECIDED,
    RectificationState.CLOSED,
    RectificationState.REFUSED,
}

LINK_WORDS = {
    "access_request": "access request",
    "record": "entry",
    "rectification": "correction request",
}


def _why(text: str) -> str:
    return " ".join(text.split())


def _locked(complaint: Complaint) -> Complaint:
    """The complaint row, locked for the rest of the transaction, read afresh. Only its own row
    (``of``): PostgreSQL refuses FOR UPDATE on the nullable side of the outer join to the child,
    and the setting's and child's rows need no lock."""
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("setting", "child")
        .get(pk=complaint.pk)
    )


def _require_manager(actor: User, complaint: Complaint) -> None:
    if not access.manages(actor, complaint.setting_id):
        raise WorkflowError("Only the setting's manager handles complaints.")


def _require_state(complaint: Complaint, states: Collection[str], rule: str) -> None:
    if complaint.state not in states:
        raise WorkflowError(f"The complaint is “{complaint.get_state_display()}”: {rule}")


def _check_day(day: datetime.date, complaint: Complaint, what: str) -> None:
    if day > timezone.localdate():
        raise WorkflowError(f"The date {what} cannot be in the future.")
    if day < complaint.received_on:
        raise WorkflowError(f"The date {what} cannot be before the complaint was received.")


def _log(action: str, complaint: Complaint, actor: User, **detail: object) -> None:
    access_log.append(
        action=action,
        actor=actor,
        setting=complaint.setting,
        child=complaint.child,
        detail={"complaint": complaint.pk, **detail},
    )


def _move(complaint: Complaint, to: str, *, actor: User, reason: str) -> Complaint:
    if to not in TRANSITIONS[complaint.state]:
        raise WorkflowError(
            f"A complaint that is “{complaint.get_state_display()}” cannot become "
            f"“{ComplaintState(to).label}”."
        )
    previous = complaint.state
    complaint.state = to
    save_as(complaint, actor=actor, reason=_why(reason))
    _log(AccessAction.COMPLAINT_STATE_CHANGED, complaint, actor, **{"from": previous, "to": to})
    return complaint


def _next_reference(setting: Setting, year: int) -> str:
    """The setting's next complaint reference for ``year``. The setting row is locked first,
    so two complaints logged at once queue for the number (SQLite's BEGIN IMMEDIATE does the
    same); the unique constraint catches anything that gets past."""
    Setting.objects.select_for_update().filter(pk=setting.pk).first()
    count = Complaint.objects.filter(setting=setting, reference__startswith=f"C-{year}-").count()
    return f"C-{year}-{count + 1:04d}"


def _check_links(
    *,
    actor: User,
    setting: Setting,
    about: str,
    child: Child | None,
    record: Record | None,
    access_request: AccessRequest | None,
    rectification: RectificationRequest | None,
) -> Child | None:
    """The objects the complaint is linked to: each must be one the actor may see, at the
    complaint's setting, and agree on the child. Returns the child concerned."""
    links = {"record": record, "access_request": access_request, "rectification": rectification}
    needed = LINK_FOR.get(about)
    if needed and links[needed] is None:
        raise WorkflowError(f"Say which {LINK_WORDS[needed]} the complaint is about.")
    for name, linked in links.items():
        if linked is not None and name != needed:
            raise WorkflowError("A complaint is linked only to what it is about.")
    visible: dict[
        str, QuerySet[Record] | QuerySet[AccessRequest] | QuerySet[RectificationRequest]
    ] = {
        "record": access.visible_records(actor),
        "access_request": access.visible_access_requests(actor),
        "rectification": access.visible_rectifications(actor),
    }
    linked_child: Child | None = None
    if needed and (linked := links[needed]) is not None:
        # Read afresh: the state and child as they are now, not as the caller last saw them.
        current: Record | AccessRequest | RectificationRequest | None = (
            visible[needed].select_related("child").filter(pk=linked.pk).first()
        )
        if current is None:
            raise WorkflowError("You cannot link the complaint to that.")
        if (
            isinstance(current, RectificationRequest)
            and current.state not in REFERABLE_RECTIFICATION_STATES
        ):
            raise WorkflowError(
                "That correction request has no decision yet: there is nothing to complain "
                "about until it is decided or refused."
            )
        linked_child = current.child
    if child is not None and not access.visible_children(actor).filter(pk=child.pk).exists():
        raise WorkflowError("You cannot link the complaint to that child.")
    if linked_child is not None and child is not None and child.pk != linked_child.pk:
        raise WorkflowError(f"That is about {linked_child}, not {child}.")
    concerned = child or linked_child
    if concerned is not None and concerned.setting_id != setting.pk:
        raise WorkflowError(f"{concerned} is not at {setting}.")
    return concerned


@transaction.atomic
def complaint_log(
    *,
    setting: Setting,
    actor: User,
    received_on: datetime.date,
    received_how: str,
    about: str,
    summary: str,
    complainant: Person | None = None,
    complainant_name: str = "",
    complainant_contact: str = "",
    child: Child | None = None,
    record: Record | None = None,
    access_request: AccessRequest | None = None,
    rectification: RectificationRequest | None = None,
    staff_concerned: User | None = None,
    on_clock: bool = False,
    submission_key: uuid.UUID | None = None,
) -> Complaint:
    """Log a complaint as received, by whoever received it (any member of staff of the
    setting). A written complaint is always on the EYFS 28-day clock; one made in person or by
    phone is when ``on_clock`` is chosen."""
    if not access.complaint_settings(actor).filter(pk=setting.pk).exists():
        raise WorkflowError("You can log complaints only at a setting you work at.")
    if found := submissions.claim(Complaint, submission_key, logged_by_id=actor.pk):
        return found
    if received_how not in ReceivedHow.values:
        raise WorkflowError("Say how the complaint was received.")
    if about not in About.values:
        raise WorkflowError("Say what the complaint is about.")
    if received_on > timezone.localdate():
        raise WorkflowError("The date received cannot be in the future.")
    summary = summary.strip()
    if not summary:
        raise WorkflowError("Write down the complaint, in the complainant's words.")
    complainant_name = complainant_name.strip()
    if complainant is not None:
        if complainant_name:
            raise WorkflowError(
                "Choose the complainant from the register or give a name, not both."
            )
        if not access.visible_people(actor).filter(pk=complainant.pk).exists():
            raise WorkflowError("You cannot choose that person.")
        if complainant.setting_id != setting.pk:
            raise WorkflowError(f"{complainant} is not known at {setting}.")
    elif not complainant_name:
        raise WorkflowError("Say who made the complaint.")
    if staff_concerned is not None and not (
        access.setting_staff(setting).filter(pk=staff_concerned.pk).exists()
    ):
        raise WorkflowError(f"That member of staff does not work at {setting}.")
    concerned = _check_links(
        actor=actor,
        setting=setting,
        about=about,
        child=child,
        record=record,
        access_request=access_request,
        rectification=rectification,
    )
    on_clock = on_clock or received_how in WRITTEN
    complaint = Complaint(
        setting=setting,
        reference=_next_reference(setting, received_on.year),
        complainant=complainant,
        complainant_name=complainant_name,
        complainant_contact=complainant_contact.strip(),
        received_on=received_on,
        received_how=received_how,
        about=about,
        child=concerned,
        record=record,
        access_request=access_request,
        rectification=rectification,
        staff_concerned=staff_concerned,
        summary=summary,
        on_clock=on_clock,
        due_on=deadlines.due_on(received=received_on, on_clock=on_clock),
        logged_by=actor,
        submission_key=submission_key,
    )
    complaint, saved = submissions.save_once(
        complaint, actor=actor, reason="Complaint received", logged_by_id=actor.pk
    )
    if not saved:
        return complaint
    _log(AccessAction.COMPLAINT_LOGGED, complaint, actor, about=about)
    return complaint


@transaction.atomic
def complaint_acknowledge(
    *, complaint: Complaint, actor: User, acknowledged_on: datetime.date, acknowledged_how: str
) -> Complaint:
    """Record that the complainant was told the complaint was received."""
    complaint = _locked(complaint)
    _require_manager(actor, complaint)
    _check_day(acknowledged_on, complaint, "acknowledged")
    if acknowledged_how not in ReceivedHow.values:
        raise WorkflowError("Say how the complaint was acknowledged.")
    complaint.acknowledged_on = acknowledged_on
    complaint.acknowledged_how = acknowledged_how
    return _move(
        complaint, ComplaintState.ACKNOWLEDGED, actor=actor, reason="Complaint acknowledged"
    )


@transaction.atomic
def complaint_investigate(
    *, complaint: Complaint, actor: User, started_on: datetime.date
) -> Complaint:
    """Start the investigation, led by ``actor``."""
    complaint = _locked(complaint)
    _require_manager(actor, complaint)
    _check_day(started_on, complaint, "the investigation started")
    if complaint.acknowledged_on and started_on < complaint.acknowledged_on:
        raise WorkflowError("The investigation cannot start before the acknowledgement.")
    complaint.investigated_by = actor
    complaint.investigation_started_on = started_on
    return _move(
        complaint, ComplaintState.INVESTIGATING, actor=actor, reason="Investigation started"
    )


@transaction.atomic
def complaint_note_add(
    *, complaint: Complaint, actor: User, text: str, submission_key: uuid.UUID | None = None
) -> ComplaintNote:
    """Add a note of the investigation (managers only), never edited afterwards."""
    complaint = _locked(complaint)
    _require_manager(actor, complaint)
    same = {"complaint_id": complaint.pk, "written_by_id": actor.pk}
    if found := submissions.claim(ComplaintNote, submission_key, **same):
        return found
    _require_state(
        complaint,
        {
            ComplaintState.ACKNOWLEDGED,
            ComplaintState.INVESTIGATING,
            ComplaintState.OUTCOME_NOTIFIED,
        },
        "notes are added from its acknowledgement until it is closed.",
    )
    text = text.strip()
    if not text:
        raise WorkflowError("Write the note.")
    note = ComplaintNote(
        complaint=complaint, text=text, written_by=actor, submission_key=submission_key
    )
    note, saved = submissions.save_once(
        note, actor=actor, reason=f"Investigation note on {complaint.reference}", **same
    )
    if not saved:
        return note
    _log(AccessAction.COMPLAINT_NOTE_ADDED, complaint, actor, note=note.pk)
    return note


@transaction.atomic
def complaint_notify_outcome(
    *,
    complaint: Complaint,
    actor: User,
    findings: str,
    outcome: str,
    actions_taken: str,
    notified_on: datetime.date,
    notified_how: str,
) -> Complaint:
    """Record the findings and outcome, and that the complainant was told them (EYFS: within
    28 days of receipt for a complaint on the clock; told late is still recorded, as late)."""
    complaint = _locked(complaint)
    _require_manager(actor, complaint)
    _require_state(
        complaint, {ComplaintState.INVESTIGATING}, "investigate it before telling the outcome."
    )
    _check_day(notified_on, complaint, "the outcome was told")
    if complaint.investigation_started_on and notified_on < complaint.investigation_started_on:
        raise WorkflowError("The outcome cannot be told before the investigation started.")
    if outcome not in ComplaintOutcome.values:
        raise WorkflowError("Say whether the complaint was upheld.")
    if notified_how not in ReceivedHow.values:
        raise WorkflowError("Say how the complainant was told.")
    if not findings.strip():
        raise WorkflowError("Write down what the investigation found.")
    if outcome != ComplaintOutcome.NOT_UPHELD and not actions_taken.strip():
        raise WorkflowError("Say what was done about it.")
    complaint.findings = findings.strip()
    complaint.outcome = outcome
    complaint.actions_taken = actions_taken.strip()
    complaint.outcome_notified_on = notified_on
    complaint.outcome_notified_how = notified_how
    return _move(
        complaint,
        ComplaintState.OUTCOME_NOTIFIED,
        actor=actor,
        reason=f"Outcome told: {ComplaintOutcome(outcome).label.lower()}",
    )


@transaction.atomic
def complaint_close(*, complaint: Complaint, actor: User) -> Complaint:
    complaint = _locked(complaint)
    _require_manager(actor, complaint)
    return _move(complaint, ComplaintState.CLOSED, actor=actor, reason="Complaint closed")


@transaction.atomic
def complaint_withdraw(*, complaint: Complaint, actor: User, reason: str) -> Complaint:
    """The complainant withdrew it: recorded with what they said."""
    complaint = _locked(complaint)
    _require_manager(actor, complaint)
    if not reason.strip():
        raise WorkflowError("Say why the complaint was withdrawn.")
    if complaint.state not in OPEN_COMPLAINT_STATES:
        raise WorkflowError(
            f"The complaint is “{complaint.get_state_display()}”: it cannot be withdrawn."
        )
    complaint.withdrawn_reason = reason.strip()
    return _move(complaint, ComplaintState.WITHDRAWN, actor=actor, reason=f"Withdrawn: {reason}")


@transaction.atomic
def complaint_taken_further(
    *,
    complaint: Complaint,
    actor: User,
    taken_further_to: str,
    taken_further_on: datetime.date,
    taken_further_outcome: str = "",
) -> Complaint:
    """Record that the complainant took it further (to Ofsted, to the ICO) and, when known,
    what came of it. A complainant may go to Ofsted (EYFS statutory framework, section 3) or
    to the ICO (UK GDPR Art. 77) at any time, so this is recorded in every state, withdrawn
    and closed included.

    One body per complaint: recording another replaces the one recorded, and the history keeps
    the earlier one (its reason names it). What came of it, left empty, keeps what was recorded
    before for the same body: it is only ever added to or changed, never lost by a blank."""
    complaint = _locked(complaint)
    _require_manager(actor, complaint)
    if taken_further_to not in TakenFurther.values:
        raise WorkflowError("Say who the complainant went to.")
    _check_day(taken_further_on, complaint, "it was taken further")
    outcome = taken_further_outcome.strip()
    earlier = complaint.taken_further_to
    if not outcome and earlier == taken_further_to:
        outcome = complaint.taken_further_outcome
    reason = f"Taken further to {TakenFurther(taken_further_to).label}"
    if earlier and earlier != taken_further_to:
        reason += f" (was {TakenFurther(earlier).label})"
    complaint.taken_further_to = taken_further_to
    complaint.taken_further_on = taken_further_on
    complaint.taken_further_outcome = outcome
    save_as(
        complaint,
        actor=actor,
        reason=reason,
        update_fields=["taken_further_to", "taken_further_on", "taken_further_outcome"],
    )
    _log(AccessAction.COMPLAINT_CHANGED, complaint, actor, taken_further_to=taken_further_to)
    return complaint


@transaction.atomic
def complaint_put_on_clock(
    *, complaint: Complaint, actor: User, clock_from: datetime.date
) -> Complaint:
    """Put a complaint made in person or by phone on the 28-day clock after it was logged,
    typically because the complainant has since put it in writing: the EYFS statutory
    framework (section 3, "Complaints") runs the 28 days from receipt of the written
    complaint, so the clock runs from ``clock_from``, the day it was received in writing.
    Only while the outcome is still awaited: once told, the record says what happened."""
    complaint = _locked(complaint)
    _require_manager(actor, complaint)
    if complaint.on_clock:
        raise WorkflowError("The complaint is already on the 28-day clock.")
    _require_state(
        complaint,
        AWAITING_OUTCOME_STATES,
        "it is put on the clock only while the outcome is still to be told.",
    )
    _check_day(clock_from, complaint, "it was received in writing")
    complaint.on_clock = True
    complaint.due_on = deadlines.due_on(received=clock_from, on_clock=True)
    save_as(
        complaint,
        actor=actor,
        reason=f"Put on the 28-day clock from {dateformat.format(clock_from, 'j F Y')}, the "
        "day it was received in writing",
        update_fields=["on_clock", "due_on"],
    )
    _log(
        AccessAction.COMPLAINT_CHANGED,
        complaint,
        actor,
        on_clock_from=clock_from.isoformat(),
        due_on=str(complaint.due_on),
    )
    return complaint


def investigation_viewed(*, complaint: Complaint, actor: User, via: str) -> None:
    """A manager was shown the investigation (notes, findings): logged like a read of a
    sensitive entry (policy P10, P13)."""
    _log(AccessAction.COMPLAINT_INVESTIGATION_VIEWED, complaint, actor, via=via)
