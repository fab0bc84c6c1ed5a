"""Django's own password forms, saving through the logged service ``password_change``."""

from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm

from setting_records import services
from setting_records.models import User


def _save(form: SetPasswordForm[User]) -> User:
    # A person only ever sets their own password: here, the one who proved who they are.
    return services.password_change(
        user=form.user, new_password=form.cleaned_data["new_password1"], actor=form.user
    )


class OwnPasswordChangeForm(PasswordChangeForm):
    """The change-password page: the old password, then the new one twice."""

    required_css_class = "required"  # as the admin's own form, which this one replaces there

    def save(self, commit: bool = True) -> User:
        return _save(self)


class LinkSetPasswordForm(SetPasswordForm[User]):
    """The page a set-password link opens: the new password twice."""

    def save(self, commit: bool = True) -> User:
        return _save(self)
