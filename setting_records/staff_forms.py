"""The managers' staff forms (``staff_views``). Nobody's password is asked for or shown here:
its owner chooses it through the emailed link."""

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from setting_records import access, services
from setting_records.fields import IdChoiceField
from setting_records.models import Membership, Role, Setting, User

# The username is the email address, and a username holds 150 characters at most.
EMAIL_MAX_LENGTH = 150


def _setting_field(settings: QuerySet[Setting]) -> IdChoiceField:
    field = IdChoiceField(label=_("Setting"), queryset=settings, empty_label=None)
    if len(settings) == 1:
        # One setting to choose from: nothing to ask.
        field.widget = forms.HiddenInput()
        field.initial = settings[0].pk
    return field


class InviteForm(forms.Form):
    """A new member of staff. An address that already has an account is never a second account:
    when it is staff of another setting this manager manages, ``existing`` names them, for the
    page to offer adding them here instead; otherwise nothing about it is said."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("Email address"),
        max_length=EMAIL_MAX_LENGTH,
        help_text=_("The link to choose a password is sent here. They log in with it too."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, widget=forms.RadioSelect)

    def __init__(self, *args, viewer: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.existing: User | None = None
        self.offer_add = False
        self.fields["setting"] = _setting_field(access.managed_settings(viewer))

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        email, setting = cleaned.get("email"), cleaned.get("setting")
        if not email or setting is None:
            return cleaned
        taken = services.email_taken(email)
        if taken is None:
            return cleaned
        # Only what this manager may see already: the account's places at their own settings.
        places = list(access.visible_staff(self.viewer).filter(user=taken))
        here = next((p for p in places if p.setting_id == setting.pk), None)
        places = [p for p in places if p.is_active]
        if here is not None and here.is_active:
            self.add_error("email", f"{taken} is already on the staff of {setting}.")
        elif here is not None:
            self.add_error(
                "email",
                f"{taken} left {setting}. Give them their place back from their page instead.",
            )
            self.existing = taken
        elif places:
            self.add_error(
                "email",
                f"{taken} already has an account, as staff of {places[0].setting}. "
                f"Add them to {setting} instead of inviting them.",
            )
            self.existing = taken
            self.offer_add = True
        else:
            self.add_error(
                "email",
                "This email address cannot be used for a new account. Check it, or use "
                "another address for them.",
            )
        return cleaned


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, widget=forms.RadioSelect)


class AddExistingForm(forms.Form):
    """Someone already on the staff of one setting this manager manages joins another."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, widget=forms.RadioSelect)

    def __init__(self, *args, viewer: User, member: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        elsewhere = Membership.objects.filter(user=member).values("setting_id")
        self.fields["setting"] = _setting_field(
            access.managed_settings(viewer).exclude(pk__in=elsewhere)
        )
