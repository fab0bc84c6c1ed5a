import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children.models import (
    CHILD_FIELDS,
    Child,
    ChildPerson,
    Person,
    Record,
    Sensitivity,
    Source,
)
from setting_records.fields import IdChoiceField, IdMultipleChoiceField, id_formfield
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
        self.fields["room"].queryset = setting.rooms.all()
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


class ConnectionForm(forms.ModelForm):
    """A new person entered in a child's register, with how they are connected."""

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
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

    PERSON_FIELDS = (
        "first_name",
        "last_name",
        "organisation",
        "email",
        "phone",
        "address",
        "preferred_language",
        "interpreter_needed",
    )

    class Meta:
        model = ChildPerson
        formfield_callback = id_formfield
        fields = [
            "relationship",
            "has_parental_responsibility",
            "pr_evidence",
            "pr_evidence_note",
            "restriction",
            "lives_with_child",
        ]
        widgets = {"restriction": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("has_parental_responsibility") and not cleaned.get("pr_evidence"):
            self.add_error(
                "pr_evidence",
                _("Record the evidence of parental responsibility that was seen."),
            )
        if cleaned.get("pr_evidence") and not cleaned.get("has_parental_responsibility"):
            self.add_error(
                "has_parental_responsibility",
                _("Evidence of parental responsibility was chosen: tick this box, or clear it."),
            )
        return cleaned

    def person(self, *, family) -> Person:
        return Person(
            family=family, **{name: self.cleaned_data[name] for name in self.PERSON_FIELDS}
        )

    def connection_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
