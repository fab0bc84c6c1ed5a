"""Controversy flags and legal advice (P12), and the meeting with the parent (P8): who may
attend, when it counts as held, and a meeting offered and declined."""

import datetime
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from access_requests.models import (
    LATEST_ADVICE_BY,
    AccessRequest,
    AdviceAnswer,
    AdviceOutcome,
    Attendee,
    Channel,
    Controversy,
    ControversyFlag,
    Helper,
    LegalAdvice,
    Meeting,
    State,
)
from access_requests.services.workflow import (
    BEFORE_RELEASE,
    _locked,
    _meeting_of,
    _move,
    _require_manager,
    _require_state,
    _why,
    pr_connection,
)
from children.models import Person
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from setting_records.models import User


def _latest_advice(flag: ControversyFlag) -> LegalAdvice | None:
    answers = [answer.advice for answer in flag.answers.all()]
    return max(
        answers,
        key=lambda advice: tuple(getattr(advice, name) for name in LATEST_ADVICE_BY),
        default=None,
    )


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
    request = _locked(request)
    _require_manager(actor, request.child)
    _require_state(request, BEFORE_RELEASE, "a controversy is flagged before the copy goes out.")
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
    _require_state(request, BEFORE_RELEASE, "legal advice is recorded before the copy goes out.")
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
    _require_state(
        request, BEFORE_RELEASE, "further redactions are confirmed before the copy goes out."
    )
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
    request = _locked(request)
    _require_manager(actor, request.child)
    _require_state(
        request,
        BEFORE_RELEASE,
        "a representative or interpreter is recorded before the copy goes out.",
    )
    helper = Helper(request=request, name=name.strip(), role=role, organisation=organisation)
    save_as(helper, actor=actor, reason="Recorded against the request")
    return helper


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
        return f"{person} is under a court order restriction: {connection.restriction_summary}"
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
    _require_state(
        request,
        {State.PREPARING, State.READY_FOR_MEETING},
        "who attends is recorded while the meeting is being arranged, before it is held.",
    )
    meeting = _meeting_of(request)
    if meeting.held_at is not None or meeting.declined_on is not None:
        raise WorkflowError("The meeting has already been held or declined.")
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
