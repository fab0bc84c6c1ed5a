"""What django-axes keeps of a typed username: a keyed hash, never the text.

Axes records every failed attempt (``AccessAttempt``, and ``AccessFailureLog`` or ``AccessLog``
when switched on) under the username it was given, and those tables are shown in the admin and
copied into every backup. People type their password into the username box, and a stored
password is the one thing the sign-in records must never hold (issue 10; UK GDPR Art. 5(1)(c)
and 32). So axes is given, through ``AXES_USERNAME_CALLABLE``, only the HMAC of the typed name
under the access log's key (``log_key``), with a purpose of its own so that the value can never
be matched against the access log's hashes. It still identifies one username exactly, which is
all the lockout and the slow-down need; a hex SHA-256 also fits axes' 255-character column
whatever was typed.

Whatever looks axes' rows up by username (``login_throttle``) goes through ``for_axes`` too.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import UsernameField
from django.http import HttpRequest

from setting_records import log_key

PURPOSE = "axes-username"


def normalise(typed: Any) -> str:
    """The username as Django's login form hands it on: stripped and NFKC-normalised."""
    return str(UsernameField().to_python(typed))


def for_axes(typed: Any) -> str | None:
    """The value axes stores and filters by for ``typed``; ``None`` when nothing was typed."""
    if typed is None:
        return None
    return log_key.mac(PURPOSE, normalise(typed))


def hashed_username(request: HttpRequest | None, credentials: dict | None = None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: where axes would read the name, hashed.

    Axes reads the credentials passed to ``authenticate()`` when it has them (already cleaned
    by the login form), and otherwise the posted form itself.
    """
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    if credentials:
        return for_axes(credentials.get(field))
    data = getattr(request, "data", None) or getattr(request, "POST", {})
    return for_axes(data.get(field))
