"""The access-request workflow (P7-P9, P12) as an explicit state machine.

Every step is a service: keyword-only, the actor passed in, one transaction, kept in history
and, where it touches what a parent receives, in the access log. A step the rules do not allow
raises ``WorkflowError`` with a message for the manager.
"""

import dataclasses
import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from access_requests import deadlines, snapshot
from access_requests.models import (
    OPEN_STATES,
    SECURE_ROUTES,
    AccessRequest,
    AdviceAnswer,
    AdviceOutcome,
    Attendee,
    Channel,
    Controversy,
    ControversyFlag,
    Disclosure,
    FrozenPack,
    Helper,
    LegalAdvice,
    Meeting,
    PackRelease,
    Pause,
    PreparedEntry,
    Redaction,
    RefusalGround,
    ReleaseRoute,
    State,
    withholding_problem,
)
from access_requests.pack import content_for
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
    State.READY_FOR_MEETING: {State.PREPARING, State.MEETING_HELD, State.MEETING_DECLINED},
    # Back to preparing when the content changed after it was fixed: it is discussed again.
    State.MEETING_HELD: {State.PREPARING, State.COPY_RELEASED, State.CLOSED},
    State.MEETING_DECLINED: {State.PREPARING, State.COPY_RELEASED, State.CLOSED},
    State.COPY_RELEASED: {State.CLOSED},
    State.CLOSED: set(),
    State.WITHDRAWN: set(),
    State.REFUSED: set(),
}
for _state in OPEN_STATES:
    TRANSITIONS[_state] |= {State.WITHDRAWN, State.REFUSED}


def _why(text: str) -> str:
    """A history reason that fits simple-history's 100 characters (the full text is kept on
    the object itself: ``outcome_reason``, the meeting, the request)."""
    text = " ".join(text.split())
    return text if len(text) <= 100 else f"{text[:99]}…"


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
    if refusal := requester_without_pr(request):
        raise WorkflowError(
            f"{refusal} The request can only be refused (with the reasons and the right to "
            "complain to the ICO and to go to court) or withdrawn, unless the register is wrong "
            "and is corrected first."
        )
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


def requester_without_pr(request: AccessRequest) -> str | None:
    """Why the requester may not have the child's records, by the register as it is now."""
    connection = pr_connection(request.child, request.requester)
    if connection is None:
        return f"{request.requester} is not in {request.child}'s register."
    if not connection.has_parental_responsibility:
        return f"{request.requester} does not hold parental responsibility for {request.child}."
    return None


def _requester_may_receive(request: AccessRequest) -> str | None:
    """Parental responsibility and court-order restrictions, checked again at release."""
    if refusal := requester_without_pr(request):
        return refusal
    connection = pr_connection(request.child, request.requester)
    if connection is not None and connection.is_restricted:
        return f"{request.requester} is under a court order restriction: {connection.restriction}"
    return None


# The frozen pack (P9: the copy is the one that was discussed).

# Fields of PackContent that say whom a copy is for, who made it and when the meeting was, not
# what it holds: each copy made from a frozen pack takes them afresh.
ENVELOPE_FIELDS = ("prepared_for", "prepared_by", "watermark", "meeting_date")


def _live_content(request: AccessRequest, *, prepared_for: str, watermark: str | None):
    return content_for(request, prepared_for=prepared_for, watermark=watermark)


def _frozen_plain(content) -> dict:
    plain = snapshot.to_plain(content)
    for name in ENVELOPE_FIELDS:
        if name in plain:
            plain[name] = None
    return plain


def _decision(entry: PreparedEntry) -> dict:
    """Every preparation decision on an entry, whatever fields it gains."""
    skip = {"id", "request", "record", "reviewed_by"}
    return {
        field.attname: snapshot.to_plain(getattr(entry, field.attname))
        for field in PreparedEntry._meta.concrete_fields
        if field.name not in skip
    }


def _fingerprints(request: AccessRequest) -> list[dict]:
    return [
        {
            "entry": entry.pk,
            "record": entry.record_id,
            "title": entry.record.title,
            "record_updated_at": entry.record.updated_at.isoformat(),
            "decision": _decision(entry),
        }
        for entry in request.entries.select_related("record").order_by("pk")
    ]


def current_frozen(request: AccessRequest) -> FrozenPack | None:
    return request.frozen_packs.filter(superseded_at__isnull=True).first()


def _freeze(request: AccessRequest, *, actor: User) -> FrozenPack:
    for earlier in request.frozen_packs.filter(superseded_at__isnull=True):
        earlier.superseded_at = timezone.now()
        save_as(earlier, actor=actor, reason="Superseded by a new preparation")
    plain = _frozen_plain(_live_content(request, prepared_for="", watermark=None))
    frozen = FrozenPack(
        request=request,
        content=plain,
        sha256=snapshot.digest(plain),
        entries=_fingerprints(request),
        frozen_by=actor,
    )
    save_as(frozen, actor=actor, reason="Pack fixed for the meeting")
    return frozen


def changes_since_preparation(request: AccessRequest) -> list[str]:
    """What changed in the pack after it was fixed for the meeting, in the manager's words.

    Empty when nothing did, or when nothing is frozen yet. Any change means the content must be
    prepared again (and discussed) before a copy can go out.
    """
    frozen = current_frozen(request)
    if frozen is None:
        return []
    known = {row["entry"]: row for row in frozen.entries}
    changes = []
    entries = list(request.entries.select_related("record").order_by("record__occurred_at"))
    for entry in entries:
        row = known.get(entry.pk)
        record = entry.record
        if row is None:
            changes.append(f"“{record.title}” was added to the pack since preparation.")
        elif (
            record.updated_at > frozen.frozen_at
            or record.updated_at.isoformat() != row["record_updated_at"]
        ):
            changes.append(f"“{record.title}” was changed since preparation.")
        elif _decision(entry) != row["decision"]:
            changes.append(f"The decision on “{record.title}” was changed since preparation.")
    for row in known.values():
        if row["entry"] not in {entry.pk for entry in entries}:
            changes.append(f"“{row['title']}” was taken out of the pack since preparation.")
    frozen_records = {row["record"] for row in frozen.entries}
    for record in request.child.records.exclude(pk__in=frozen_records).order_by("occurred_at"):
        changes.append(f"“{record.title}” was written since preparation.")
    if not changes:
        live = _frozen_plain(_live_content(request, prepared_for="", watermark=None))
        if snapshot.digest(live) != frozen.sha256:
            changes.append("The pack's content was changed since preparation.")
    return changes


def pack_content(request: AccessRequest, *, prepared_for: str, watermark: str | None):
    """The content a copy shows: the frozen pack once there is one, else the live preparation.

    Only the envelope (``ENVELOPE_FIELDS``: recipient, watermark, who runs the meeting and its
    date) is taken afresh; everything else is exactly what was fixed for the meeting.
    """
    live = _live_content(request, prepared_for=prepared_for, watermark=watermark)
    frozen = current_frozen(request)
    if frozen is None:
        return live
    if snapshot.digest(frozen.content) != frozen.sha256:
        raise WorkflowError(
            "The pack fixed for the meeting does not match its fingerprint: do not hand out a "
            "copy, and tell whoever looks after the system."
        )
    base = snapshot.from_plain(type(live), frozen.content)
    return dataclasses.replace(
        base, **{name: getattr(live, name) for name in ENVELOPE_FIELDS if hasattr(live, name)}
    )


@transaction.atomic
def ready_for_meeting(*, request: AccessRequest, actor: User) -> AccessRequest:
    """Fix the pack's content: what the manager goes through at the meeting is what goes out."""
    request = _locked(request)
    _require_manager(actor, request.child)
    if request.state == State.PREPARING:
        # Entries written while the information was being prepared go in like the rest.
        entries_add_new(request=request, actor=actor)
    waiting = [e for e in request.entries.select_related("record") if e.needs_review]
    if waiting:
        raise WorkflowError(
            f"{_awaiting(len(waiting))} still need a decision (third-party, sensitive or "
            "naming another person): disclose or withhold."
        )
    _move(request, State.READY_FOR_MEETING, actor=actor, reason="Ready for the meeting")
    _freeze(request, actor=actor)
    return request


@transaction.atomic
def preparation_reopen(*, request: AccessRequest, reason: str, actor: User) -> AccessRequest:
    """Back to preparing after the content changed: the fixed pack is set aside, new entries are
    brought in, and the meeting has to go through the new content again."""
    request = _locked(request)
    _require_manager(actor, request.child)
    if not reason.strip():
        raise WorkflowError("Say why the information is being prepared again.")
    if PackRelease.objects.filter(request=request).exists():
        raise WorkflowError("The copy has already been released.")
    _move(request, State.PREPARING, actor=actor, reason=_why(f"Prepared again: {reason}"))
    for frozen in request.frozen_packs.filter(superseded_at__isnull=True):
        frozen.superseded_at = timezone.now()
        save_as(frozen, actor=actor, reason=_why(f"Set aside: {reason}"))
    meeting = Meeting.objects.filter(request=request).first()
    if meeting is not None and (meeting.held_at or meeting.declined_on):
        meeting.held_at = None
        meeting.contents_explained = False
        meeting.declined_on = None
        save_as(meeting, actor=actor, reason="The changed content needs discussing again")
    entries_add_new(request=request, actor=actor)
    return request


# Controversy and legal advice (P12).


def _latest_advice(flag: ControversyFlag) -> LegalAdvice | None:
    answers = [answer.advice for answer in flag.answers.all()]
    return max(answers, key=lambda a: (a.advised_on, a.recorded_at, a.pk), default=None)


def flag_blockers(request: AccessRequest) -> list[str]:
    """What the controversy flags still stop: arranging or holding the meeting, and release.

    Each flag needs advice of its own (advice answers the flags it names); the latest advice on
    a flag decides. "Release with further redactions" holds until the manager confirms the
    redactions it named are done.
    """
    blockers = []
    flags = request.flags.prefetch_related("answers__advice").order_by("raised_at", "pk")
    for flag in flags:
        advice = _latest_advice(flag)
        if advice is None:
            blockers.append(
                f"A controversy is flagged ({flag.get_kind_display()}): record legal advice first."
            )
        elif advice.outcome == AdviceOutcome.DO_NOT_RELEASE:
            blockers.append(f"Legal advice on “{flag.get_kind_display()}” is not to release.")
        elif advice.redactions_pending:
            blockers.append(
                f"Legal advice on “{flag.get_kind_display()}” asks for further redactions "
                f"({advice.redactions_requested}): confirm they are done."
            )
    return list(dict.fromkeys(blockers))


@transaction.atomic
def flag_raise(*, request: AccessRequest, kind: str, note: str, actor: User) -> ControversyFlag:
    _require_manager(actor, request.child)
    if kind not in Controversy.values:
        raise WorkflowError("Choose the kind of controversy.")
    flag = ControversyFlag(request=request, kind=kind, note=note.strip(), raised_by=actor)
    save_as(flag, actor=actor, reason="Controversy flagged")
    return flag


@transaction.atomic
def legal_advice_record(
    *,
    request: AccessRequest,
    flags: Iterable[ControversyFlag],
    adviser: str,
    advised_on: datetime.date,
    summary: str,
    outcome: str,
    actor: User,
    redactions_requested: str = "",
) -> LegalAdvice:
    """Advice answers the flags it names; a flag raised after the advice needs its own."""
    request = _locked(request)
    _require_manager(actor, request.child)
    flags = list(flags)
    if not flags:
        raise WorkflowError("Choose the flags this advice answers.")
    if any(flag.request_id != request.pk for flag in flags):
        raise WorkflowError("Advice can answer only this request's flags.")
    if advised_on > timezone.localdate():
        raise WorkflowError("Advice cannot be dated in the future.")
    for flag in flags:
        if advised_on < timezone.localdate(flag.raised_at):
            raise WorkflowError(
                f"The advice is dated before “{flag.get_kind_display()}” was flagged: a later "
                "flag needs its own advice."
            )
    if outcome not in AdviceOutcome.values:
        raise WorkflowError("Choose the outcome of the advice.")
    if outcome == AdviceOutcome.RELEASE_REDACTED and not redactions_requested.strip():
        raise WorkflowError("Say which further redactions the adviser asked for.")
    advice = LegalAdvice(
        request=request,
        adviser=adviser.strip(),
        advised_on=advised_on,
        summary=summary.strip(),
        outcome=outcome,
        redactions_requested=(
            redactions_requested.strip() if outcome == AdviceOutcome.RELEASE_REDACTED else ""
        ),
        recorded_by=actor,
    )
    save_as(advice, actor=actor, reason="Legal advice recorded")
    for flag in flags:
        save_as(AdviceAnswer(advice=advice, flag=flag), actor=actor, reason="Advice answers flag")
    return advice


@transaction.atomic
def advice_redactions_confirm(
    *, request: AccessRequest, advice: LegalAdvice, actor: User
) -> LegalAdvice:
    """The manager confirms the redactions the adviser asked for are made in the pack."""
    request = _locked(request)
    _require_manager(actor, request.child)
    if advice.request_id != request.pk or not advice.redactions_pending:
        raise WorkflowError("This advice has no redactions waiting to be confirmed.")
    advice.redactions_confirmed_by = actor
    advice.redactions_confirmed_at = timezone.now()
    save_as(advice, actor=actor, reason="Further redactions confirmed done")
    return advice


@transaction.atomic
def helper_add(
    *, request: AccessRequest, name: str, role: str, organisation: str, actor: User
) -> Helper:
    _require_manager(actor, request.child)
    helper = Helper(request=request, name=name.strip(), role=role, organisation=organisation)
    save_as(helper, actor=actor, reason="Recorded against the request")
    return helper


# The meeting (P8).


@transaction.atomic
def meeting_schedule(
    *,
    request: AccessRequest,
    scheduled_at: datetime.datetime,
    place: str,
    actor: User,
    reason: str = "",
) -> Meeting:
    """Arrange the meeting, or rearrange it with a reason (the earlier date stays in history)."""
    request = _locked(request)
    _require_manager(actor, request.child)
    if request.state not in {State.PREPARING, State.READY_FOR_MEETING}:
        raise WorkflowError("A meeting is arranged once the information is being prepared.")
    if blockers := flag_blockers(request):
        raise WorkflowError(f"The meeting cannot be arranged yet. {' '.join(blockers)}")
    if timezone.localdate(scheduled_at) < request.received_on:
        raise WorkflowError("The meeting cannot be before the request was received.")
    if not place.strip():
        raise WorkflowError("Say where the meeting is.")
    meeting = Meeting.objects.filter(request=request).first() or Meeting(request=request)
    if meeting.held_at is not None:
        raise WorkflowError("The meeting has already been held.")
    why = "Meeting arranged"
    if meeting.pk and meeting.scheduled_at is not None and meeting.scheduled_at != scheduled_at:
        if not reason.strip():
            raise WorkflowError("Say why the meeting is being rearranged.")
        earlier = timezone.localtime(meeting.scheduled_at)
        why = _why(f"Meeting rearranged from {earlier:%d/%m/%Y %H:%M}: {reason}")
    meeting.scheduled_at = scheduled_at
    meeting.place = place.strip()
    meeting.run_by = actor
    save_as(meeting, actor=actor, reason=why)
    return meeting


def attendee_refusal(
    request: AccessRequest, *, person=None, helper=None, requester_agreed: bool = False
) -> str | None:
    """Why this person may not attend the meeting, or None when they may (P8).

    People with parental responsibility and no court-order restriction may attend; one who is
    not the requester only with the requester's agreement (the requester's own information is
    discussed too). Helpers must be recorded against this request.
    """
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
    if person.pk != request.requester_id and not requester_agreed:
        return (
            f"{person} is not the requester: they may attend only if {request.requester} "
            "agrees. Record the requester's agreement."
        )
    return None


@transaction.atomic
def attendee_add(
    *,
    request: AccessRequest,
    actor: User,
    person: Person | None = None,
    helper: Helper | None = None,
    requester_agreed: bool = False,
) -> Attendee:
    request = _locked(request)
    _require_manager(actor, request.child)
    meeting = _meeting_of(request)
    if meeting.held_at is not None:
        raise WorkflowError("The meeting has already been held.")
    if (person is None) == (helper is None):
        raise WorkflowError("Choose one person from the register or one helper.")
    if refusal := attendee_refusal(
        request, person=person, helper=helper, requester_agreed=requester_agreed
    ):
        raise WorkflowError(refusal)
    same = {"person": person} if person is not None else {"helper": helper}
    if meeting.attendees.filter(**same).exists():
        raise WorkflowError(f"{person or helper} is already recorded as attending.")
    attendee = Attendee(
        meeting=meeting,
        person=person,
        helper=helper,
        requester_agreed=bool(person and person.pk != request.requester_id and requester_agreed),
    )
    try:
        with transaction.atomic():
            save_as(attendee, actor=actor, reason="Attending")
    except IntegrityError:
        raise WorkflowError(f"{person or helper} is already recorded as attending.") from None
    return attendee


def _speaks_for_requester(request: AccessRequest, attendee: Attendee) -> bool:
    """The requester, a person with parental responsibility attending with their agreement, or
    their legal representative: an interpreter alone does not make a meeting."""
    if attendee.helper is not None:
        return attendee.helper.role == Helper.Role.LEGAL_REPRESENTATIVE
    return attendee.person_id == request.requester_id or attendee.requester_agreed


@transaction.atomic
def meeting_record_held(
    *, request: AccessRequest, held_at: datetime.datetime, contents_explained: bool, actor: User
) -> Meeting:
    request = _locked(request)
    _require_manager(actor, request.child)
    meeting = _meeting_of(request)
    if request.state != State.READY_FOR_MEETING:
        raise WorkflowError("The meeting goes through the pack once it is ready for the meeting.")
    if blockers := flag_blockers(request):
        raise WorkflowError(f"The meeting cannot go ahead yet. {' '.join(blockers)}")
    attendees = list(meeting.attendees.select_related("person", "helper"))
    if not attendees:
        raise WorkflowError("Record who attended the meeting.")
    # Parental responsibility or a restriction may have changed since they were added.
    for attendee in attendees:
        if refusal := attendee_refusal(
            request,
            person=attendee.person,
            helper=attendee.helper,
            requester_agreed=attendee.requester_agreed,
        ):
            raise WorkflowError(f"{attendee} may no longer attend: {refusal}")
    if not any(_speaks_for_requester(request, attendee) for attendee in attendees):
        raise WorkflowError(
            "The meeting counts only when the requester, a person with parental responsibility "
            "attending with their agreement, or their legal representative attended; an "
            "interpreter alone is not enough."
        )
    if not contents_explained:
        raise WorkflowError("The contents must be explained before the meeting counts as held.")
    if held_at > timezone.now():
        raise WorkflowError("The meeting cannot be recorded as held in the future.")
    if meeting.scheduled_at is None or held_at < meeting.scheduled_at:
        raise WorkflowError(
            "The meeting cannot be held before the time it was arranged for: rearrange it first."
        )
    meeting.held_at = held_at
    meeting.contents_explained = True
    save_as(meeting, actor=actor, reason="Meeting held")
    _move(request, State.MEETING_HELD, actor=actor, reason="Meeting held")
    return meeting


@transaction.atomic
def meeting_record_declined(
    *,
    request: AccessRequest,
    offered_on: datetime.date,
    offered_how: str,
    declined_on: datetime.date,
    actor: User,
) -> Meeting:
    """The parent was offered the meeting and declined it.

    The policy's "never without discussion" is met by the offer; the copy may then go by a
    secure route with an explanatory letter (UK GDPR Art. 12(3), 15(3)).
    """
    request = _locked(request)
    _require_manager(actor, request.child)
    if request.state != State.READY_FOR_MEETING:
        raise WorkflowError("A meeting is offered once the pack is ready for the meeting.")
    if offered_how not in Channel.values:
        raise WorkflowError("Say how the meeting was offered.")
    today = timezone.localdate()
    if offered_on < request.received_on or offered_on > today:
        raise WorkflowError("The offer must be dated between receipt and today.")
    if declined_on < offered_on or declined_on > today:
        raise WorkflowError("The parent declines after the offer and no later than today.")
    meeting = Meeting.objects.filter(request=request).first() or Meeting(
        request=request, run_by=actor
    )
    if meeting.held_at is not None:
        raise WorkflowError("The meeting has already been held.")
    meeting.offered_on = offered_on
    meeting.offered_how = offered_how
    meeting.declined_on = declined_on
    save_as(meeting, actor=actor, reason="Meeting offered and declined")
    _move(request, State.MEETING_DECLINED, actor=actor, reason="Meeting offered and declined")
    return meeting


def release_blockers(request: AccessRequest) -> list[str]:
    """What stands between this request and handing over a copy (P9, P12)."""
    blockers = []
    meeting = Meeting.objects.filter(request=request).first()
    if request.state == State.MEETING_DECLINED:
        pass  # the offer meets the policy; route and letter are checked at release
    elif request.state != State.MEETING_HELD:
        blockers.append("The copy is released only after the meeting is recorded as held.")
    if request.state != State.MEETING_DECLINED and (
        meeting is None or not meeting.contents_explained
    ):
        blockers.append("The contents have not been explained to the parent.")
    if request.state in {State.MEETING_HELD, State.MEETING_DECLINED}:
        if current_frozen(request) is None:
            blockers.append("The pack was not fixed for the meeting: prepare it again.")
        elif changes := changes_since_preparation(request):
            blockers.append(
                f"{len(changes)} change{'s' if len(changes) > 1 else ''} since preparation: "
                "prepare the information again so that nothing goes out undiscussed."
            )
    blockers.extend(flag_blockers(request))
    if refusal := _requester_may_receive(request):
        blockers.append(refusal)
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
            if changes := changes_since_preparation(request):
                return [*changes, "Prepare the information again before the meeting."]
            if blockers := flag_blockers(request):
                return blockers
            if meeting is None or meeting.scheduled_at is None:
                return ["Arrange the meeting."]
            if not meeting.attendees.exists():
                return ["Record who attends the meeting."]
            return ["Record the meeting as held, once the contents have been explained."]
        case State.MEETING_HELD | State.MEETING_DECLINED:
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


def recipients(request: AccessRequest) -> list[Person | Helper]:
    """Who a copy may go to: the requester, or their legal representative recorded on the
    request (P8-P9)."""
    representatives = request.helpers.filter(role=Helper.Role.LEGAL_REPRESENTATIVE)
    return [request.requester, *representatives.order_by("pk")]


@transaction.atomic
def pack_release(
    *,
    request: AccessRequest,
    actor: User,
    recipient_person: Person | None = None,
    recipient_helper: Helper | None = None,
    route: str = ReleaseRoute.AT_MEETING,
    explanatory_letter: bool = False,
) -> PackRelease:
    """Exactly one release per request, even under double clicks and concurrent requests.

    The request row is locked (PostgreSQL) or the write lock held (SQLite) while the state is
    checked, and the release's one-to-one key refuses a second row whatever happens. The copy is
    the pack fixed for the meeting, with the recipient's name.
    """
    # Imported here: WeasyPrint takes about 2 s to import, so only what renders a PDF pays.
    from access_requests.pdf import render_pack

    request = _locked(request)
    _require_manager(actor, request.child)
    if PackRelease.objects.filter(request=request).exists():
        raise WorkflowError("The copy has already been released.")
    if blockers := release_blockers(request):
        raise WorkflowError(" ".join(blockers))
    if (recipient_person is None) == (recipient_helper is None):
        raise WorkflowError("Choose who the copy goes to.")
    if recipient_person is not None and recipient_person.pk != request.requester_id:
        raise WorkflowError("The copy goes to the requester or their legal representative.")
    if recipient_helper is not None and (
        recipient_helper.request_id != request.pk
        or recipient_helper.role != Helper.Role.LEGAL_REPRESENTATIVE
    ):
        raise WorkflowError("The copy goes to the requester or their legal representative.")
    if route not in ReleaseRoute.values:
        raise WorkflowError("Say how the copy is handed over.")
    if request.state == State.MEETING_DECLINED:
        if route not in SECURE_ROUTES:
            raise WorkflowError("Without a meeting the copy goes by a secure route.")
        if not explanatory_letter:
            raise WorkflowError(
                "Without a meeting an explanatory letter goes with the copy (UK GDPR Art. 12(3))."
            )
    elif route == ReleaseRoute.AT_MEETING and request.state != State.MEETING_HELD:
        raise WorkflowError("The copy was not handed over at a meeting.")
    released_to = recipient_helper.name if recipient_helper is not None else str(recipient_person)
    frozen = current_frozen(request)
    content = pack_content(request, prepared_for=released_to, watermark=None)
    pdf = render_pack(content)
    digest = hashlib.sha256(pdf).hexdigest()
    file_name = f"{request.reference}-{digest[:16]}.pdf"
    path = pack_path(file_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with transaction.atomic():
            release = PackRelease(
                request=request,
                released_by=actor,
                released_to=released_to,
                recipient_person=recipient_person,
                recipient_helper=recipient_helper,
                route=route,
                explanatory_letter=explanatory_letter,
                frozen=frozen,
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
        detail={
            "request": request.pk,
            "sha256": digest,
            "released_to": released_to,
            "route": route,
            "frozen_sha256": frozen.sha256 if frozen else None,
        },
    )
    return release


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
