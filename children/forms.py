import datetime
import uuid
from typing import cast

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from children import register
from children.models import (
    CHILD_FIELDS,
    Child,
    ChildPerson,
    Consent,
    Framework,
    LawfulBasis,
    ParentStatement,
    Person,
    Record,
    Sensitivity,
    SharingDecision,
    SharingMethod,
    Source,
    StatementTakenHow,
)
from children.sharing import CONSENT_NOT_GIVEN, disputed_for_manager
from setting_records.fields import IdChoiceField, IdMultipleChoiceField, UKDateField, id_formfield
from setting_records.models import User

NOT_CHECKED = ("", _("Not checked yet"))
CONFIDENTIALITY_CHOICES = [
    NOT_CHECKED,
    ("yes", _("Yes: to be kept confidential")),
    ("no", _("No: not confidential")),
]
ANSWERS = {"yes": True, "no": False}
# The two questions policy P6 asks of information from a third party, one per party.
CONFIDENTIALITY_QUESTIONS = {
    "sharer": _("Did the person or agency who shared this ask for it to be kept confidential?"),
    "subject": _("Would the person it is about expect it to be kept confidential?"),
}


class ChildSearchForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    room = forms.TypedChoiceField(label=_("Room"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, rooms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = [("", _("All rooms"))] + [(r.pk, str(r)) for r in rooms]


class RecordForm(forms.ModelForm):
    """An entry. For information from a third party it also asks the two questions of policy
    P6, each "yes", "no" or "not checked yet"; whoever answers is recorded with the date.
    They are left out for a member of staff who may not check (``may_check=False``)."""

    sharer_confidential = forms.ChoiceField(
        label=CONFIDENTIALITY_QUESTIONS["sharer"],
        choices=CONFIDENTIALITY_CHOICES,
        required=False,
        help_text=_("Only for information from a third party. Ask them if you are not sure."),
    )
    subject_confidential = forms.ChoiceField(
        label=CONFIDENTIALITY_QUESTIONS["subject"],
        choices=CONFIDENTIALITY_CHOICES,
        required=False,
        help_text=_(
            "Only for information from a third party: the person it is about may be the child, "
            "a parent or someone else."
        ),
    )

    class Meta:
        model = Record
        formfield_callback = id_formfield
        fields = [
            "title",
            "kind",
            "sensitivity",
            "nature",
            "occurred_at",
            "body",
            "source",
            "third_party_name",
            "third_party_role",
            "third_party_organisation",
        ]
        widgets = {
            "occurred_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "sensitivity": forms.RadioSelect,
            "nature": forms.RadioSelect,
            "source": forms.RadioSelect,
        }

    def __init__(self, *args, may_check=True, **kwargs):
        super().__init__(*args, **kwargs)
        # Radio buttons and the kind list offer real choices only, with no empty "----" entry.
        for name in ("kind", "sensitivity", "nature", "source"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0] != ""]
        self.fields["occurred_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        for party in ("sharer", "subject"):
            name = f"{party}_confidential"
            if not may_check:
                del self.fields[name]
                continue
            answer = getattr(self.instance, name) if self.instance.pk else None
            if answer is not None:
                # Once checked, an answer can be changed but not made unknown again.
                self.initial[name] = "yes" if answer else "no"
                self.fields[name].choices = CONFIDENTIALITY_CHOICES[1:]
        if not self.instance.pk:
            self.initial.setdefault(
                "occurred_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def clean_occurred_at(self):
        occurred_at = self.cleaned_data["occurred_at"]
        if occurred_at > timezone.now() + datetime.timedelta(minutes=5):
            raise forms.ValidationError(_("This is in the future: enter when it happened."))
        return occurred_at

    def clean(self):
        cleaned = super().clean()
        named = (
            cleaned.get("third_party_name", "").strip()
            or cleaned.get("third_party_organisation", "").strip()
        )
        if cleaned.get("source") == Source.THIRD_PARTY and not named:
            self.add_error(
                "third_party_name",
                _("Name the person or the organisation the information came from."),
            )
        answers = [cleaned.get(f"{party}_confidential") for party in ("sharer", "subject")]
        if (
            cleaned.get("source") == Source.THIRD_PARTY
            and "yes" in answers
            and cleaned.get("sensitivity") == Sensitivity.GENERAL
        ):
            self.add_error(
                "sensitivity",
                _(
                    "Information shared in confidence cannot be general (seen by the whole "
                    "care team): mark the entry sensitive."
                ),
            )
        return cleaned

    def service_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        for name in ("sharer_confidential", "subject_confidential"):
            if name in self.fields:
                data[name] = ANSWERS.get(self.cleaned_data.get(name, ""))
        return data


class ThirdPartyCheckForm(forms.Form):
    """One party's answer, given from the manager's review of third-party entries."""

    party = forms.ChoiceField(
        label=_("Whose answer"),
        choices=[
            ("sharer", _("The person who shared it")),
            ("subject", _("The person it is about")),
        ],
        widget=forms.HiddenInput,
    )
    answer = forms.ChoiceField(
        label=_("Confidential?"), choices=CONFIDENTIALITY_CHOICES[1:], widget=forms.RadioSelect
    )

    def service_fields(self) -> dict:
        return {
            "party": self.cleaned_data["party"],
            "confidential": ANSWERS[self.cleaned_data["answer"]],
        }


class RecordEditForm(RecordForm):
    reason = forms.CharField(
        label=_("Why is this entry being changed?"),
        max_length=500,
        widget=forms.TextInput,
        help_text=_("Kept in the entry's history with your name and the time."),
    )

    def service_fields(self) -> dict:
        return super().service_fields() | {"reason": self.cleaned_data["reason"]}


class TeamForm(forms.Form):
    # Each form is given the setting's own staff to choose from (``__init__``).
    key_person = IdChoiceField(
        label=_("Key person"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("No key person"),
    )
    care_team = IdMultipleChoiceField(
        label=_("Care team"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Staff involved in the child's care: they see the child and general entries."),
    )

    def __init__(self, *args, practitioners, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key_person"].queryset = practitioners
        self.fields["care_team"].queryset = staff


class GrantForm(forms.Form):
    # Each form is given the setting's staff and the child's records (``__init__``).
    grantee = IdChoiceField(label=_("Member of staff"), queryset=User.objects.none())
    record = IdChoiceField(
        label=_("What they may see"),
        queryset=Record.objects.none(),
        required=False,
        empty_label=_("All of this child's records"),
    )
    reason = forms.CharField(
        label=_("Why they need to know"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    expires_on = forms.DateField(
        label=_("Last day of access"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, staff, records, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grantee"].queryset = staff
        self.fields["record"].queryset = records
        self.fields["record"].label_from_instance = lambda r: (
            f"{r.occurred_at:%d %b %Y}: {r.title} ({r.get_sensitivity_display()})"
        )
        self.initial.setdefault("expires_on", timezone.localdate() + datetime.timedelta(days=30))

    def clean_expires_on(self):
        expires_on = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if expires_on < today:
            raise forms.ValidationError(_("This date has passed: choose today or later."))
        if expires_on > today + datetime.timedelta(days=366):
            raise forms.ValidationError(_("A grant can last a year at most."))
        return expires_on


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is access being withdrawn?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class ChildForm(forms.ModelForm):
    new_family = forms.CharField(
        label=_("…or a new family"),
        required=False,
        max_length=200,
        help_text=_("e.g. “The Ahmed household”. Leave empty to use the family chosen above."),
    )

    class Meta:
        model = Child
        formfield_callback = id_formfield
        fields = list(CHILD_FIELDS)
        widgets = {
            name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            for name in ("date_of_birth", "started_on", "left_on")
        }

    def __init__(self, *args, setting, **kwargs):
        super().__init__(*args, **kwargs)
        # Open rooms only; a child who left from a room since closed keeps it (it is not offered
        # to anyone else), so that saving their other details does not empty it.
        open_rooms = Q(closed_on__isnull=True)
        if self.instance.room_id is not None:
            open_rooms |= Q(pk=self.instance.room_id)
        self.fields["room"].queryset = setting.rooms.filter(open_rooms)
        self.fields["family"].queryset = setting.families.all()
        self.fields["family"].empty_label = _("No family recorded")

    def clean(self):
        cleaned = super().clean()
        born, started = cleaned.get("date_of_birth"), cleaned.get("started_on")
        if born and born > timezone.localdate():
            self.add_error("date_of_birth", _("The date of birth is in the future."))
        if born and started and started < born:
            self.add_error("started_on", _("A child cannot start before they are born."))
        left = cleaned.get("left_on")
        if left and started and left < started:
            self.add_error("left_on", _("The leaving date is before the start date."))
        if cleaned.get("family") and cleaned.get("new_family", "").strip():
            self.add_error("new_family", _("Choose a family or name a new one, not both."))
        return cleaned


REASON_HELP = _("Kept in the history with your name and the time.")


class ConnectionFieldsMixin:
    """The register's rules (``children.register.connection_problems``), each error beside its
    field, on a form whose instance is the connection being added or corrected."""

    instance: ChildPerson
    cleaned_data: dict

    def _set_up_connection_fields(self, fields) -> None:
        # The project's one date field (date picker, UK dates typed, one message).
        for name in ("restriction_starts_on", "restriction_ends_on"):
            model_field = fields[name]
            fields[name] = UKDateField(
                label=model_field.label,
                required=model_field.required,
                help_text=model_field.help_text,
            )

    def _connection_errors(self) -> dict[str, str]:
        trial = ChildPerson(
            **{
                name: self.cleaned_data.get(name, getattr(self.instance, name))
                for name in register.CONNECTION_FIELDS
            }
        )
        if trial.restriction is None:
            trial.restriction = ""
        return register.connection_problems(trial)


class ConnectionForm(ConnectionFieldsMixin, forms.ModelForm):
    """A person entered in a child's register, with how they are connected: someone already
    registered with the child's family (a sibling's parent), or someone new."""

    existing = IdChoiceField(
        label=_("Someone already registered with the family"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("No: someone new (enter their details below)"),
        help_text=_("A brother's or sister's parent is entered once and linked to each child."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    preferred_language = forms.CharField(
        label=_("Preferred language"), max_length=60, required=False
    )
    interpreter_needed = forms.BooleanField(label=_("Needs an interpreter"), required=False)

    PERSON_FIELDS = register.PERSON_FIELDS

    class Meta:
        model = ChildPerson
        formfield_callback = id_formfield
        fields = list(register.CONNECTION_FIELDS)
        widgets = {"restriction": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, child: Child | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.child = child
        people = register.family_people(child) if child is not None else None
        if people is not None and people.exists():
            cast(IdChoiceField, self.fields["existing"]).queryset = people
        else:
            del self.fields["existing"]
        self._set_up_connection_fields(self.fields)

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("existing")
        if chosen is None and "existing" not in self.errors:
            for name in ("first_name", "last_name"):
                if not cleaned.get(name, "").strip() and name not in self.errors:
                    self.add_error(name, _("Enter their name, or choose someone registered."))
            duplicate = (
                register.duplicate_of(self.child, self.person(family=None))
                if self.child is not None and not self.errors
                else None
            )
            if duplicate:
                self.add_error("first_name", duplicate)
        elif chosen is not None and any(
            cleaned.get(name, "").strip() for name in ("first_name", "last_name")
        ):
            self.add_error(
                "existing",
                _("Choose someone already registered or enter someone new, not both."),
            )
        for name, problem in self._connection_errors().items():
            if name not in self.errors:
                self.add_error(name, problem)
        return cleaned

    def person(self, *, family) -> Person:
        if chosen := self.cleaned_data.get("existing"):
            return chosen
        return Person(
            family=family, **{name: self.cleaned_data[name] for name in self.PERSON_FIELDS}
        )

    def connection_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ConnectionEditForm(ConnectionFieldsMixin, forms.ModelForm):
    """A correction to a connection, with the reason kept in its history."""

    reason = forms.CharField(
        label=_("Why is this being changed?"), max_length=500, help_text=REASON_HELP
    )

    class Meta:
        model = ChildPerson
        formfield_callback = id_formfield
        fields = list(register.CONNECTION_FIELDS)
        widgets = {"restriction": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_up_connection_fields(self.fields)

    def _post_clean(self):
        # The service saves, after its own checks; the model's own validation would only repeat
        # them with other words.
        pass

    def clean(self):
        cleaned = super().clean()
        for name, problem in self._connection_errors().items():
            if name not in self.errors:
                self.add_error(name, problem)
        return cleaned

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields} | {
            "reason": self.cleaned_data["reason"]
        }


class PersonEditForm(forms.ModelForm):
    """A correction to a person's details, with the reason kept in their history."""

    reason = forms.CharField(
        label=_("Why is this being changed?"), max_length=500, help_text=REASON_HELP
    )

    class Meta:
        model = Person
        fields = list(register.PERSON_FIELDS)
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        labels = {"interpreter_needed": _("Needs an interpreter")}

    def _post_clean(self):
        pass

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields} | {
            "reason": self.cleaned_data["reason"]
        }


class ConnectionEndForm(forms.Form):
    ended_on = UKDateField(label=_("Ended on"))
    reason = forms.CharField(
        label=_("Why has it ended?"),
        max_length=500,
        help_text=_("For example: moved out, placement ended, entered in error."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("ended_on", timezone.localdate())

    def clean_ended_on(self):
        ended_on = self.cleaned_data["ended_on"]
        if ended_on > timezone.localdate():
            raise forms.ValidationError(_("This is in the future: end it on the day it ends."))
        return ended_on


class OneTimeForm(forms.Form):
    """A form that records something never edited or removed, with a one-time key in a hidden
    field (``setting_records.submissions``): made when the form is first shown, kept when it is
    shown again with errors, so that a double click or a resent form records once.

    A missing or malformed key (never sent by the page itself) records without one rather than
    stopping someone at an error they cannot see."""

    submission_key = forms.CharField(required=False, max_length=36, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("submission_key", str(uuid.uuid4()))

    def clean_submission_key(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.cleaned_data["submission_key"])
        except ValueError:
            return None


class SharingForm(OneTimeForm):
    """One disclosure about a child, or one decision not to share (policy P5), in the order a
    practitioner thinks it through; the fields come in groups (``fieldsets``)."""

    decision = forms.ChoiceField(
        label=_("Was the information shared?"),
        choices=[
            (SharingDecision.SHARED, _("Yes: it was shared")),
            (SharingDecision.NOT_SHARED, _("No: we decided not to share")),
        ],
        widget=forms.RadioSelect,
    )
    decided_on = forms.DateField(
        label=_("Date"),
        help_text=_("When it was shared, or when the decision not to share was made."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    decided_by = IdChoiceField(
        label=_("Who decided"), queryset=User.objects.none(), empty_label=None
    )
    recipient_organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        help_text=_("e.g. “Children's social care (MASH)”, “Health visiting team”."),
    )
    recipient_name = forms.CharField(label=_("Person"), max_length=200, required=False)
    recipient_role = forms.CharField(
        label=_("Their role"),
        max_length=200,
        required=False,
        help_text=_("e.g. social worker, health visitor, school's designated safeguarding lead."),
    )
    entries = IdMultipleChoiceField(
        label=_("Entries"),
        queryset=Record.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The entries that were shared, or asked for. Tick none if only a summary."),
    )
    summary = forms.CharField(
        label=_("What was shared, in words"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "A short summary of what was said or sent, when it was not (only) the entries "
            "above. For a decision not to share: what was asked for."
        ),
    )
    purpose = forms.CharField(
        label=_("Why"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why it was shared, or why it was not."),
    )
    framework = forms.ChoiceField(
        label=_("Professional framework"),
        choices=[("", _("Choose one")), *Framework.choices],
        help_text=_("The setting in which the discussion or disclosure took place."),
    )
    framework_detail = forms.CharField(
        label=_("Framework details"),
        max_length=200,
        required=False,
        help_text=_("Needed when the framework is “Other”."),
    )
    lawful_basis = forms.ChoiceField(
        label=_("Lawful basis"),
        choices=[("", _("Choose one")), *LawfulBasis.choices],
        required=False,
        help_text=_(
            "Needed when the information was shared. HM Government's advice (2024): consent is "
            "rarely the right basis for sharing to safeguard a child; it is usually legal "
            "obligation or public task. Consent can be the basis only when it was given."
        ),
    )
    lawful_basis_detail = forms.CharField(
        label=_("Condition for special category data, or other detail"),
        max_length=300,
        required=False,
        help_text=_(
            "e.g. “DPA 2018 Sch. 1 para 18: safeguarding of children and individuals at risk”."
        ),
    )
    consent = forms.ChoiceField(
        label=_("Consent of the parent (or child)"),
        choices=Consent.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "You do not need consent to share to protect a child; record why you did not "
            "seek it, or why you shared when it was refused."
        ),
    )
    consent_reason = forms.CharField(
        label=_("About consent"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Needed when it was shared and consent was refused or not sought: why it went "
            "ahead without consent, or why consent was not sought."
        ),
    )
    method = forms.ChoiceField(
        label=_("How it was shared"),
        choices=[("", _("Choose one")), *SharingMethod.choices],
        required=False,
        help_text=_("Needed when the information was shared."),
    )

    FIELDSETS = (
        (_("The decision"), "", ("decision", "decided_on", "decided_by")),
        (
            _("Who it went to, or who asked"),
            _("The agency or professional; name the person where you know them."),
            ("recipient_organisation", "recipient_name", "recipient_role"),
        ),
        (
            _("What was shared, or asked for"),
            _("Choose entries, write a summary, or both."),
            ("entries", "*disputed", "summary"),
        ),
        (
            _("Why, and on what basis"),
            "",
            ("purpose", "framework", "framework_detail", "lawful_basis", "lawful_basis_detail"),
        ),
        (_("Consent"), "", ("consent", "consent_reason")),
        (_("How it was shared"), "", ("method",)),
    )

    CONDITIONAL = ("lawful_basis", "method", "consent_reason", "framework_detail")

    def __init__(self, *args, records, staff, may_share_disputed, **kwargs):
        """``may_share_disputed``: whether the user manages the child's setting, the only one
        who may share an entry a parent disputes (the service checks again). Anyone else sees
        such an entry marked so, and may still name it in a decision not to share."""
        super().__init__(*args, **kwargs)
        records = list(records)
        self.may_share_disputed = may_share_disputed

        def label(record: Record) -> str:
            text = self._entry_label(record)
            if record.disputed and not may_share_disputed:
                text += str(_(": only the manager can share it while the dispute is open"))
            return text

        self.fields["entries"].queryset = Record.objects.filter(pk__in=[r.pk for r in records])
        self.fields["entries"].choices = [(r.pk, label(r)) for r in records]
        self.fields["decided_by"].queryset = staff
        self.all_disputed = [record for record in records if record.disputed]
        # Why each had to be shared: asked of the manager only.
        self.disputed = self.all_disputed if may_share_disputed else []
        for record in self.disputed:
            self.fields[self.reason_field(record)] = forms.CharField(
                label=_("Why “%(title)s” had to be shared while a parent disputes it")
                % {"title": record.title},
                required=False,
                max_length=10000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_(
                    "Only when it was shared. A disputed entry is shared only with the parent's "
                    "consent, for legal claims, to protect someone, or for an important public "
                    "interest such as a safeguarding referral (UK GDPR Art. 18(2))."
                ),
            )
            self.fields[self.reason_field(record)].conditional = True
        # Required in some cases only (``clean``): the form says when, not "(optional)".
        for name in self.CONDITIONAL:
            self.fields[name].conditional = True
        self.initial.setdefault("decided_on", timezone.localdate())

    @staticmethod
    def reason_field(record: Record) -> str:
        return f"disputed_reason_{record.pk}"

    @staticmethod
    def _entry_label(record: Record) -> str:
        """The entry as offered for sharing, with its marks (policy P11): disputed (UK GDPR
        Art. 18), and a parent's statement (``has_statement``, annotated by the caller with
        ``children.statements.statement_exists``), which goes with it if shared."""
        label = f"{record.title} ({timezone.localtime(record.occurred_at):%d/%m/%Y})"
        if record.disputed:
            label += " — disputed by a parent"
        if getattr(record, "has_statement", False):
            label += " — has a parent's statement"
        return label

    def fieldsets(self):
        """(legend, hint, bound fields) for each group, the disputed entries' reasons after the
        entries."""
        groups = []
        for legend, hint, names in self.FIELDSETS:
            fields = []
            for name in names:
                if name == "*disputed":
                    fields += [self[self.reason_field(record)] for record in self.disputed]
                else:
                    fields.append(self[name])
            groups.append((legend, hint, fields))
        return groups

    def clean_decided_on(self):
        decided_on = self.cleaned_data["decided_on"]
        if decided_on > timezone.localdate():
            raise forms.ValidationError(_("This is in the future: enter when it happened."))
        return decided_on

    def clean(self):
        cleaned = super().clean()
        framework = cleaned.get("framework")
        if framework == Framework.OTHER and not cleaned.get("framework_detail", "").strip():
            self.add_error("framework_detail", _("Say what the other framework was."))
        summary = cleaned.get("summary", "").strip()
        if cleaned.get("decision") == SharingDecision.NOT_SHARED:
            if not summary:
                self.add_error("summary", _("Write what was asked for."))
        elif cleaned.get("decision") == SharingDecision.SHARED:
            if not cleaned.get("entries") and not summary and "entries" not in self.errors:
                self.add_error("summary", _("Choose the entries shared, or write what was shared."))
            if not cleaned.get("lawful_basis"):
                self.add_error("lawful_basis", _("Choose the lawful basis for sharing."))
            elif (
                cleaned.get("lawful_basis") == LawfulBasis.CONSENT
                and cleaned.get("consent") != Consent.GIVEN
            ):
                self.add_error("lawful_basis", CONSENT_NOT_GIVEN)
            if not cleaned.get("method"):
                self.add_error("method", _("Say how the information was shared."))
            if (
                cleaned.get("consent") in {Consent.REFUSED, Consent.NOT_SOUGHT}
                and not cleaned.get("consent_reason", "").strip()
            ):
                self.add_error(
                    "consent_reason",
                    _("Say why it was shared without consent, or why consent was not sought."),
                )
            chosen = {record.pk for record in cleaned.get("entries") or ()}
            if not self.may_share_disputed:
                for record in self.all_disputed:
                    if record.pk in chosen:
                        self.add_error("entries", disputed_for_manager(record))
            for record in self.disputed:
                name = self.reason_field(record)
                if record.pk in chosen and not cleaned.get(name, "").strip():
                    self.add_error(name, _("Say why this disputed entry had to be shared."))
        return cleaned

    def service_fields(self) -> dict:
        data = {
            name: self.cleaned_data[name] for name in self.base_fields if name not in {"entries"}
        }
        data["entries"] = list(self.cleaned_data["entries"])
        data["disputed_reasons"] = {
            record.pk: self.cleaned_data.get(self.reason_field(record), "")
            for record in self.disputed
        }
        return data


class StatementForm(OneTimeForm):
    """A parent's statement on an entry (policy P11): who made it, when, how, their words.

    Given the people in the child's register and the entry's current statements to choose
    from (``__init__``); the service checks both again.
    """

    person = IdChoiceField(
        label=_("Who made the statement, if they are in the child's register"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("Someone not in the register (name them below)"),
    )
    made_by_name = forms.CharField(
        label=_("Or their name, when they are not in the register"),
        max_length=200,
        required=False,
        help_text=_("e.g. a solicitor making the statement for a parent."),
    )
    made_on = UKDateField(label=_("Made on"))
    taken_how = forms.ChoiceField(
        label=_("How it was taken"),
        choices=StatementTakenHow.choices,
        widget=forms.RadioSelect,
    )
    words = forms.CharField(
        label=_("Their words"),
        max_length=20_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Exactly as the parent put it: do not summarise or correct it."),
    )
    supersedes = IdChoiceField(
        label=_("Does this replace an earlier statement?"),
        queryset=ParentStatement.objects.none(),
        required=False,
        empty_label=_("No: this is a new statement"),
        help_text=_("The earlier statement is kept, marked as replaced by this one."),
    )

    def __init__(self, *args, record: Record, **kwargs):
        super().__init__(*args, **kwargs)
        self.record = record
        connections = {
            connection.person_id: connection
            for connection in ChildPerson.objects.current().filter(child_id=record.child_id)
        }

        def person_label(person: Person) -> str:
            connection = connections.get(person.pk)
            if connection is None:  # added to the register since the form was built
                return str(person)
            responsibility = (
                "parental responsibility"
                if connection.has_parental_responsibility
                else "no parental responsibility"
            )
            return f"{person} ({connection.get_relationship_display()}, {responsibility})"

        people = Person.objects.filter(
            connections__child_id=record.child_id, connections__ended_on__isnull=True
        )
        person_field = cast(IdChoiceField, self.fields["person"])
        person_field.queryset = people.order_by("last_name", "first_name", "pk")
        person_field.label_from_instance = person_label  # type: ignore[assignment]
        current = record.statements.filter(superseded_by__isnull=True).select_related("person")
        supersedes_field = cast(IdChoiceField, self.fields["supersedes"])
        supersedes_field.queryset = current
        supersedes_field.label_from_instance = lambda statement: (  # type: ignore[assignment]
            f"{statement.made_by}, {statement.made_on:%d/%m/%Y}: "
            f"“{Truncator(statement.words).words(12)}”"
        )
        if not current.exists():
            del self.fields["supersedes"]
        self.initial.setdefault("made_on", timezone.localdate())

    def clean_made_on(self):
        made_on = self.cleaned_data["made_on"]
        if made_on > timezone.localdate():
            raise forms.ValidationError(_("This is in the future: enter the day it was made."))
        if made_on < timezone.localdate(self.record.created_at):
            raise forms.ValidationError(
                _("This is before the entry was written: enter the day the statement was made.")
            )
        return made_on

    def clean(self):
        cleaned = super().clean()
        person, name = cleaned.get("person"), (cleaned.get("made_by_name") or "").strip()
        if person is None and not name and "person" not in self.errors:
            self.add_error("made_by_name", _("Choose who made the statement, or write their name."))
        if person is not None and name:
            self.add_error(
                "made_by_name", _("Choose someone from the register or write a name, not both.")
            )
        words = cleaned.get("words")
        if words is not None and not words.strip():
            self.add_error("words", _("Write down the parent's statement in their words."))
        return cleaned

    def service_fields(self) -> dict:
        return {
            "person": self.cleaned_data["person"],
            "made_by_name": self.cleaned_data["made_by_name"],
            "made_on": self.cleaned_data["made_on"],
            "taken_how": self.cleaned_data["taken_how"],
            "words": self.cleaned_data["words"],
            "supersedes": self.cleaned_data.get("supersedes"),
            "submission_key": self.cleaned_data["submission_key"],
        }
