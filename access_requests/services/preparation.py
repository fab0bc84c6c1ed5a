"""Preparing the information: every entry goes in, each third-party, sensitive or naming entry
is decided, whole entries or passages are withheld with their exemption (DPA 2018 Schedules 2
and 3) and a note, and the request is made ready for the meeting, which fixes the pack."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from access_requests.models import (
    AccessRequest,
    Disclosure,
    Meeting,
    PackRelease,
    PreparedEntry,
    Redaction,
    State,
    withholding_problem,
)
from access_requests.services.frozen import _freeze
from access_requests.services.pack_review import (
    ExtraDecision,
    extras_add_new,
    extras_review,
    extras_waiting,
)
from access_requests.services.workflow import (
    _awaiting,
    _locked,
    _move,
    _require_manager,
    _require_state,
    _why,
)
from children.models import Child, Person, Record
from setting_records.errors import WorkflowError
from setting_records.history import delete_as, save_as
from setting_records.models import User


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
    # What was given in confidence (by the sharer, or about the person it concerns), or not
    # yet checked for it, is the manager's decision, never a default.
    if not record.is_third_party or record.third_party_confidential is not False:
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
    prepared exactly as the first ones were. The parents' statements on the entries and the
    recipients in the sharing log are brought in at the same time, to be reviewed with them
    (``pack_review.extras_add_new``).
    """
    _require_preparing(request)
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
    extras_add_new(request=request, actor=actor)
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
    # PREPARING is also reached again from the meeting states, but only through
    # preparation_reopen, which sets the fixed pack aside.
    _require_state(
        request, {State.IDENTITY_VERIFIED}, "preparation starts once identity is verified."
    )
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
    *,
    request: AccessRequest,
    decisions: list[EntryDecision],
    actor: User,
    statements: list[ExtraDecision] | None = None,
    recipients: list[ExtraDecision] | None = None,
) -> list[PreparedEntry]:
    """ "Save all" on the review list: every decision, new passage and removal, and the
    decisions on the parents' statements and the recipients, or none of them.

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
    extras_review(
        request=request, statements=statements or [], recipients=recipients or [], actor=actor
    )
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


@transaction.atomic
def _bring_in_new(*, request: AccessRequest, actor: User) -> None:
    request = _locked(request)
    _require_manager(actor, request.child)
    if request.state == State.PREPARING:
        entries_add_new(request=request, actor=actor)


def ready_for_meeting(*, request: AccessRequest, actor: User) -> AccessRequest:
    """Fix the pack's content: what the manager goes through at the meeting is what goes out.

    Entries, statements and recipients recorded while the information was being prepared are
    brought into the review first, in a transaction of their own: bringing them in decides
    nothing, and should the request not yet be ready they are then in the review list, where
    the manager can decide them (a refusal undoing it would leave them out of sight).
    """
    _bring_in_new(request=request, actor=actor)
    return _make_ready(request=request, actor=actor)


@transaction.atomic
def _make_ready(*, request: AccessRequest, actor: User) -> AccessRequest:
    request = _locked(request)
    _require_manager(actor, request.child)
    if request.state == State.PREPARING:
        # Anything recorded since the moment before: it goes in like the rest.
        entries_add_new(request=request, actor=actor)
    entries = list(request.entries.select_related("record").order_by("record__occurred_at"))
    # Policy P6: what may go out depends on whether the third party's information is
    # confidential, for whoever shared it and for the person it is about (DPA 2018 Sch. 2
    # para 16(3)(a), a duty of confidentiality owed): both are checked before the content is
    # fixed.
    unchecked = [e.record.title for e in entries if e.record.third_party_unchecked]
    if unchecked:
        titles = "; ".join(f"“{title}”" for title in unchecked)
        raise WorkflowError(
            "Check whether the third-party information is confidential, for the person who "
            f"shared it and for the person it is about, before the meeting: {titles}."
        )
    # An answer changed to "confidential" after the entry went in as a professional's.
    overtaken = [
        e.record.title
        for e in entries
        if e.disclosed_by_default and e.record.third_party_confidential
    ]
    if overtaken:
        titles = "; ".join(f"“{title}”" for title in overtaken)
        raise WorkflowError(
            "These were to go out as a professional's information but have since been checked "
            f"as confidential: decide again, disclose or withhold: {titles}."
        )
    waiting = [e for e in entries if e.needs_review]
    if waiting:
        raise WorkflowError(
            f"{_awaiting(len(waiting))} still need a decision (third-party, sensitive or "
            "naming another person): disclose or withhold."
        )
    if request.state == State.PREPARING and (undecided := extras_waiting(request)):
        raise WorkflowError(
            f"Decide whether these go in the pack, include or withhold: {'; '.join(undecided)}."
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
    _require_state(
        request,
        {State.READY_FOR_MEETING, State.MEETING_HELD, State.MEETING_DECLINED},
        "the information is prepared again only once it was ready for the meeting.",
    )
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
