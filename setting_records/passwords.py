"""Set-password links, built on Django's password-reset machinery, pointing at ``SITE_URL``.

Nobody sets another person's password: an administrator (or, later, a manager) sends a link,
and its owner chooses the password. Every link is built from the configured ``SITE_URL``, never
from the request's ``Host`` header, which whoever sends the request chooses: a link built from
it would carry the reset token to their server (OWASP "Forgot Password Cheat Sheet", on
host header injection).
"""

import logging
import unicodedata
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from setting_records.models import User

logger = logging.getLogger(__name__)

SITE_NAME = "Setting Records"


def _site() -> tuple[str, str]:
    """The configured scheme and host (with any port), e.g. ``("https", "records.example.org")``."""
    parts = urlsplit(settings.SITE_URL)
    return parts.scheme, parts.netloc


def link_context(user: User) -> dict[str, object]:
    """What the email templates need, the same names Django's ``PasswordResetForm`` gives them."""
    protocol, domain = _site()
    return {
        "email": user.email,
        "domain": domain,
        "site_name": SITE_NAME,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": protocol,
        "valid_days": settings.PASSWORD_RESET_TIMEOUT // (60 * 60 * 24),
    }


def send_set_password_link(user: User, *, new_account: bool, sent_by: User) -> bool:
    """Email ``user`` a one-use link to choose their password; False when the mail failed.

    The failure is logged rather than raised, so that the caller can say so in plain words.
    """
    context = link_context(user) | {"new_account": new_account, "sent_by": sent_by}
    subject = render_to_string("registration/set_password_subject.txt", context)
    body = render_to_string("registration/set_password_email.txt", context)
    message = EmailMessage("".join(subject.splitlines()), body, to=[user.email])
    try:
        message.send()
    except OSError:  # smtplib's errors are OSErrors too
        logger.exception("Could not send a set-password link to user %s", user.pk)
        return False
    return True


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


class ConfiguredHostPasswordResetForm(PasswordResetForm):
    """The public "forgotten your password" form, with links to ``SITE_URL`` whatever the Host.

    Active accounts that have not chosen a password yet (a new account whose first link ran
    out) may ask for a link too; Django's form leaves them out. Deactivated accounts may not.
    """

    def get_users(self, email):
        field = User.get_email_field_name()
        active = User._default_manager.filter(**{f"{field}__iexact": email, "is_active": True})
        # The exact match Django's own form makes, so that a look-alike address is not enough.
        return (user for user in active if _folded(getattr(user, field)) == _folded(email))

    def save(self, *args, **kwargs) -> None:
        protocol, domain = _site()
        kwargs["domain_override"] = domain
        kwargs["use_https"] = protocol == "https"
        kwargs["extra_email_context"] = {
            **(kwargs.get("extra_email_context") or {}),
            "site_name": SITE_NAME,
            "valid_days": settings.PASSWORD_RESET_TIMEOUT // (60 * 60 * 24),
        }
        super().save(*args, **kwargs)
