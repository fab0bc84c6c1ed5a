"""The request page, step by step: which step a request is on, and what each step is.

``STEPS`` is the one place that maps a step's name (the last part of its URL) to the form that
takes its input, the service that carries it out and the message shown when it is done.
``current_step()`` is the one place that says which step a request in a given state shows;
``side_steps()`` lists what else may be done from the page, offered behind a disclosure.
The page builds the form of the one step it shows and no other.

How a step plugs into the page:
1. a form in ``forms.py`` (``service_kwargs()`` when its fields are not the service's keyword
   arguments) and a service taking ``request=`` and ``actor=``;
2. an entry in ``STEPS``: form, service, message, title, button; ``form_kwargs`` for choices
   drawn from the request; ``partial`` for the facts shown above the form (a template under
   ``templates/access_requests/includes/`` taking ``item``, ``forms`` and ``errors``);
   ``template`` when the form needs more than its fields listed; ``confirm=True`` when it ends
   the request;
3. either a case in ``current_step()`` (it is what a state waits for) or a line in
   ``side_steps()`` (offered under "Other actions").
The URL ``/access-requests/<pk>/<step>/`` and its error handling come with the entry.
"""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms as django_forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from access_requests import forms, services
from access_requests.models import AccessRequest, Meeting, State


def _no_kwargs(item: AccessRequest) -> dict[str, Any]:
    return {}


def _release_kwargs(item: AccessRequest) -> dict[str, Any]:
    # Handed over at the meeting once it was held; by a secure route once it was declined.
    route = "at_meeting" if item.state == State.MEETING_HELD else ""
    return {"initial": {"route": route}, **forms.ReleaseForm.form_kwargs(item)}


#: Words for the manager, translated when shown.
Text = str | Promise


@dataclass(frozen=True)
class Step:
    form_class: type[django_forms.Form]
    service: Callable[..., Any]
    done: Text
    title: Text
    button: Text
    #: Extra keyword arguments for the form, from the request (choices, initial values).
    form_kwargs: Callable[[Any], dict[str, Any]] = _no_kwargs
    #: Ends the request: offered as a link to a confirmation, and acted on only once confirmed.
    confirm: bool = False
    #: Said above the form: what the step does, in the manager's words.
    intro: Text = ""
    #: The template that renders this step's form; takes ``item``, ``form``, ``step`` and
    #: ``spec`` (this Step). A step that needs more than a list of fields names its own.
    template: str = "access_requests/step_form.html"
    #: What the manager needs to see to take the step, shown above its form; takes ``item``,
    #: ``forms`` (the step's form under its name, dashes as underscores) and ``errors``.
    partial: str = ""
    danger: bool = field(default=False)


STEPS: dict[str, Step] = {
    "verify-identity": Step(
        forms.IdentityForm,
        services.identity_verify,
        _("Identity verified."),
        _("Verify identity and parental responsibility"),
        _("Identity verified"),
        intro=_(
            "Check who the requester is, and that they hold parental responsibility for the "
            "child or act for someone who does."
        ),
    ),
    "ask-identity": Step(
        forms.IdentityRequestForm,
        services.identity_request,
        _("Proof of identity asked for: the month starts again when it arrives."),
        _("Ask for proof of identity"),
        _("Proof of identity asked for"),
        intro=_(
            "Only when you reasonably doubt who is asking. The month for the response starts "
            "again on the day the proof arrives (UK GDPR Art. 12A)."
        ),
    ),
    "pause": Step(
        forms.PauseStartForm,
        services.pause_start,
        _("Clock stopped."),
        _("Stop the clock"),
        _("Stop the clock"),
        intro=_("Only while waiting for a clarification that is reasonably needed."),
    ),
    "resume": Step(
        forms.PauseEndForm,
        services.pause_end,
        _("Clock restarted."),
        _("Restart the clock"),
        _("Restart the clock"),
    ),
    "extend": Step(
        forms.ExtensionForm,
        services.extension_record,
        _("Deadline extended."),
        _("Extend the deadline"),
        _("Extend the deadline"),
        intro=_("Complex or numerous requests only, and the requester must be told why."),
    ),
    "prepare": Step(
        forms.EmptyForm,
        services.preparation_start,
        _("Preparation started."),
        _("Prepare the information"),
        _("Start preparing"),
        intro=_("Every entry on the child goes in by default; then review each one."),
    ),
    "ready": Step(
        forms.EmptyForm,
        services.ready_for_meeting,
        _("Ready for the meeting."),
        _("Review the entries"),
        _("Ready for the meeting"),
        partial="access_requests/includes/review.html",
    ),
    "flag": Step(
        forms.FlagForm,
        services.flag_raise,
        _("Controversy flagged."),
        _("Flag a controversy"),
        _("Flag a controversy"),
        intro=_("A court case, legal action or appeal: the copy then waits for legal advice."),
        partial="access_requests/includes/controversy.html",
    ),
    "advice": Step(
        forms.AdviceForm,
        services.legal_advice_record,
        _("Legal advice recorded."),
        _("Record legal advice"),
        _("Record legal advice"),
        form_kwargs=forms.AdviceForm.form_kwargs,
        intro=_("Each flag needs advice of its own: tick the flags this advice answers."),
        partial="access_requests/includes/controversy.html",
    ),
    "redactions-done": Step(
        forms.RedactionsDoneForm,
        services.advice_redactions_confirm,
        _("Further redactions confirmed."),
        _("Confirm the further redactions are made"),
        _("Confirm the redactions are made"),
        form_kwargs=forms.RedactionsDoneForm.form_kwargs,
        intro=_(
            "The legal advice allows release only with further redactions: make them in the "
            "review list, then confirm here."
        ),
        partial="access_requests/includes/controversy.html",
    ),
    "reprepare": Step(
        forms.ReasonForm,
        services.preparation_reopen,
        _("Back to preparing."),
        _("Prepare the information again"),
        _("Prepare again"),
        intro=_(
            "Something changed after the pack was fixed for the meeting. It cannot go out "
            "undiscussed: prepare it again, then go through it with the parent again."
        ),
        partial="access_requests/includes/frozen.html",
    ),
    "helper": Step(
        forms.HelperForm,
        services.helper_add,
        _("Recorded against the request."),
        _("Record a representative or interpreter"),
        _("Record a representative or interpreter"),
        partial="access_requests/includes/meeting.html",
    ),
    "meeting": Step(
        forms.MeetingForm,
        services.meeting_schedule,
        _("Meeting arranged."),
        _("Arrange the meeting"),
        _("Arrange the meeting"),
        partial="access_requests/includes/meeting.html",
    ),
    "attendee": Step(
        forms.AttendeeForm,
        services.attendee_add,
        _("Attendee recorded."),
        _("Who attends the meeting"),
        _("Check and add attendee"),
        form_kwargs=forms.AttendeeForm.form_kwargs,
        partial="access_requests/includes/meeting.html",
    ),
    "held": Step(
        forms.HeldForm,
        services.meeting_record_held,
        _("Meeting recorded as held."),
        _("Record the meeting as held"),
        _("Record the meeting as held"),
        partial="access_requests/includes/meeting.html",
    ),
    "declined": Step(
        forms.DeclinedForm,
        services.meeting_record_declined,
        _("Recorded: the meeting was offered and declined."),
        _("The parent declined the meeting"),
        _("Record that the meeting was declined"),
        intro=_(
            "Offering the meeting meets the policy; the copy then goes by a secure route with "
            "an explanatory letter (UK GDPR Art. 12(3), 15(3))."
        ),
        partial="access_requests/includes/meeting.html",
    ),
    "release": Step(
        forms.ReleaseForm,
        services.pack_release,
        _("Copy released."),
        _("Release the copy"),
        _("Release the copy"),
        form_kwargs=_release_kwargs,
        intro=_(
            "This makes the one copy to be handed over: the pack fixed for the meeting, with "
            "the recipient's name. It can be done once, to the requester or their legal "
            "representative recorded on the request."
        ),
        partial="access_requests/includes/meeting.html",
    ),
    "close": Step(
        forms.EmptyForm,
        services.request_close,
        _("Request closed."),
        _("Close the request"),
        _("Close the request"),
        confirm=True,
        intro=_("Closing ends the request: nothing more can be done on it."),
    ),
    "withdraw": Step(
        forms.ReasonForm,
        services.request_withdraw,
        _("Request withdrawn."),
        _("Withdrawn by the requester"),
        _("Withdraw the request"),
        confirm=True,
        danger=True,
        intro=_("Record that the requester withdrew the request. This ends it."),
    ),
    "refuse": Step(
        forms.RefuseForm,
        services.request_refuse,
        _("Request refused."),
        _("Refuse the request"),
        _("Refuse the request"),
        confirm=True,
        danger=True,
        intro=_(
            "Refusing ends the request. The requester must be told why, and that they may "
            "complain to the ICO and go to court (UK GDPR Art. 12(4))."
        ),
    ),
}

#: The progress line: each step of the workflow, as the state it leads to.
PROGRESS: list[tuple[str, Any]] = [
    (State.RECEIVED, _("Received")),
    (State.IDENTITY_VERIFIED, _("Identity")),
    (State.PREPARING, _("Preparing")),
    (State.READY_FOR_MEETING, _("Ready for the meeting")),
    (State.MEETING_HELD, _("Meeting held")),
    (State.COPY_RELEASED, _("Copy released")),
    (State.CLOSED, _("Closed")),
]
ENDED_EARLY = {State.WITHDRAWN, State.REFUSED}


@dataclass(frozen=True)
class ProgressStep:
    label: str
    status: str  # "done", "current", "todo" or "skipped"


def progress_line(
    *,
    state: str,
    state_label: str,
    stages: Sequence[tuple[str, object]],
    ended_early: Collection[str],
    at: str | None = None,
) -> list[ProgressStep]:
    """The progress line of a workflow: ``stages`` as (state, label) in order, the last being
    where an ended-early state (withdrawn, refused) stands instead, labelled ``state_label``.
    ``at`` is the stage to show as current when it is not the state itself. Shared by access
    requests, correction requests and complaints."""
    if state in ended_early:
        return [ProgressStep(str(label), "todo") for _state, label in stages[:-1]] + [
            ProgressStep(state_label, "current")
        ]
    index = [stage for stage, _label in stages].index(at or state)
    return [
        ProgressStep(str(label), "done" if i < index else "current" if i == index else "todo")
        for i, (_stage, label) in enumerate(stages)
    ]


def progress(item: AccessRequest, *, released: bool) -> list[ProgressStep]:
    """The progress line; a withdrawn or refused request ends it with that outcome, and a
    request closed after its meeting without a copy shows the release as skipped."""
    line = progress_line(
        state=item.state,
        state_label=item.get_state_display(),
        stages=PROGRESS,
        ended_early=ENDED_EARLY,
        # A declined meeting stands where the meeting would have been held.
        at=State.MEETING_HELD if item.state == State.MEETING_DECLINED else None,
    )
    if item.state in ENDED_EARLY:
        return line
    states = [state for state, _label in PROGRESS]
    declined = Meeting.objects.filter(request=item, declined_on__isnull=False).exists()
    if declined:
        held_at = states.index(State.MEETING_HELD)
        line[held_at] = ProgressStep(str(_("Meeting declined")), line[held_at].status)
    if item.state == State.CLOSED and not released:
        skipped = ProgressStep(str(_("No copy released")), "skipped")
        line[states.index(State.COPY_RELEASED)] = skipped
    return line


def _meeting(item: AccessRequest) -> Meeting | None:
    return Meeting.objects.filter(request=item).first()


def is_finished(item: AccessRequest) -> bool:
    """Answered or ended: the page then offers nothing but the copy and the history."""
    return not item.is_open or item.state == State.COPY_RELEASED


def current_step(item: AccessRequest, *, changes: list[str] | None = None) -> str | None:
    """The one step the request waits for, by its state; None once nothing is left to do.

    ``changes``: ``services.changes_since_preparation(item)``, when the caller has it already.
    """
    if changes is None and item.state in services.FROZEN_STATES:
        changes = services.changes_since_preparation(item)
    match item.state:
        case State.RECEIVED:
            if services.requester_without_pr(item):
                # Recorded, then answered with a refusal and its notice (UK GDPR Art. 12(4)).
                return "refuse"
            return "verify-identity"
        case State.IDENTITY_VERIFIED:
            return "prepare"
        case State.PREPARING:
            return "ready"
        case State.READY_FOR_MEETING:
            if changes:
                return "reprepare"
            if _unanswered_flags(item):
                return "advice"
            meeting = _meeting(item)
            if meeting is None or meeting.scheduled_at is None:
                return "meeting"
            if not meeting.attendees.exists():
                return "attendee"
            return "held"
        case State.MEETING_HELD | State.MEETING_DECLINED:
            if changes:
                return "reprepare"
            if _unanswered_flags(item):
                return "advice"
            if _redactions_pending(item):
                return "redactions-done"
            return "release"
        case State.COPY_RELEASED:
            return "close"
    return None


def _unanswered_flags(item: AccessRequest) -> bool:
    """A controversy flag no legal advice answers yet: it holds the meeting and the release."""
    return item.flags.filter(answers__isnull=True).exists()


def _redactions_pending(item: AccessRequest) -> bool:
    return forms.RedactionsDoneForm.form_kwargs(item)["advice"].exists()


def side_steps(item: AccessRequest, current: str | None) -> list[str]:
    """What else may be done from the page, offered behind a disclosure."""
    if is_finished(item):
        return []
    deadline = item.deadline()
    steps = []
    if item.state == State.RECEIVED and item.identity_requested_on is None and not deadline.overdue:
        steps.append("ask-identity")
    if item.open_pause is not None:
        steps.append("resume")
    elif not deadline.overdue and not deadline.waiting_for_identity_since:
        # A clarification stops the clock only before the due date (DPA 2018 s.54(3C)).
        steps.append("pause")
    if not item.extension_months and not deadline.overdue:
        steps.append("extend")
    if item.state in {State.PREPARING, State.READY_FOR_MEETING}:
        meeting = _meeting(item)
        steps.append("meeting")
        if meeting is not None and meeting.scheduled_at and meeting.held_at is None:
            steps += ["helper", "attendee"]
    if item.state == State.READY_FOR_MEETING:
        steps.append("declined")
    if item.state in {State.READY_FOR_MEETING, State.MEETING_HELD, State.MEETING_DECLINED}:
        steps.append("reprepare")
    steps.append("flag")
    if item.flags.exists():
        steps.append("advice")
    if _redactions_pending(item):
        steps.append("redactions-done")
    if item.state in {State.MEETING_HELD, State.MEETING_DECLINED}:
        steps.append("close")
    steps += ["withdraw", "refuse"]
    return [step for step in dict.fromkeys(steps) if step != current]


def build_form(item: AccessRequest, step: str, data=None) -> django_forms.Form:
    spec = STEPS[step]
    kwargs = spec.form_kwargs(item)
    if data is None:
        kwargs.setdefault("initial", forms.today_initial())
    return spec.form_class(data, **kwargs)
