"""Django's own password forms, saving through the logged service ``password_change``."""

from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm

from setting_records import services
from setting_records.models import User


class _SavedByTheService:
    cleaned_data: dict[str, str]

    def set_password_and_save(
        self, user: User, password_field_name: str = "password1", commit: bool = True
    ) -> User:
        # A person only ever sets their own password: here, the one who proved who they are.
        return services.password_change(
            user=user, new_password=self.cleaned_data[password_field_name], actor=user
        )


class OwnPasswordChangeForm(_SavedByTheService, PasswordChangeForm):
    """The change-password page: the old password, then the new one twice."""


class LinkSetPasswordForm(_SavedByTheService, SetPasswordForm):
    """The page a set-password link opens: the new password twice."""
