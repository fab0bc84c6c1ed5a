import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access_requests.models import (
    AdviceOutcome,
    Channel,
    Controversy,
    Disclosure,
    Helper,
    WithholdReason,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class RequestForm(forms.Form):
    child = forms.ModelChoiceField(label=_("Child"), queryset=None)
    requester = forms.ModelChoiceField(
        label=_("Requester"),
        queryset=None,
        help_text=_("From the child's register: they must hold parental responsibility."),
    )
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    channel = forms.ChoiceField(label=_("Received by"), choices=Channel.choices)
    representative_name = forms.CharField(
        label=_("Legal representative making it for them"), required=False, max_length=200
    )
    representative_authority = forms.CharField(
        label=_("Evidence of the representative's authority"), required=False, max_length=300
    )

    def __init__(self, *args, children, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = children
        self.fields["requester"].queryset = people
        self.initial.setdefault("received_on", timezone.localdate())

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        return day


class IdentityForm(forms.Form):
    method = forms.CharField(
        label=_("How identity was verified"),
        max_length=300,
        help_text=_("e.g. “Passport seen in person by the manager”."),
    )
    identity_received_on = forms.DateField(
        label=_("Proof of identity arrived on"),
        widget=DATE,
        required=False,
        help_text=_(
            "Only when you asked for it: the month for the response starts again on this day."
        ),
    )


class IdentityRequestForm(forms.Form):
    """Proof of identity asked for: the month restarts when it arrives (UK GDPR Art. 12A)."""

    asked_for = forms.CharField(
        label=_("What was asked for to confirm identity"),
        max_length=300,
        help_text=_("e.g. “A copy of a passport and a recent utility bill”."),
    )
    requested_on = forms.DateField(label=_("Asked on"), widget=DATE)


class PauseStartForm(forms.Form):
    """A clarification the setting reasonably needs to find the information (Art. 12A)."""

    reason = forms.CharField(
        label=_("What clarification was asked for"),
        max_length=300,
        help_text=_(
            "Not for proof of identity. The clock stops only before the due date has passed."
        ),
    )
    started_on = forms.DateField(label=_("Asked on"), widget=DATE)


class PauseEndForm(forms.Form):
    ended_on = forms.DateField(label=_("Answer received on"), widget=DATE)


class ExtensionForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Extend by"), choices=[(1, _("One month")), (2, _("Two months"))], coerce=int
    )
    reason = forms.CharField(
        label=_("Why the request is complex"), widget=forms.Textarea(attrs={"rows": 2})
    )
    told_on = forms.DateField(
        label=_("Requester told on"),
        widget=DATE,
        help_text=_("On or before the due date without the extension."),
    )
    reasons_told = forms.BooleanField(
        label=_("The requester was told the reasons for the delay"),
        error_messages={
            "required": _("Tell the requester the reasons for the delay (UK GDPR Art. 12(3)).")
        },
    )


class EntryForm(forms.Form):
    included = forms.BooleanField(label=_("Include in the pack"), required=False)
    disclosure = forms.ChoiceField(
        label=_("Third-party decision"), choices=[("", "—"), *Disclosure.choices], required=False
    )
    withhold_reason = forms.ChoiceField(
        label=_("Reason for withholding"),
        choices=[("", "—"), *WithholdReason.choices],
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("disclosure") == Disclosure.WITHHOLD and not cleaned.get("withhold_reason"):
            self.add_error("withhold_reason", _("Give the reason for withholding."))
        return cleaned


class FlagForm(forms.Form):
    kind = forms.ChoiceField(label=_("Controversy"), choices=Controversy.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AdviceForm(forms.Form):
    adviser = forms.CharField(label=_("Adviser"), max_length=200)
    advised_on = forms.DateField(label=_("Advised on"), widget=DATE)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=AdviceOutcome.choices)


class HelperForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    role = forms.ChoiceField(label=_("Role"), choices=Helper.Role.choices)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)


class MeetingForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label=_("Date and time"), widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    place = forms.CharField(label=_("Place"), max_length=200)


class AttendeeForm(forms.Form):
    attendee = forms.ChoiceField(label=_("Who attends"))

    def __init__(self, *args, people, helpers, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {f"person-{p.pk}": p for p in people}
        self.helpers = {f"helper-{h.pk}": h for h in helpers}
        self.fields["attendee"].choices = [(key, str(p)) for key, p in self.people.items()] + [
            (key, str(h)) for key, h in self.helpers.items()
        ]

    def service_kwargs(self) -> dict:
        key = self.cleaned_data["attendee"]
        return {"person": self.people.get(key), "helper": self.helpers.get(key)}


class HeldForm(forms.Form):
    held_at = forms.DateTimeField(
        label=_("Held at"), widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    contents_explained = forms.BooleanField(
        label=_("I went through the contents with the parent and explained them"), required=False
    )


class ReleaseForm(forms.Form):
    released_to = forms.CharField(label=_("Handed to"), max_length=200)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class EmptyForm(forms.Form):
    pass


def today_initial() -> dict:
    now = timezone.localtime().replace(second=0, microsecond=0)
    return {
        "requested_on": now.date(),
        "started_on": now.date(),
        "ended_on": now.date(),
        "told_on": now.date(),
        "advised_on": now.date(),
        "held_at": now,
        "scheduled_at": now + datetime.timedelta(days=7),
    }
