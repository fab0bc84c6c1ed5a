"""The complaint forms: logging one (any member of staff who received it), and each step the
manager takes after that (policy P10; EYFS statutory framework, section 3 "Complaints")."""

import datetime
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children.forms import OneTimeForm
from children.models import Child, Person
from complaints.models import About, ComplaintOutcome, ReceivedHow, TakenFurther
from setting_records.fields import IdChoiceField
from setting_records.models import Setting, User

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# What a complaint about something on record is linked to: chosen from that thing's own page
# (the entry, the access request, the correction request), never from the general form.
LINKED_ABOUT = {About.ACCESS_REQUEST, About.ENTRY, About.RECTIFICATION}

ON_CLOCK_HELP = _(
    "A written complaint (a letter, a form or an email) is always on the clock: the EYFS "
    "statutory framework (section 3, “Complaints”) has the setting investigate it and tell the "
    "complainant the outcome within 28 days of receiving it. Tick to track a complaint made "
    "in person or by phone the same way."
)

# For a member of staff who is not a manager: the entry's page offers them the link, the
# request pages (the managers') do not.
ABOUT_HELP_STAFF = _(
    "About an entry in a child's records? Log it from the entry's page (“Log a complaint about "
    "this entry”): it is then linked to it. About an access request or a correction request, "
    "choose “Something else” and say which in the complaint."
)


def not_in_future(day: datetime.date) -> datetime.date:
    if day > timezone.localdate():
        raise forms.ValidationError(_("This date is in the future."))
    return day


def _person_at(person: Person) -> str:
    return f"{person} ({person.setting})"


def _child_label(child: Child) -> str:
    return child.display_name


def _staff_label(user: User) -> str:
    return user.get_full_name() or user.username


class ComplaintForm(OneTimeForm):
    """One page, one form: who complained, when and how, what about, and the complaint in
    their words. ``fixed`` holds what the page it was opened from settles (the setting, the
    complainant, the child, what it is about and the thing it is linked to): those are shown as
    facts, not fields, and passed to the service as they are."""

    setting = IdChoiceField(
        label=_("Setting"), queryset=Setting.objects.none(), empty_label=_("Choose…")
    )
    complainant = IdChoiceField(
        label=_("Complainant, from a child's register"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("Not in a register: give their name below"),
    )
    complainant_name = forms.CharField(
        label=_("Or their name"),
        max_length=200,
        required=False,
        help_text=_("When they are not in a child's register."),
    )
    complainant_contact = forms.CharField(
        label=_("Their contact details"),
        max_length=300,
        required=False,
        help_text=_("An address, phone number or email, to tell them the outcome."),
    )
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    received_how = forms.ChoiceField(label=_("How it was received"), choices=ReceivedHow.choices)
    on_clock = forms.BooleanField(
        label=_("Put it on the 28-day clock"), required=False, help_text=ON_CLOCK_HELP
    )
    about = forms.ChoiceField(
        label=_("What it is about"),
        choices=[(value, label) for value, label in About.choices if value not in LINKED_ABOUT],
        help_text=_(
            "About an entry, an access request or a decision on a correction request? Log it "
            "from that page (“Log a complaint about this entry”, “Refer to the complaints "
            "procedure”): it is then linked to it."
        ),
    )
    child = IdChoiceField(
        label=_("The child concerned"),
        queryset=Child.objects.none(),
        required=False,
        empty_label=_("No child in particular"),
    )
    staff_concerned = IdChoiceField(
        label=_("The member of staff concerned"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody in particular"),
    )
    summary = forms.CharField(
        label=_("The complaint"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("In the complainant's words, as far as possible."),
    )

    def __init__(
        self,
        *args: Any,
        settings: list[Setting],
        people: QuerySet[Person],
        children: QuerySet[Child],
        staff: QuerySet[User],
        fixed: dict[str, Any] | None = None,
        manager: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not manager:
            # The referral buttons of the request pages are the managers' (policy P10).
            self.fields["about"].help_text = ABOUT_HELP_STAFF
        self.fixed = dict(fixed or {})
        if "setting" not in self.fixed and len(settings) == 1:
            self.fixed["setting"] = settings[0]
        choice = self._choice
        choice("setting").queryset = Setting.objects.filter(
            pk__in=[setting.pk for setting in settings]
        ).order_by("name")
        people = people.order_by("last_name", "first_name")
        if len(settings) > 1 and "setting" not in self.fixed:
            # Named with their setting, fetched in the same query.
            people = people.select_related("setting")
            choice("complainant").label_from_instance = _person_at  # type: ignore[assignment]
        choice("complainant").queryset = people
        choice("child").queryset = children.order_by("first_name", "last_name")
        choice("child").label_from_instance = _child_label  # type: ignore[assignment]
        choice("staff_concerned").queryset = staff
        choice("staff_concerned").label_from_instance = _staff_label  # type: ignore[assignment]
        self.initial.setdefault("received_on", timezone.localdate())
        # What the page settles is not asked again.
        for name in self.fixed:
            self.fields.pop(name, None)
        if "complainant" in self.fixed:
            self.fields.pop("complainant_name", None)
            self.fields.pop("complainant_contact", None)

    def _choice(self, name: str) -> IdChoiceField:
        return cast(IdChoiceField, self.fields[name])

    def clean_received_on(self) -> datetime.date:
        return not_in_future(self.cleaned_data["received_on"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "complainant" in self.fields:
            chosen = cleaned.get("complainant")
            name = (cleaned.get("complainant_name") or "").strip()
            if chosen is not None and name:
                self.add_error(
                    "complainant_name",
                    _("Choose them from the register or give their name, not both."),
                )
            elif chosen is None and not name and "complainant_name" not in self.errors:
                self.add_error(
                    "complainant_name", _("Say who made the complaint: choose or name them.")
                )
        return cleaned

    def service_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of ``services.complaint_log``, but ``actor``."""
        data = self.cleaned_data
        kwargs: dict[str, Any] = {
            name: data[name]
            for name in (
                "setting",
                "complainant",
                "complainant_name",
                "complainant_contact",
                "received_on",
                "received_how",
                "on_clock",
                "about",
                "child",
                "staff_concerned",
                "summary",
                "submission_key",
            )
            if name in data
        }
        return kwargs | self.fixed


# The manager's steps, one form each. Field names are the services' keyword arguments.


class AcknowledgeForm(forms.Form):
    acknowledged_on = forms.DateField(label=_("Acknowledged on"), widget=DATE)
    acknowledged_how = forms.ChoiceField(
        label=_("How it was acknowledged"), choices=ReceivedHow.choices
    )

    def clean_acknowledged_on(self) -> datetime.date:
        return not_in_future(self.cleaned_data["acknowledged_on"])


class InvestigateForm(forms.Form):
    started_on = forms.DateField(label=_("Investigation started on"), widget=DATE)

    def clean_started_on(self) -> datetime.date:
        return not_in_future(self.cleaned_data["started_on"])


class OutcomeForm(forms.Form):
    findings = forms.CharField(
        label=_("What the investigation found"), widget=forms.Textarea(attrs={"rows": 4})
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=ComplaintOutcome.choices, widget=forms.RadioSelect
    )
    actions_taken = forms.CharField(
        label=_("Actions taken"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done about it; needed unless the complaint was not upheld."),
    )
    notified_on = forms.DateField(label=_("Complainant told on"), widget=DATE)
    notified_how = forms.ChoiceField(label=_("How they were told"), choices=ReceivedHow.choices)

    def clean_notified_on(self) -> datetime.date:
        return not_in_future(self.cleaned_data["notified_on"])


class NoteForm(OneTimeForm):
    """A note of the investigation: kept as written, never edited (a double click adds one)."""

    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}))


class TakenFurtherForm(forms.Form):
    """Starts from what is recorded (``initial``): adding what came of it later keeps the rest."""

    taken_further_to = forms.ChoiceField(
        label=_("Taken further to"), choices=TakenFurther.choices, widget=forms.RadioSelect
    )
    taken_further_on = forms.DateField(label=_("On"), widget=DATE)
    taken_further_outcome = forms.CharField(
        label=_("What came of it there"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Leave empty until you know, and come back to add it. Left empty, what was "
            "recorded before is kept."
        ),
    )

    def clean_taken_further_on(self) -> datetime.date:
        return not_in_future(self.cleaned_data["taken_further_on"])


class PutOnClockForm(forms.Form):
    clock_from = forms.DateField(
        label=_("Received in writing on"),
        widget=DATE,
        help_text=_(
            "The day the complainant put the complaint in writing (or asked for it to be "
            "tracked): the 28 days run from that day."
        ),
    )

    def clean_clock_from(self) -> datetime.date:
        return not_in_future(self.cleaned_data["clock_from"])


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it was withdrawn"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("In the complainant's words, as far as possible."),
    )


class EmptyForm(forms.Form):
    pass


def today_initial() -> dict[str, datetime.date]:
    """The steps' dates, today by default: the manager usually records a step the day it is
    taken. The day a complaint went to Ofsted or the ICO is left to be given."""
    today = timezone.localdate()
    return {"acknowledged_on": today, "started_on": today, "notified_on": today}
