"""The access-request workflow (P7-P9, P12) as an explicit state machine.

Every step is a service: keyword-only, the actor passed in, one transaction, kept in history
and, where it touches what a parent receives, in the access log. A step the rules do not allow
raises ``WorkflowError`` with a message for the manager.
"""

import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from access_requests import deadlines
from access_requests.models import (
    OPEN_STATES,
    AccessRequest,
    AdviceOutcome,
    Attendee,
    Controversy,
    ControversyFlag,
    Disclosure,
    Helper,
    LegalAdvice,
    Meeting,
    PackRelease,
    Pause,
    PreparedEntry,
    Redaction,
    State,
    withholding_problem,
)
from children.models import Child, ChildPerson, Person, Record
from setting_records import access, access_log
from setting_records.errors import WorkflowError
from setting_records.history import delete_as, save_as
from setting_records.models import AccessAction, User

# Where each state may go next; withdrawn and refused are reachable from every open state.
TRANSITIONS: dict[str, set[str]] = {
    State.RECEIVED: {State.IDENTITY_VERIFIED},
    State.IDENTITY_VERIFIED: {State.PREPARING},
    State.PREPARING: {State.READY_FOR_MEETING},
    State.READY_FOR_MEETING: {State.PREPARING, State.MEETING_HELD},
    State.MEETING_HELD: {State.COPY_RELEASED, State.CLOSED},
    State.COPY_RELEASED: {State.CLOSED},
    State.CLOSED: set(),
    State.WITHDRAWN: set(),
    State.REFUSED: set(),
}
for _state in OPEN_STATES:
    TRANSITIONS[_state] |= {State.WITHDRAWN, State.REFUSED}


def _locked(request: AccessRequest) -> AccessRequest:
    """The request row, locked for the rest of the transaction (PostgreSQL; SQLite's
    BEGIN IMMEDIATE already lets one writer in at a time), read afresh."""
    return (
        AccessRequest.objects.select_for_update()
        .select_related("child__setting")
        .get(pk=request.pk)
    )


def _move(request: AccessRequest, to: str, *, actor: User, reason: str) -> AccessRequest:
    if to not in TRANSITIONS[request.state]:
        raise WorkflowError(
            f"A request that is “{request.get_state_display()}” cannot become “{State(to).label}”."
        )
    previous = request.state
    request.state = to
    save_as(request, actor=actor, reason=reason)
    access_log.append(
        action=AccessAction.REQUEST_STATE_CHANGED,
        actor=actor,
        child=request.child,
        detail={"request": request.pk, "from": previous, "to": to},
    )
    return request


def _meeting_of(request: AccessRequest) -> Meeting:
    meeting = Meeting.objects.filter(request=request).first()
    if meeting is None:
        raise WorkflowError("Arrange the meeting first.")
    return meeting


def _require_manager(actor: User, child: Child) -> None:
    if not access.manages(actor, child.setting_id):
        raise WorkflowError("Only the setting's manager handles access requests.")


def pr_connection(child: Child, person: Person) -> ChildPerson | None:
    return ChildPerson.objects.filter(child=child, person=person).first()


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
    _require_manager(actor, child)
    connection = pr_connection(child, requester)
    if connection is None:
        raise WorkflowError(f"{requester} is not in {child}'s register.")
    if not connection.has_parental_responsibility:
        raise WorkflowError(
            f"{requester} does not hold parental responsibility for {child}, so cannot ask "
            "for the child's records. Refuse the request, or record the person with parental "
            "responsibility it is made for."
        )
    if representative_name.strip() and not representative_authority.strip():
        raise WorkflowError("Record the evidence of the representative's authority.")
    if received_on > timezone.localdate():
        raise WorkflowError("The date received cannot be in the future.")
    year = received_on.year
    count = AccessRequest.objects.filter(reference__startswith=f"AR-{year}-").count()
    request = AccessRequest(
        child=child,
        requester=requester,
        received_on=received_on,
        channel=channel,
        representative_name=representative_name.strip(),
        representative_authority=representative_authority.strip(),
        reference=f"AR-{year}-{count + 1:04d}",
        created_by=actor,
    )
    save_as(request, actor=actor, reason="Request received")
    if connection.is_restricted:
        # Flagged before anything is prepared: release then waits for legal advice.
        flag_raise(
            request=request,
            kind=Controversy.COURT_CASE,
            note=f"The requester is under a court order restriction: {connection.restriction}",
            actor=actor,
        )
    return request


def _date_in_words(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


@transaction.atomic
def identity_request(
    *, request: AccessRequest, requested_on: datetime.date, asked_for: str, actor: User
) -> AccessRequest:
    """Record that the requester was asked for what is needed to confirm their identity
    (UK GDPR Art. 12(6)). The month then starts again on the day it arrives (Art. 12A,
    DPA 2018 s.54(3)), recorded with ``identity_verify``.

    Asked for once, before identity is verified, and not after the due date: the ICO expects
    proof to be asked for promptly, and a request already overdue must stay visibly overdue
    rather than get a fresh month."""
    request = _locked(request)
    _require_manager(actor, request.child)
    if request.state != State.RECEIVED:
        raise WorkflowError("Proof of identity is asked for before identity is verified.")
    if request.identity_requested_on is not None:
        raise WorkflowError(
            "Proof of identity was already asked for on "
            f"{_date_in_words(request.identity_requested_on)}."
        )
    if not asked_for.strip():
        raise WorkflowError("Say what was asked for to confirm the requester's identity.")
    if requested_on < request.received_on or requested_on > timezone.localdate():
        raise WorkflowError("Proof of identity can be asked for only between receipt and today.")
    due = request.due_on()
    if due is not None and requested_on > due:
        raise WorkflowError(
            f"The request was due on {_date_in_words(due)}: asking for proof of identity "
            "afterwards cannot start a month that has already run out. Ask promptly, or "
            "answer the request now."
        )
    request.identity_requested_on = requested_on
    request.identity_asked_for = asked_for.strip()
    save_as(request, actor=actor, reason="Proof of identity asked for")
    return request


@transaction.atomic
def identity_verify(
    *,
    request: AccessRequest,
    method: str,
    actor: User,
    identity_received_on: datetime.date | None = None,
) -> AccessRequest:
    """Record how identity was verified. Where proof was asked for, ``identity_received_on``
    is the day it arrived: the month runs from that day (Art. 12A, DPA 2018 s.54(3))."""
    request = _locked(request)
    _require_manager(actor, request.child)
    if not method.strip():
        raise WorkflowError("Say how the requester's identity was verified.")
    if request.identity_requested_on is None:
        if identity_received_on is not None:
            raise WorkflowError(
                "Proof of identity was not asked for, so the month runs from the day the "
                "request was received: leave the day it arrived empty, or first record that it "
                "was asked for."
            )
    else:
        if identity_received_on is None:
            raise WorkflowError(
                "Give the day the proof of identity arrived: the month starts again that day."
            )
        if identity_received_on < request.identity_requested_on:
            raise WorkflowError(
                "The proof of identity cannot arrive before it was asked for "
                f"({_date_in_words(request.identity_requested_on)})."
            )
        if identity_received_on > timezone.localdate():
            raise WorkflowError("The day the proof of identity arrived cannot be in the future.")
        request.identity_received_on = identity_received_on
    request.identity_method = method.strip()
    request.identity_verified_by = actor
    request.identity_verified_at = timezone.now()
    return _move(request, State.IDENTITY_VERIFIED, actor=actor, reason="Identity verified")


@transaction.atomic
def pause_start(
    *, request: AccessRequest, reason: str, started_on: datetime.date, actor: User
) -> Pause:
    """Stop the clock while a clarification the setting reasonably needs is awaited (Art. 12A,
    DPA 2018 s.54(3C)). Only a month that has not yet run out can be stopped."""
    request = _locked(request)
    _require_manager(actor, request.child)
    if not request.is_open:
        raise WorkflowError("The request is no longer open.")
    if not reason.strip():
        raise WorkflowError("Say what clarification was asked for.")
    if request.waiting_for_identity:
        raise WorkflowError(
            "The month has not started: it starts when the proof of identity arrives."
        )
    pauses = list(request.pauses.all())
    if any(pause.ended_on is None for pause in pauses):
        raise WorkflowError("The clock is already stopped.")
    if started_on < request.received_on or started_on > timezone.localdate():
        raise WorkflowError("The clock can stop only between receipt and today.")
    if request.identity_received_on and started_on < request.identity_received_on:
        raise WorkflowError(
            "The month started again on "
            f"{_date_in_words(request.identity_received_on)}, when the proof of identity "
            "arrived: the clock can stop only from that day."
        )
    last_end = max((p.ended_on for p in pauses if p.ended_on is not None), default=None)
    if last_end is not None and started_on < last_end:
        raise WorkflowError(
            f"The clock was stopped until {_date_in_words(last_end)}: it can stop again only "
            "from that day."
        )
    due = request.due_on()
    if due is not None and started_on > due:
        raise WorkflowError(
            f"The request was due on {_date_in_words(due)} and is overdue: the clock can be "
            "stopped only before the month runs out. Answer the request as soon as possible."
        )
    pause = Pause(request=request, started_on=started_on, reason=reason.strip())
    save_as(pause, actor=actor, reason="Clock stopped")
    return pause


@transaction.atomic
def pause_end(*, request: AccessRequest, ended_on: datetime.date, actor: User) -> Pause:
    request = _locked(request)
    _require_manager(actor, request.child)
    pause = request.pauses.filter(ended_on__isnull=True).first()
    if pause is None:
        raise WorkflowError("The clock is not stopped.")
    if ended_on < pause.started_on or ended_on > timezone.localdate():
        raise WorkflowError("The answer must arrive between the question and today.")
    pause.ended_on = ended_on
    save_as(pause, actor=actor, reason="Clock restarted")
    return pause


@transaction.atomic
def extension_record(
    *,
    request: AccessRequest,
    months: int,
    reason: str,
    told_on: datetime.date,
    reasons_told: bool,
    actor: User,
) -> AccessRequest:
    """Extend the deadline by one or two further months for a complex or numerous request
    (UK GDPR Art. 12(3), Art. 12A; DPA 2018 s.54(3A)-(3B)). The requester must have been told,
    with the reasons for the delay, on or before the unextended due date: one month from the
    day the month started (receipt, or the day proof of identity arrived), not counting the
    days the clock was stopped."""
    request = _locked(request)
    _require_manager(actor, request.child)
    if not request.is_open:
        raise WorkflowError(
            f"The request is “{request.get_state_display()}”: an ended request is not extended."
        )
    if months not in (1, 2):
        raise WorkflowError("An extension is one or two further months.")
    if not reason.strip():
        raise WorkflowError("Say why the request is complex enough to need longer.")
    if not reasons_told:
        raise WorkflowError(
            "The requester must be told the reasons for the delay with the extension "
            "(UK GDPR Art. 12(3)): confirm that they were."
        )
    if told_on > timezone.localdate():
        raise WorkflowError("The day the requester was told cannot be in the future.")
    if told_on < request.received_on:
        raise WorkflowError(
            "The day the requester was told cannot be before the request was received "
            f"({_date_in_words(request.received_on)})."
        )
    pauses = request.deadline_pauses()
    if not deadlines.extension_allowed(
        received=request.received_on,
        identity_requested=request.identity_requested_on,
        identity_received=request.identity_received_on,
        pauses=pauses,
        told_on=told_on,
    ):
        unextended = deadlines.due_date(
            received=request.received_on,
            identity_requested=request.identity_requested_on,
            identity_received=request.identity_received_on,
            pauses=pauses,
        )
        raise WorkflowError(
            "The requester must be told of an extension within the first month, that is by "
            f"{_date_in_words(unextended)}; it is too late to extend now."
            if unextended
            else "The requester must be told of an extension within the first month."
        )
    request.extension_months = months
    request.extension_reason = reason.strip()
    request.extension_told_on = told_on
    request.extension_reasons_told = True
    save_as(request, actor=actor, reason="Deadline extended")
    return request


def _other_people_named(request: AccessRequest) -> list[str]:
    """Full names that make an entry "name a third party": other children of the setting and
    the people in its register other than the requester (the other parent is a third party to
    the requester too)."""
    setting_id = request.child.setting_id
    children = Child.objects.filter(setting_id=setting_id).exclude(pk=request.child_id)
    people = Person.objects.filter(setting_id=setting_id).exclude(pk=request.requester_id)
    names = {f"{c.first_name} {c.last_name}" for c in children.only("first_name", "last_name")}
    names |= {f"{p.first_name} {p.last_name}" for p in people.only("first_name", "last_name")}
    return sorted(name for name in names if name.strip())


def _names_someone(record: Record, names: list[str]) -> bool:
    text = f"{record.title}\n{record.body}".casefold()
    return any(name.casefold() in text for name in names)


def _professional(record: Record, organisations: dict[str, str]) -> bool:
    """A health visitor, social worker, teacher... acting in their role: the entry gives their
    role, or the register records them with their organisation (DPA 2018 Sch. 2 para 17; ICO
    guidance on the right of access, "health, education and social work" third parties)."""
    # What they shared in confidence is the manager's decision, never a default.
    if not record.is_third_party or record.third_party_confidential:
        return False
    if record.third_party_role.strip():
        return True
    return bool(organisations.get(record.third_party_name.strip().casefold()))


def _registered_organisations(request: AccessRequest) -> dict[str, str]:
    people = Person.objects.filter(setting_id=request.child.setting_id).exclude(organisation="")
    return {f"{p.first_name} {p.last_name}".casefold(): p.organisation for p in people}


def entries_add_new(*, request: AccessRequest, actor: User) -> list[PreparedEntry]:
    """Add every record on the child not yet in the request, flagged for review where it names
    another person, and disclosed by default where it comes from a professional in their role.

    Used when preparation starts, and by any later re-preparation, so that a new entry is
    prepared exactly as the first ones were.
    """
    names = _other_people_named(request)
    organisations = _registered_organisations(request)
    added = []
    for record in request.child.records.exclude(
        pk__in=request.entries.values("record_id")
    ).order_by("occurred_at"):
        professional = _professional(record, organisations)
        entry = PreparedEntry(
            request=request,
            record=record,
            names_third_party=_names_someone(record, names),
            disclosure=Disclosure.PROFESSIONAL if professional else "",
            disclosed_by_default=professional,
        )
        save_as(entry, actor=actor, reason="Selected")
        added.append(entry)
    return added


@transaction.atomic
def preparation_start(*, request: AccessRequest, actor: User) -> AccessRequest:
    """Every record on the child goes in by default; the manager then reviews the third-party,
    sensitive and naming entries, and withholds (with a reason) what must not go out.

    A professional acting in their role is disclosed by default (DPA 2018 Sch. 2 para 17),
    unless they shared the information in confidence: withholding one needs an explicit
    reason like any other withholding.
    """
    request = _locked(request)
    _require_manager(actor, request.child)
    _move(request, State.PREPARING, actor=actor, reason="Preparation started")
    entries_add_new(request=request, actor=actor)
    return request


def decision_problem(
    entry: PreparedEntry, *, disclosure: str, withhold_reason: str, withhold_note: str
) -> str | None:
    """Why this decision on this entry cannot be saved, or None. Shared by the review form
    (an error beside the entry) and the services (a WorkflowError)."""
    if disclosure and disclosure not in Disclosure.values:
        return "Choose disclose or withhold."
    if disclosure == Disclosure.WITHHOLD:
        return withholding_problem(withhold_reason, withhold_note)
    if disclosure == Disclosure.DISCLOSE and entry.record.is_third_party:
        return (
            "Third-party information goes out only with consent, where it is reasonable "
            "without consent, or from a professional in their role: choose which."
        )
    if not disclosure and entry.review_required:
        return "Decide: disclose or withhold."
    return None


def _decide(
    entry: PreparedEntry,
    *,
    disclosure: str,
    withhold_reason: str,
    withhold_note: str,
    reason_may_be_told: bool,
    actor: User,
) -> PreparedEntry:
    if problem := decision_problem(
        entry, disclosure=disclosure, withhold_reason=withhold_reason, withhold_note=withhold_note
    ):
        raise WorkflowError(f"“{entry.record.title}”: {problem}")
    withheld = disclosure == Disclosure.WITHHOLD
    entry.included = True
    entry.disclosure = disclosure
    entry.withhold_reason = withhold_reason if withheld else ""
    entry.withhold_note = withhold_note.strip() if withheld else ""
    entry.reason_may_be_told = reason_may_be_told if withheld else True
    entry.disclosed_by_default = False
    entry.reviewed_by = actor
    save_as(entry, actor=actor, reason="Withheld" if withheld else "Reviewed")
    return entry


def _require_preparing(request: AccessRequest) -> None:
    if request.state != State.PREPARING:
        raise WorkflowError("Entries can be chosen only while the information is being prepared.")


@transaction.atomic
def entry_decide(
    *,
    entry: PreparedEntry,
    disclosure: str,
    actor: User,
    withhold_reason: str = "",
    withhold_note: str = "",
    reason_may_be_told: bool = True,
    included: bool = True,
) -> PreparedEntry:
    """Disclose an entry or withhold it under an exemption with a note.

    Leaving an entry out (``included=False``) is withholding it: it needs the same reason, and
    the pack shows "[withheld — reason]" in its place. The reason is honoured whoever wrote
    the entry.
    """
    request = _locked(entry.request)
    _require_manager(actor, request.child)
    _require_preparing(request)
    # A reason given is a reason honoured, whoever wrote the entry: it is never saved and
    # then ignored.
    if not included or (withhold_reason and not disclosure):
        disclosure = Disclosure.WITHHOLD
    return _decide(
        entry,
        disclosure=disclosure,
        withhold_reason=withhold_reason,
        withhold_note=withhold_note,
        reason_may_be_told=reason_may_be_told,
        actor=actor,
    )


@dataclass(frozen=True)
class EntryDecision:
    """One row of the review list as the manager left it."""

    entry_id: int
    disclosure: str
    withhold_reason: str = ""
    withhold_note: str = ""
    reason_may_be_told: bool = True
    # A passage to withhold from the entry's text, with its own reason (optional).
    passage: str = ""
    passage_reason: str = ""
    passage_note: str = ""
    passage_reason_may_be_told: bool = True
    remove_redactions: tuple[int, ...] = ()


@transaction.atomic
def entries_review(
    *, request: AccessRequest, decisions: list[EntryDecision], actor: User
) -> list[PreparedEntry]:
    """ "Save all" on the review list: every decision, new passage and removal, or none of them.

    Unchanged rows are not saved again, so history shows only what the manager changed.
    """
    request = _locked(request)
    _require_manager(actor, request.child)
    _require_preparing(request)
    entries = request.entries.select_related("record").in_bulk(
        [decision.entry_id for decision in decisions]
    )
    saved = []
    for decision in decisions:
        entry = entries.get(decision.entry_id)
        if entry is None:
            raise WorkflowError("That entry is not part of this request.")
        unchanged = (
            entry.included
            and entry.disclosure == decision.disclosure
            and (
                decision.disclosure != Disclosure.WITHHOLD
                or (
                    entry.withhold_reason == decision.withhold_reason
                    and entry.withhold_note == decision.withhold_note.strip()
                    and entry.reason_may_be_told == decision.reason_may_be_told
                )
            )
            and not (entry.disclosed_by_default and decision.disclosure)
        )
        if not unchanged:
            _decide(
                entry,
                disclosure=decision.disclosure,
                withhold_reason=decision.withhold_reason,
                withhold_note=decision.withhold_note,
                reason_may_be_told=decision.reason_may_be_told,
                actor=actor,
            )
        elif problem := decision_problem(
            entry,
            disclosure=decision.disclosure,
            withhold_reason=decision.withhold_reason,
            withhold_note=decision.withhold_note,
        ):
            raise WorkflowError(f"“{entry.record.title}”: {problem}")
        if decision.remove_redactions:
            for redaction in entry.redactions.filter(pk__in=decision.remove_redactions):
                _redaction_delete(redaction, actor=actor)
        if decision.passage.strip():
            _redaction_create(
                entry,
                passage=decision.passage,
                reason=decision.passage_reason,
                note=decision.passage_note,
                reason_may_be_told=decision.passage_reason_may_be_told,
                actor=actor,
            )
        saved.append(entry)
    return saved


def redaction_problem(entry: PreparedEntry, *, passage: str, reason: str, note: str) -> str | None:
    """Why this passage cannot be withheld from this entry, or None."""
    if not passage.strip():
        return "Copy the passage to withhold from the entry's text."
    if passage.strip() not in entry.record.body:
        return (
            "That passage is not in the entry's text: copy it exactly as it is written, "
            "including capitals and punctuation."
        )
    return withholding_problem(reason, note)


def _redaction_create(
    entry: PreparedEntry,
    *,
    passage: str,
    reason: str,
    note: str,
    reason_may_be_told: bool,
    actor: User,
) -> Redaction:
    if problem := redaction_problem(entry, passage=passage, reason=reason, note=note):
        raise WorkflowError(f"“{entry.record.title}”: {problem}")
    redaction = Redaction(
        entry=entry,
        passage=passage.strip(),
        reason=reason,
        note=note.strip(),
        reason_may_be_told=reason_may_be_told,
        added_by=actor,
    )
    save_as(redaction, actor=actor, reason="Passage withheld")
    return redaction


def _redaction_delete(redaction: Redaction, *, actor: User) -> None:
    delete_as(redaction, actor=actor, reason="Passage no longer withheld")


@transaction.atomic
def redaction_add(
    *,
    entry: PreparedEntry,
    passage: str,
    reason: str,
    note: str,
    actor: User,
    reason_may_be_told: bool = True,
) -> Redaction:
    """Withhold a passage of an entry's text (another child's name, a third party's details).

    The record is unchanged; the pack prints "[withheld — reason]" in place of every occurrence
    of the passage (DPA 2018 Sch. 2 para 16 and the other exemptions, applied to part of an
    entry as the ICO's guidance on redaction expects).
    """
    request = _locked(entry.request)
    _require_manager(actor, request.child)
    _require_preparing(request)
    return _redaction_create(
        entry,
        passage=passage,
        reason=reason,
        note=note,
        reason_may_be_told=reason_may_be_told,
        actor=actor,
    )


@transaction.atomic
def redaction_remove(*, redaction: Redaction, actor: User) -> None:
    request = _locked(redaction.entry.request)
    _require_manager(actor, request.child)
    _require_preparing(request)
    _redaction_delete(redaction, actor=actor)


def _awaiting(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


@transaction.atomic
def ready_for_meeting(*, request: AccessRequest, actor: User) -> AccessRequest:
    request = _locked(request)
    _require_manager(actor, request.child)
    waiting = [e for e in request.entries.select_related("record") if e.needs_review]
    if waiting:
        raise WorkflowError(
            f"{_awaiting(len(waiting))} still need a decision (third-party, sensitive or "
            "naming another person): disclose or withhold."
        )
    return _move(request, State.READY_FOR_MEETING, actor=actor, reason="Ready for the meeting")


@transaction.atomic
def flag_raise(*, request: AccessRequest, kind: str, note: str, actor: User) -> ControversyFlag:
    _require_manager(actor, request.child)
    flag = ControversyFlag(request=request, kind=kind, note=note.strip(), raised_by=actor)
    save_as(flag, actor=actor, reason="Controversy flagged")
    return flag


@transaction.atomic
def legal_advice_record(
    *,
    request: AccessRequest,
    adviser: str,
    advised_on: datetime.date,
    summary: str,
    outcome: str,
    actor: User,
) -> LegalAdvice:
    _require_manager(actor, request.child)
    if advised_on > timezone.localdate():
        raise WorkflowError("Advice cannot be dated in the future.")
    advice = LegalAdvice(
        request=request,
        adviser=adviser.strip(),
        advised_on=advised_on,
        summary=summary.strip(),
        outcome=outcome,
        recorded_by=actor,
    )
    save_as(advice, actor=actor, reason="Legal advice recorded")
    return advice


@transaction.atomic
def helper_add(
    *, request: AccessRequest, name: str, role: str, organisation: str, actor: User
) -> Helper:
    _require_manager(actor, request.child)
    helper = Helper(request=request, name=name.strip(), role=role, organisation=organisation)
    save_as(helper, actor=actor, reason="Recorded against the request")
    return helper


@transaction.atomic
def meeting_schedule(
    *, request: AccessRequest, scheduled_at: datetime.datetime, place: str, actor: User
) -> Meeting:
    request = _locked(request)
    _require_manager(actor, request.child)
    if request.state not in {State.PREPARING, State.READY_FOR_MEETING}:
        raise WorkflowError("A meeting is arranged once the information is being prepared.")
    meeting = Meeting.objects.filter(request=request).first() or Meeting(request=request)
    if meeting.held_at is not None:
        raise WorkflowError("The meeting has already been held.")
    meeting.scheduled_at = scheduled_at
    meeting.place = place.strip()
    meeting.run_by = actor
    save_as(meeting, actor=actor, reason="Meeting arranged")
    return meeting


def attendee_refusal(request: AccessRequest, *, person=None, helper=None) -> str | None:
    """Why this person may not attend the meeting, or None when they may (P8)."""
    if helper is not None:
        return (
            None
            if helper.request_id == request.pk
            else "They are not recorded against this request."
        )
    connection = pr_connection(request.child, person)
    if connection is None:
        return f"{person} is not in {request.child}'s register."
    if not connection.has_parental_responsibility:
        return (
            f"{person} does not hold parental responsibility for {request.child}; only people "
            "with parental responsibility, the legal representative or an interpreter may attend."
        )
    if connection.is_restricted:
        return f"{person} is under a court order restriction: {connection.restriction}"
    return None


@transaction.atomic
def attendee_add(
    *, request: AccessRequest, actor: User, person: Person | None = None, helper=None
) -> Attendee:
    request = _locked(request)
    _require_manager(actor, request.child)
    meeting = _meeting_of(request)
    if (person is None) == (helper is None):
        raise WorkflowError("Choose one person from the register or one helper.")
    if refusal := attendee_refusal(request, person=person, helper=helper):
        raise WorkflowError(refusal)
    attendee = Attendee(meeting=meeting, person=person, helper=helper)
    save_as(attendee, actor=actor, reason="Attending")
    return attendee


@transaction.atomic
def meeting_record_held(
    *, request: AccessRequest, held_at: datetime.datetime, contents_explained: bool, actor: User
) -> Meeting:
    request = _locked(request)
    _require_manager(actor, request.child)
    meeting = _meeting_of(request)
    if not meeting.attendees.exists():
        raise WorkflowError("Record who attended the meeting.")
    if not contents_explained:
        raise WorkflowError("The contents must be explained before the meeting counts as held.")
    if held_at > timezone.now():
        raise WorkflowError("The meeting cannot be recorded as held in the future.")
    meeting.held_at = held_at
    meeting.contents_explained = True
    save_as(meeting, actor=actor, reason="Meeting held")
    _move(request, State.MEETING_HELD, actor=actor, reason="Meeting held")
    return meeting


def release_blockers(request: AccessRequest) -> list[str]:
    """What stands between this request and handing over a copy (P9, P12)."""
    blockers = []
    if request.state != State.MEETING_HELD:
        blockers.append("The copy is released only after the meeting is recorded as held.")
    meeting = Meeting.objects.filter(request=request).first()
    if meeting is None or not meeting.contents_explained:
        blockers.append("The contents have not been explained to the parent.")
    if request.flags.exists():
        advice = request.advice.order_by("-advised_on", "-pk").first()
        if advice is None:
            blockers.append("A controversy is flagged: record legal advice first.")
        elif advice.outcome == AdviceOutcome.DO_NOT_RELEASE:
            blockers.append("Legal advice is not to release.")
    return blockers


def next_step(request: AccessRequest) -> list[str]:
    """What the request is waiting for, in the manager's words, for its page."""
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
            return ["Verify the requester's identity and parental responsibility."]
        case State.IDENTITY_VERIFIED:
            return ["Start preparing the information."]
        case State.PREPARING:
            waiting = sum(e.needs_review for e in request.entries.select_related("record"))
            steps = [f"Decide on {_awaiting(waiting)} in the review list: disclose or withhold."]
            steps = steps if waiting else ["Mark the information ready for the meeting."]
            return steps if meeting else [*steps, "Arrange the meeting."]
        case State.READY_FOR_MEETING:
            if meeting is None:
                return ["Arrange the meeting."]
            if not meeting.attendees.exists():
                return ["Record who attends the meeting."]
            return ["Record the meeting as held, once the contents have been explained."]
        case State.MEETING_HELD:
            return release_blockers(request) or ["Release the copy to the parent."]
        case State.COPY_RELEASED:
            return ["Close the request."]
    return []


def pack_path(release_file_name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "packs" / release_file_name


def released_bytes(release: PackRelease) -> bytes | None:
    """The stored copy, only if it is still exactly what was released."""
    try:
        pdf = pack_path(release.file_name).read_bytes()
    except OSError:
        return None
    return pdf if hashlib.sha256(pdf).hexdigest() == release.sha256 else None


@transaction.atomic
def pack_release(*, request: AccessRequest, released_to: str, actor: User) -> PackRelease:
    """Exactly one release per request, even under double clicks and concurrent requests.

    The request row is locked (PostgreSQL) or the write lock held (SQLite) while the state is
    checked, and the release's one-to-one key refuses a second row whatever happens.
    """
    from access_requests.pack import render_for

    request = _locked(request)
    _require_manager(actor, request.child)
    if PackRelease.objects.filter(request=request).exists():
        raise WorkflowError("The copy has already been released.")
    if blockers := release_blockers(request):
        raise WorkflowError(" ".join(blockers))
    if not released_to.strip():
        raise WorkflowError("Name the person the copy is handed to.")
    pdf = render_for(request, prepared_for=released_to.strip(), watermark=None)
    digest = hashlib.sha256(pdf).hexdigest()
    file_name = f"{request.reference}-{digest[:16]}.pdf"
    path = pack_path(file_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with transaction.atomic():
            release = PackRelease(
                request=request,
                released_by=actor,
                released_to=released_to.strip(),
                sha256=digest,
                file_name=file_name,
                size=len(pdf),
            )
            save_as(release, actor=actor, reason="Copy released")
    except IntegrityError:
        raise WorkflowError("The copy has already been released.") from None
    path.write_bytes(pdf)
    _move(request, State.COPY_RELEASED, actor=actor, reason="Copy released")
    access_log.append(
        action=AccessAction.PACK_RELEASED,
        actor=actor,
        child=request.child,
        detail={"request": request.pk, "sha256": digest, "released_to": released_to.strip()},
    )
    return release


def _finish(request: AccessRequest, to: str, *, actor: User, reason: str) -> AccessRequest:
    request = _locked(request)
    _require_manager(actor, request.child)
    if to in {State.WITHDRAWN, State.REFUSED}:
        if not reason.strip():
            raise WorkflowError("Give the reason.")
        request.outcome_reason = reason.strip()
    return _move(request, to, actor=actor, reason=f"{State(to).label}: {reason}".strip(": "))


@transaction.atomic
def request_close(*, request: AccessRequest, actor: User) -> AccessRequest:
    return _finish(request, State.CLOSED, actor=actor, reason="")


@transaction.atomic
def request_withdraw(*, request: AccessRequest, reason: str, actor: User) -> AccessRequest:
    return _finish(request, State.WITHDRAWN, actor=actor, reason=reason)


@transaction.atomic
def request_refuse(*, request: AccessRequest, reason: str, actor: User) -> AccessRequest:
    return _finish(request, State.REFUSED, actor=actor, reason=reason)
