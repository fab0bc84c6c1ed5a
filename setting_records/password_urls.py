"""The password pages of ``django.contrib.auth.urls``, with forms that log and links to SITE_URL.

Listed before Django's own, which they replace under the same names and paths.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from setting_records.password_forms import LinkSetPasswordForm, OwnPasswordChangeForm
from setting_records.passwords import ConfiguredHostPasswordResetForm

urlpatterns = [
    path(
        "password_change/",
        auth_views.PasswordChangeView.as_view(form_class=OwnPasswordChangeForm),
        name="password_change",
    ),
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(
            form_class=ConfiguredHostPasswordResetForm,
            email_template_name="registration/password_reset_email.txt",
        ),
        name="password_reset",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=LinkSetPasswordForm),
        name="password_reset_confirm",
    ),
]
