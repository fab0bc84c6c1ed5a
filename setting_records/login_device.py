"""Device cookies: a browser a user has signed in from before is not slowed down for them.

The per-username slow-down (``login_throttle``) lets through one attempt per delay, whoever
makes it, so a stranger with many addresses can take every one and the manager never gets a
turn. OWASP's answer (*Slow Down Online Guessing Attacks with Device Cookies*, in the
Authentication Cheat Sheet): after a successful password step the browser gets a signed cookie
saying "this browser has signed in as this user"; an attempt for that user that presents it
skips the slow-down. It still meets django-axes' per-(username, address) lockout, and the
second factor is unchanged.

- The cookie is signed (``django.core.signing``, with its own salt and timestamp, valid for
  ``LOGIN_DEVICE_COOKIE_DAYS``), HttpOnly, Secure outside ``DEBUG``, SameSite=Lax and sent
  only to the login page. It holds a keyed hash of the username (not the name itself: the
  cookie is signed, not encrypted) and a random id for this browser.
- One cookie per user, named after that hash, so that people sharing an office computer each
  keep theirs.
- A stolen cookie must not become a way round the slow-down: every attempt that uses it takes
  one of its ``LOGIN_DEVICE_FAILURE_LIMIT`` turns (``DeviceCookieFailures``), counted under a row
  lock BEFORE the password is checked, so attempts sent all at once cannot share a turn. A
  success gives the browser a fresh cookie with a new id and a full set of turns, so only
  attempts that fail use the turns up; the old cookie's count is kept, as it may still be in
  someone else's hands.
"""

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from setting_records.axes_username import normalise
from setting_records.models import DeviceCookieFailures, User

SALT = "setting_records.login_device"
COOKIE_PREFIX = "login_device_"


def lifetime() -> timedelta:
    return timedelta(days=settings.LOGIN_DEVICE_COOKIE_DAYS)


def _user_mark(username: str) -> str:
    return salted_hmac(SALT, username, algorithm="sha256").hexdigest()


def cookie_name(username: str) -> str:
    return COOKIE_PREFIX + _user_mark(username)[:16]


def remember(response: HttpResponse, *, user: User) -> None:
    """Give the browser a fresh device cookie for ``user``, who has just typed their password."""
    username = user.get_username()
    value = signing.dumps(
        {"user": _user_mark(username), "device": secrets.token_hex(16)}, salt=SALT
    )
    response.set_cookie(
        cookie_name(username),
        value,
        max_age=int(lifetime().total_seconds()),
        path=reverse("login"),
        secure=not settings.DEBUG,
        httponly=True,
        samesite="Lax",
    )


def _device_in(value: str, username: str) -> str | None:
    """The browser's id from a genuine, unexpired cookie made for ``username``; else ``None``."""
    try:
        payload = signing.loads(value, salt=SALT, max_age=lifetime())
    except signing.BadSignature:  # a forged, altered or expired cookie
        return None
    if not isinstance(payload, dict):
        return None
    mark, device = payload.get("user"), payload.get("device")
    if not isinstance(mark, str) or not isinstance(device, str):
        return None
    return device if constant_time_compare(mark, _user_mark(username)) else None


def trusted_device(request: HttpRequest, typed: Any) -> str | None:
    """The id of the device cookie this attempt presents for the username typed, if it spares
    the attempt the slow-down; taking that spares it uses one of the cookie's turns."""
    username = normalise(typed)
    value = request.COOKIES.get(cookie_name(username))
    device = _device_in(value, username) if value else None
    if device is None or not _take_turn(device):
        return None
    return device


@transaction.atomic
def _take_turn(device: str) -> bool:
    """Use one of the cookie ``device``'s turns, under a row lock; False when none is left."""
    now = timezone.now()
    # A cookie is spent by age at the latest; its count is of no use after that.
    DeviceCookieFailures.objects.filter(first_failure_at__lt=now - lifetime()).delete()
    turns, _ = DeviceCookieFailures.objects.select_for_update().get_or_create(
        device=device, defaults={"failures": 0, "first_failure_at": now}
    )
    if turns.failures >= settings.LOGIN_DEVICE_FAILURE_LIMIT:
        return False
    turns.failures = F("failures") + 1
    turns.save(update_fields=["failures"])
    return True
