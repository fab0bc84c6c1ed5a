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
    RefusalGround,
    ReleaseRoute,
    State,
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
    flags = forms.ModelMultipleChoiceField(
        label=_("The flags this advice answers"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A controversy flagged after this advice needs advice of its own."),
    )
    adviser = forms.CharField(label=_("Adviser"), max_length=200)
    advised_on = forms.DateField(label=_("Advised on"), widget=DATE)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=AdviceOutcome.choices)
    redactions_requested = forms.CharField(
        label=_("Further redactions the adviser asked for"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the advice is to release with further redactions."),
    )

    def __init__(self, *args, flags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["flags"].queryset = flags

    @staticmethod
    def form_kwargs(item) -> dict:
        return {"flags": item.flags.order_by("raised_at", "pk")}

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("outcome") == AdviceOutcome.RELEASE_REDACTED
            and not (cleaned.get("redactions_requested") or "").strip()
        ):
            self.add_error(
                "redactions_requested", _("Say which further redactions the adviser asked for.")
            )
        return cleaned


class RedactionsDoneForm(forms.Form):
    advice = forms.ModelChoiceField(label=_("Legal advice"), queryset=None)
    confirmed = forms.BooleanField(
        label=_("The further redactions the adviser asked for are made in the pack")
    )

    def __init__(self, *args, advice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advice"].queryset = advice

    @staticmethod
    def form_kwargs(item) -> dict:
        return {
            "advice": item.advice.filter(
                outcome=AdviceOutcome.RELEASE_REDACTED, redactions_confirmed_at__isnull=True
            )
        }

    def service_kwargs(self) -> dict:
        return {"advice": self.cleaned_data["advice"]}


class HelperForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    role = forms.ChoiceField(label=_("Role"), choices=Helper.Role.choices)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)


class MeetingForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label=_("Date and time"), widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    reason = forms.CharField(
        label=_("If rearranging, why"),
        required=False,
        max_length=300,
        help_text=_("The earlier date stays in the request's history."),
    )


class AttendeeForm(forms.Form):
    attendee = forms.ChoiceField(label=_("Who attends"))
    requester_agreed = forms.BooleanField(
        label=_("The requester agreed to this person attending"),
        required=False,
        help_text=_("Needed for a person with parental responsibility who is not the requester."),
    )

    @staticmethod
    def form_kwargs(item) -> dict:
        return {
            "people": [c.person for c in item.child.connections.select_related("person")],
            "helpers": list(item.helpers.all()),
        }

    def __init__(self, *args, people, helpers, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {f"person-{p.pk}": p for p in people}
        self.helpers = {f"helper-{h.pk}": h for h in helpers}
        self.fields["attendee"].choices = [(key, str(p)) for key, p in self.people.items()] + [
            (key, str(h)) for key, h in self.helpers.items()
        ]

    def service_kwargs(self) -> dict:
        key = self.cleaned_data["attendee"]
        return {
            "person": self.people.get(key),
            "helper": self.helpers.get(key),
            "requester_agreed": self.cleaned_data["requester_agreed"],
        }


class HeldForm(forms.Form):
    held_at = forms.DateTimeField(
        label=_("Held at"), widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    contents_explained = forms.BooleanField(
        label=_("I went through the contents with the parent and explained them"), required=False
    )


class DeclinedForm(forms.Form):
    offered_on = forms.DateField(label=_("Meeting offered on"), widget=DATE)
    offered_how = forms.ChoiceField(label=_("Offered by"), choices=Channel.choices)
    declined_on = forms.DateField(label=_("The parent declined on"), widget=DATE)


class ReleaseForm(forms.Form):
    """The recipient is chosen from the people allowed, never typed (P8-P9)."""

    recipient = forms.ChoiceField(label=_("Handed to"))
    route = forms.ChoiceField(label=_("How"), choices=ReleaseRoute.choices)
    explanatory_letter = forms.BooleanField(
        label=_("An explanatory letter goes with the copy"),
        required=False,
        help_text=_("Required when the parent declined the meeting."),
    )

    @staticmethod
    def form_kwargs(item) -> dict:
        from access_requests.services import recipients

        return {"recipients": recipients(item), "declined": item.state == State.MEETING_DECLINED}

    def __init__(self, *args, recipients, declined=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices_by_key = {
            (f"helper-{r.pk}" if isinstance(r, Helper) else f"person-{r.pk}"): r for r in recipients
        }
        self.fields["recipient"].choices = [
            (key, f"{r} (requester)" if not isinstance(r, Helper) else str(r))
            for key, r in self.choices_by_key.items()
        ]
        if declined:
            self.fields["route"].choices = [
                c for c in ReleaseRoute.choices if c[0] != ReleaseRoute.AT_MEETING
            ]

    def service_kwargs(self) -> dict:
        chosen = self.choices_by_key[self.cleaned_data["recipient"]]
        helper = chosen if isinstance(chosen, Helper) else None
        return {
            "recipient_person": None if helper else chosen,
            "recipient_helper": helper,
            "route": self.cleaned_data["route"],
            "explanatory_letter": self.cleaned_data["explanatory_letter"],
        }


class RefuseForm(forms.Form):
    """A refusal and the notice given (UK GDPR Art. 12(4))."""

    ground = forms.ChoiceField(label=_("Ground"), choices=RefusalGround.choices)
    reason = forms.CharField(
        label=_("Reasons given to the requester"), widget=forms.Textarea(attrs={"rows": 2})
    )
    told_on = forms.DateField(label=_("Requester told on"), widget=DATE)
    told_how = forms.ChoiceField(label=_("Told by"), choices=Channel.choices)
    told_of_rights = forms.BooleanField(
        label=_(
            "They were told they may complain to the ICO and go to court to enforce their right"
        )
    )


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
        "offered_on": now.date(),
        "declined_on": now.date(),
        "advised_on": now.date(),
        "held_at": now,
        "scheduled_at": now + datetime.timedelta(days=7),
    }
