import datetime
from typing import cast

from django import forms
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from children.models import (
    CHILD_FIELDS,
    Child,
    ChildPerson,
    ParentStatement,
    Person,
    Record,
    Sensitivity,
    Source,
    StatementTakenHow,
)
from setting_records.fields import IdChoiceField, IdMultipleChoiceField, id_formfield
from setting_records.models import User

CONFIDENTIALITY_CHOICES = [
    ("", _("Not checked yet")),
    ("yes", _("Yes: shared in confidence")),
    ("no", _("No: not confidential")),
]


class ChildSearchForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    room = forms.TypedChoiceField(label=_("Room"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, rooms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = [("", _("All rooms"))] + [(r.pk, str(r)) for r in rooms]


class RecordForm(forms.ModelForm):
    third_party_confidential = forms.ChoiceField(
        label=_("Did the third party share this in confidence?"),
        choices=CONFIDENTIALITY_CHOICES,
        required=False,
        help_text=_(
            "Check with the third party, for them and for the person it concerns. Whoever "
            "answers this is recorded as having checked, with the date."
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Radio buttons and the kind list offer real choices only, with no empty "----" entry.
        for name in ("kind", "sensitivity", "nature", "source"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0] != ""]
        self.fields["occurred_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        if self.instance.pk and self.instance.third_party_confidential is not None:
            self.initial["third_party_confidential"] = (
                "yes" if self.instance.third_party_confidential else "no"
            )
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
        if (
            cleaned.get("source") == Source.THIRD_PARTY
            and cleaned.get("third_party_confidential") == "yes"
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
        answer = self.cleaned_data.get("third_party_confidential", "")
        data["third_party_confidential"] = {"yes": True, "no": False}.get(answer)
        return data


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


class StatementForm(forms.Form):
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
    made_on = forms.DateField(
        label=_("Made on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
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
            for connection in ChildPerson.objects.filter(child_id=record.child_id)
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

        people = Person.objects.filter(connections__child_id=record.child_id)
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
        }
