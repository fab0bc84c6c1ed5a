"""The complaint page, step by step, in the shape of ``access_requests/steps.py``.

``STEPS`` maps a step's name (the last part of its URL) to its form, service and words;
``current_step()`` says which step a complaint in a given state shows; ``side_steps()`` what
else may be done, behind a disclosure. The page builds the form of the one step it shows.

Each service is called as ``service(complaint=item, actor=user, **form_data)``. The clock is
the EYFS statutory framework's (section 3, "Complaints"): the outcome of a written complaint is
told within 28 days of receipt (``complaints/deadlines.py``).
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from access_requests.steps import ProgressStep, Step, progress_line
from complaints import forms, services
from complaints.models import Complaint, ComplaintState

TEMPLATE = "complaints/step_form.html"

STEPS: dict[str, Step] = {
    "acknowledge": Step(
        forms.AcknowledgeForm,
        services.complaint_acknowledge,
        _("Acknowledgement recorded."),
        _("Acknowledge the complaint"),
        _("Record the acknowledgement"),
        intro=_(
            "Tell the complainant the complaint has been received and how it will be handled, "
            "then record when and how you did."
        ),
        template=TEMPLATE,
    ),
    "investigate": Step(
        forms.InvestigateForm,
        services.complaint_investigate,
        _("Investigation started."),
        _("Start the investigation"),
        _("Start the investigation"),
        intro=_(
            "You lead the investigation. Its notes and findings are seen by the setting's "
            "managers only, and every time they are shown it is logged."
        ),
        template=TEMPLATE,
    ),
    "outcome": Step(
        forms.OutcomeForm,
        services.complaint_notify_outcome,
        _("Outcome recorded: the complainant has been told."),
        _("Tell the complainant the outcome"),
        _("Record the outcome"),
        intro=_(
            "Record what the investigation found, whether the complaint is upheld, what was "
            "done about it, and when and how the complainant was told. For a complaint on the "
            "28-day clock the EYFS statutory framework (section 3) has them told within 28 "
            "days of receipt; told later, it is recorded as late."
        ),
        template=TEMPLATE,
    ),
    "close": Step(
        forms.EmptyForm,
        services.complaint_close,
        _("Complaint closed."),
        _("Close the complaint"),
        _("Close the complaint"),
        confirm=True,
        intro=_(
            "Closing ends the handling of the complaint. If the complainant then takes it to "
            "Ofsted or the ICO, you can still record that."
        ),
        template=TEMPLATE,
    ),
    "add-note": Step(
        forms.NoteForm,
        services.complaint_note_add,
        _("Note added."),
        _("Add an investigation note"),
        _("Add the note"),
        intro=_("Seen by the setting's managers only. A note is kept as written: never edited."),
        template=TEMPLATE,
    ),
    "taken-further": Step(
        forms.TakenFurtherForm,
        services.complaint_taken_further,
        _("Recorded."),
        _("The complainant took it further"),
        _("Record it"),
        form_kwargs=lambda item: {"initial": _taken_further_initial(item)},
        intro=_(
            "The complainant may take a complaint to Ofsted, or one about their information "
            "to the Information Commissioner's Office (ICO), at any time. Record where and "
            "when, and what came of it once you know. One is recorded per complaint: "
            "recording the other replaces it, and the history keeps the earlier one."
        ),
        template=TEMPLATE,
    ),
    "put-on-clock": Step(
        forms.PutOnClockForm,
        services.complaint_put_on_clock,
        _("The complaint is on the 28-day clock."),
        _("Put it on the 28-day clock"),
        _("Put it on the clock"),
        intro=_(
            "For a complaint made in person or by phone that the complainant has since put in "
            "writing (or that you decide to track): the EYFS statutory framework (section 3, "
            "“Complaints”) has the outcome told within 28 days of receiving it in writing. "
            "The 28 days run from the day you give."
        ),
        template=TEMPLATE,
    ),
    "withdraw": Step(
        forms.WithdrawForm,
        services.complaint_withdraw,
        _("Complaint withdrawn."),
        _("Withdrawn by the complainant"),
        _("Withdraw the complaint"),
        confirm=True,
        danger=True,
        intro=_("Record that the complainant withdrew the complaint. This ends it."),
        template=TEMPLATE,
    ),
}

PROGRESS = [
    (ComplaintState.RECEIVED, _("Received")),
    (ComplaintState.ACKNOWLEDGED, _("Acknowledged")),
    (ComplaintState.INVESTIGATING, _("Investigation")),
    (ComplaintState.OUTCOME_NOTIFIED, _("Outcome told")),
    (ComplaintState.CLOSED, _("Closed")),
]
ENDED_EARLY = {ComplaintState.WITHDRAWN}

# Notes are added from the acknowledgement until the complaint is closed (services).
NOTE_STATES = {
    ComplaintState.ACKNOWLEDGED,
    ComplaintState.INVESTIGATING,
    ComplaintState.OUTCOME_NOTIFIED,
}
# A complainant may go to Ofsted or the ICO at any time: taken further is recorded in every
# state, withdrawn and closed included (services.complaint_taken_further).
TAKEN_FURTHER_STATES = set(ComplaintState)

#: The state each state step leads to: a step posted again once the complaint is there (a
#: double click) is already recorded, not an error.
LEADS_TO: dict[str, str] = {
    "acknowledge": ComplaintState.ACKNOWLEDGED,
    "investigate": ComplaintState.INVESTIGATING,
    "outcome": ComplaintState.OUTCOME_NOTIFIED,
    "close": ComplaintState.CLOSED,
    "withdraw": ComplaintState.WITHDRAWN,
}


def _taken_further_initial(item: Complaint) -> dict[str, Any]:
    """What is recorded, so that adding what came of it later is not typing it all again."""
    return {
        "taken_further_to": item.taken_further_to,
        "taken_further_on": item.taken_further_on,
        "taken_further_outcome": item.taken_further_outcome,
    }


def progress(item: Complaint) -> list[ProgressStep]:
    return progress_line(
        state=item.state,
        state_label=item.get_state_display(),
        stages=PROGRESS,
        ended_early=ENDED_EARLY,
    )


def current_step(item: Complaint) -> str | None:
    match item.state:
        case ComplaintState.RECEIVED:
            return "acknowledge"
        case ComplaintState.ACKNOWLEDGED:
            return "investigate"
        case ComplaintState.INVESTIGATING:
            return "outcome"
        case ComplaintState.OUTCOME_NOTIFIED:
            return "close"
    return None


def side_steps(item: Complaint, current: str | None) -> list[str]:
    steps = []
    if item.state in NOTE_STATES:
        steps.append("add-note")
    if item.awaiting_outcome and not item.on_clock:
        steps.append("put-on-clock")
    if item.state in TAKEN_FURTHER_STATES:
        steps.append("taken-further")
    if item.is_open:
        steps.append("withdraw")
    return [step for step in steps if step != current]


def build_form(item: Complaint, step: str, data: Any = None) -> django_forms.Form:
    spec = STEPS[step]
    kwargs = spec.form_kwargs(item)
    if data is None:
        kwargs.setdefault("initial", forms.today_initial())
    return spec.form_class(data, **kwargs)


@dataclass(frozen=True)
class Clock:
    """The 28-day clock of one complaint, in words that do not rely on colour: ``tone`` is
    ``overdue``, ``today``, ``running``, ``met``, ``late`` or ``off`` (for a badge's class)."""

    words: str
    tone: str


def clock(item: Complaint, today: datetime.date) -> Clock:
    """Days left, due today, overdue; once told, whether it was within the 28 days."""
    if item.due_on is None:
        return Clock(str(_("Not on the 28-day clock")), "off")
    days = item.days_left(today)
    if days is not None:
        if days < 0:
            overdue = -days
            return Clock(
                ngettext("Overdue by %(days)d day", "Overdue by %(days)d days", overdue)
                % {"days": overdue},
                "overdue",
            )
        if days == 0:
            return Clock(str(_("Due today")), "today")
        return Clock(
            ngettext("%(days)d day left", "%(days)d days left", days) % {"days": days},
            "running",
        )
    met = item.met_deadline()
    if met is True:
        return Clock(str(_("Told within 28 days")), "met")
    if met is False:
        return Clock(str(_("Told late: not within 28 days")), "late")
    # Withdrawn before the outcome was told.
    return Clock(str(_("Ended before an outcome")), "off")
