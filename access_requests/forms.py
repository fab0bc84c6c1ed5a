import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access_requests import services
from access_requests.models import (
    AdviceOutcome,
    Channel,
    Controversy,
    ControversyFlag,
    Helper,
    LegalAdvice,
    NoticeOutcome,
    RectificationOutcome,
    RectificationRequest,
    RefusalGround,
    ReleaseRoute,
    State,
)
from children.models import (
    Child,
    InformationSharing,
    Nature,
    SharingMethod,
    StatementTakenHow,
)
from setting_records.fields import IdChoiceField, IdMultipleChoiceField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class ChildChoiceForm(forms.Form):
    """The first step of recording a request: whose records are asked for."""

    child = IdChoiceField(label=_("Child"), queryset=Child.objects.none(), empty_label=_("Choose…"))

    def __init__(self, *args, children, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = children.order_by("first_name", "last_name")
        self.fields["child"].label_from_instance = lambda child: child.display_name


class RequesterChoice(IdChoiceField):
    def __init__(self, *args, connections, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections = {c.person_id: c for c in connections}

    def label_from_instance(self, person):
        connection = self.connections.get(person.pk)
        if connection is None:
            return str(person)
        pr = _("yes") if connection.has_parental_responsibility else _("no")
        label = _("%(name)s — %(relationship)s, parental responsibility: %(pr)s") % {
            "name": person,
            "relationship": connection.get_relationship_display().lower(),
            "pr": pr,
        }
        if connection.is_restricted:
            label += _(" (court order restriction)")
        return label


def one_year_before(day: datetime.date) -> datetime.date:
    """The same day a year earlier; 29 February goes back to 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


class RequestForm(forms.Form):
    """The second step: the requester chosen from the child's register, with relationship and
    parental responsibility shown. People without parental responsibility stay selectable: a
    request from them is still a request to be recorded and answered."""

    child = forms.IntegerField(widget=forms.HiddenInput)
    requester = forms.Field(label=_("Requester"))
    confirm_duplicate = forms.BooleanField(
        label=_("Record it anyway: this is a separate request"),
        required=False,
        widget=forms.HiddenInput,
    )
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    confirm_old_date = forms.BooleanField(
        label=_("The date is right: the request was received more than a year ago"),
        required=False,
        widget=forms.HiddenInput,
    )
    channel = forms.ChoiceField(label=_("Received by"), choices=Channel.choices)
    representative_name = forms.CharField(
        label=_("Legal representative making it for them"), required=False, max_length=200
    )
    representative_authority = forms.CharField(
        label=_("Evidence of the representative's authority"), required=False, max_length=300
    )

    def __init__(self, *args, child, people, connections, open_requests, **kwargs):
        super().__init__(*args, **kwargs)
        self.child = child
        self.open_requests = open_requests
        self.fields["requester"] = RequesterChoice(
            label=_("Requester"),
            queryset=people.order_by("last_name", "first_name"),
            connections=connections,
            widget=forms.RadioSelect,
            empty_label=None,
            help_text=_("From %(child)s's register.") % {"child": child.display_name},
        )
        self.order_fields(["child", "requester", "confirm_duplicate", "received_on"])
        self.initial.setdefault("child", child.pk)
        self.initial.setdefault("received_on", timezone.localdate())

    def clean_child(self):
        if self.cleaned_data["child"] != self.child.pk:
            raise forms.ValidationError(_("Choose the child again."))
        return self.child

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        return day

    def _ask(self, name: str, message: str) -> None:
        """A warning to be confirmed: the checkbox appears with it, beside the field."""
        self.fields[name].widget = forms.CheckboxInput()
        if not self.cleaned_data.get(name):
            self.add_error(name, message)

    def clean(self):
        cleaned = super().clean()
        requester = cleaned.get("requester")
        if requester is not None:
            earlier = self.open_requests.filter(requester=requester).order_by("received_on")
            if earlier := list(earlier):
                self._ask(
                    "confirm_duplicate",
                    _(
                        "%(person)s already has an open request for %(child)s (%(refs)s). "
                        "Usually a second letter belongs to that request: tick to record a "
                        "separate one."
                    )
                    % {
                        "person": requester,
                        "child": self.child.display_name,
                        "refs": ", ".join(r.reference for r in earlier),
                    },
                )
        received = cleaned.get("received_on")
        if received is not None and received < one_year_before(timezone.localdate()):
            self._ask(
                "confirm_old_date",
                _("That is more than a year ago. Check the date, or tick to confirm it."),
            )
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "requester": data["requester"],
            "received_on": data["received_on"],
            "channel": data["channel"],
            "representative_name": data["representative_name"],
            "representative_authority": data["representative_authority"],
        }


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


class FlagForm(forms.Form):
    kind = forms.ChoiceField(label=_("Controversy"), choices=Controversy.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AdviceForm(forms.Form):
    flags = IdMultipleChoiceField(
        label=_("The flags this advice answers"),
        queryset=ControversyFlag.objects.none(),
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
    advice = IdChoiceField(label=_("Legal advice"), queryset=LegalAdvice.objects.none())
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
            "people": [c.person for c in item.child.connections.current().select_related("person")],
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
        return {
            "recipients": services.recipients(item),
            "declined": item.state == State.MEETING_DECLINED,
        }

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


# Rectification requests (policy P11; UK GDPR Art. 16).


class RectificationForm(forms.Form):
    """A parent says an entry is wrong: who, when, how, and in their words what is wrong."""

    requester = forms.Field(label=_("Who asks"))
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    channel = forms.ChoiceField(label=_("Received by"), choices=Channel.choices)
    what_is_wrong = forms.CharField(
        label=_("What they say is wrong"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("In their words, as far as possible."),
    )
    what_it_should_say = forms.CharField(
        label=_("What they say it should say"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    representative_name = forms.CharField(
        label=_("Someone making the request for them"),
        required=False,
        max_length=200,
        help_text=_("e.g. a solicitor acting for the parent."),
    )

    def __init__(self, *args, child, people, connections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requester"] = RequesterChoice(
            label=_("Who asks"),
            queryset=people.order_by("last_name", "first_name"),
            connections=connections,
            widget=forms.RadioSelect,
            empty_label=None,
            help_text=_(
                "From %(child)s's register: someone with parental responsibility, or the person "
                "a representative acts for."
            )
            % {"child": child.display_name},
        )
        self.order_fields(["requester", "received_on", "channel"])
        self.initial.setdefault("received_on", timezone.localdate())

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        return day


class RectificationDecisionForm(forms.Form):
    """The decision, starting from the entry's own fact/opinion mark (policy P11)."""

    found_nature = forms.ChoiceField(
        label=_("The entry is"), choices=Nature.choices, widget=forms.RadioSelect
    )
    outcome = forms.ChoiceField(
        label=_("Decision"), choices=RectificationOutcome.choices, widget=forms.RadioSelect
    )
    reasons = forms.CharField(
        label=_("Reasons for the decision"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("These are given to the parent."),
    )
    corrected_title = forms.CharField(
        label=_("Corrected title"),
        required=False,
        max_length=200,
        help_text=_("When the entry is corrected."),
    )
    corrected_body = forms.CharField(
        label=_("Corrected entry"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("When the entry is corrected. The old text is kept in its history."),
    )
    statement_words = forms.CharField(
        label=_("The parent's statement, in their words"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("When the entry is kept: attached to the entry wherever it appears."),
    )
    statement_made_on = forms.DateField(label=_("Statement made on"), widget=DATE, required=False)
    statement_taken_how = forms.ChoiceField(
        label=_("Statement taken"), choices=StatementTakenHow.choices, required=False
    )

    def __init__(self, *args, rectification: RectificationRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.rectification = rectification
        record = rectification.record
        words = "\n\n".join(
            part for part in (rectification.what_is_wrong, rectification.what_it_should_say) if part
        )
        fact = record.nature == Nature.FACT
        for name, value in {
            "found_nature": record.nature,
            "outcome": RectificationOutcome.CORRECTED if fact else RectificationOutcome.KEPT,
            "corrected_title": record.title,
            "corrected_body": record.body,
            "statement_words": words,
            "statement_made_on": timezone.localdate(),
            "statement_taken_how": StatementTakenHow.MEETING,
        }.items():
            self.initial.setdefault(name, value)
        self.fields["found_nature"].help_text = _(
            "The entry is marked “%(nature)s”. Choose the other only if it was marked wrongly; "
            "that is kept in its history."
        ) % {"nature": record.get_nature_display()}

    def clean(self):
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        if outcome == RectificationOutcome.CORRECTED:
            if cleaned.get("found_nature") == Nature.OPINION:
                self.add_error(
                    "outcome",
                    _("An opinion or professional judgement is kept, with the parent's view."),
                )
            for name in ("corrected_title", "corrected_body"):
                if not cleaned.get(name, "").strip():
                    self.add_error(name, _("Give the corrected wording."))
        elif outcome == RectificationOutcome.KEPT:
            if not cleaned.get("statement_words", "").strip():
                self.add_error("statement_words", _("Write down the parent's view."))
            if cleaned.get("statement_made_on") is None:
                self.add_error("statement_made_on", _("Give the day."))
            if not cleaned.get("statement_taken_how"):
                self.add_error("statement_taken_how", _("Say how it was taken."))
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "outcome": data["outcome"],
            "found_nature": data["found_nature"],
            "misclassified": data["found_nature"] != self.rectification.record.nature,
            "reasons": data["reasons"],
        }
        if data["outcome"] == RectificationOutcome.CORRECTED:
            kwargs |= {
                "corrected_title": data["corrected_title"],
                "corrected_body": data["corrected_body"],
            }
        else:
            kwargs |= {
                "statement_words": data["statement_words"],
                "statement_made_on": data["statement_made_on"],
                "statement_taken_how": data["statement_taken_how"],
            }
        return kwargs


RIGHTS_TICK = _(
    "They were told that, if unhappy, they may use the setting's complaints procedure, "
    "complain to the ICO and ask a court to enforce their rights"
)
RIGHTS_TICK_AS_FOLLOWS = _(
    "They were told that, if unhappy, they may use the setting's complaints procedure, "
    "complain to the ICO and ask a court to enforce their rights, as follows"
)


class _RightsTick:
    """The tick that records the parent was told their rights on a correction request (UK
    GDPR Art. 12(4), 77, 79; DPA 2018 s.167; policy P10), with the words told beside it when
    given as ``rights=``."""

    fields: dict[str, forms.Field]

    def _show_rights(self, rights: str) -> None:
        if rights:
            field = self.fields["told_of_rights"]
            field.label = RIGHTS_TICK_AS_FOLLOWS
            field.help_text = rights


class TellForm(_RightsTick, forms.Form):
    """The parent told the decision and their rights (UK GDPR Art. 12(4), 77, 79)."""

    told_on = forms.DateField(label=_("Parent told on"), widget=DATE)
    told_how = forms.ChoiceField(label=_("Told by"), choices=Channel.choices)
    told_of_rights = forms.BooleanField(
        label=RIGHTS_TICK,
        error_messages={
            "required": _("Tell the parent of their right to complain, and tick to confirm.")
        },
    )

    def __init__(self, *args, rights: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._show_rights(rights)


class RectificationRefuseForm(_RightsTick, RefuseForm):
    """A correction request refused: the parent told why and their rights, the setting's own
    complaints procedure among them, as with a decision (UK GDPR Art. 12(4); policy P10). The
    access request's refusal keeps ``RefuseForm``: its notice is written out on its page."""

    told_of_rights = forms.BooleanField(
        label=RIGHTS_TICK,
        error_messages={
            "required": _("Tell the parent of their right to complain, and tick to confirm.")
        },
    )

    def __init__(self, *args, rights: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._show_rights(rights)


class NoticeForm(forms.Form):
    """One past recipient of a corrected entry told of the correction, or why not (Art. 19)."""

    sharing = IdChoiceField(
        label=_("Recipient"), queryset=InformationSharing.objects.none(), empty_label=None
    )
    outcome = forms.ChoiceField(
        label=_("Told?"), choices=NoticeOutcome.choices, widget=forms.RadioSelect
    )
    done_on = forms.DateField(label=_("On"), widget=DATE)
    method = forms.ChoiceField(
        label=_("How"),
        choices=[("", _("Choose…")), *SharingMethod.choices],
        required=False,
    )
    note = forms.CharField(
        label=_(
            "Why they could not be told, or why it is disproportionate; for a written summary "
            "that did not include the entry, how you know"
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, recipients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sharing"].queryset = recipients
        self.fields["sharing"].label_from_instance = self.recipient_label
        self.initial.setdefault("outcome", NoticeOutcome.NOTIFIED)
        self.initial.setdefault("done_on", timezone.localdate())

    @staticmethod
    def recipient_label(sharing: InformationSharing) -> str:
        """The recipient and the day; a disclosure recorded as a written summary only (no
        entries named, ``names_entries`` annotated False) is said to need checking."""
        if getattr(sharing, "names_entries", True):
            return f"{sharing.recipient_label} (shared on {sharing.decided_on:%d/%m/%Y})"
        return (
            f"{sharing.recipient_label} (a written summary on {sharing.decided_on:%d/%m/%Y}: "
            "check whether it included the entry)"
        )

    def clean(self):
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        if outcome == NoticeOutcome.NOTIFIED and not cleaned.get("method"):
            self.add_error("method", _("Say how they were told."))
        if outcome and outcome != NoticeOutcome.NOTIFIED and not cleaned.get("note", "").strip():
            self.add_error("note", _("Say why."))
        return cleaned
