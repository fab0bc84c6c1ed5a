"""A per-username slow-down of login attempts, beside django-axes' per-(username, address) lockout.

The lockout stops one address guessing one account's password; it does nothing against many
addresses guessing the same account, and locking the account itself would let any stranger keep
a manager out. So failures for one username from every address together slow that username's
attempts down instead: past ``LOGIN_THROTTLE_AFTER`` failures, the next attempt must wait a
delay that doubles with each further failure, from ``LOGIN_THROTTLE_BASE_SECONDS`` to at most
``LOGIN_THROTTLE_MAX_SECONDS`` after the last failure. However many strangers try, the right
password is checked at least once in every such period (NCSC, *Password policy guidance*:
throttle rather than lock; OWASP Authentication Cheat Sheet, *Login throttling*).

The failures are axes' own ``AccessAttempt`` rows (one per username, address and browser, kept
for the cool-off after their last failure), so nothing is stored twice. Axes holds only a keyed
hash of each username (``axes_username``), so they are looked up by that hash.

A browser that has signed in as the user before (a valid device cookie, ``login_device``) is
not slowed down: however many strangers take the turns, the manager at their usual computer
still gets in.

A refused attempt is not a failure: it is handed to axes as "locked out" (``axes_locked_out``),
which with ``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT`` off neither records it nor moves
the last failure's time, so knocking while slowed down cannot stretch the delay. Axes' middleware
then answers with its lockout page, which names the wait.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.utils import timezone

from setting_records import login_device
from setting_records.axes_username import for_axes


class LoginThrottled(PermissionDenied):
    """This username has failed too often lately; the attempt was refused unchecked."""


@dataclass(frozen=True)
class Failures:
    count: int
    last: datetime | None


def recent_failures(username: str) -> Failures:
    """Failures for ``username`` (as typed) from every address, within axes' cool-off."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(username=for_axes(username), attempt_time__gte=since)
    totals = attempts.aggregate(count=Sum("failures_since_start"), last=Max("attempt_time"))
    return Failures(count=totals["count"] or 0, last=totals["last"])


def delay_after(failures: int) -> timedelta:
    """The wait after the last failure before ``failures`` allow another attempt; capped."""
    beyond = failures - settings.LOGIN_THROTTLE_AFTER
    if beyond < 0:
        return timedelta(0)
    # Doubling from the base; past the cap the exponent need not grow any further.
    ceiling = settings.LOGIN_THROTTLE_MAX_SECONDS
    doublings = min(beyond, max(ceiling, 1).bit_length())
    return timedelta(seconds=min(settings.LOGIN_THROTTLE_BASE_SECONDS * 2**doublings, ceiling))


def seconds_to_wait(username: str) -> int:
    """Whole seconds before ``username`` may be tried again; 0 when it may be tried now."""
    failures = recent_failures(username)
    if failures.last is None:
        return 0
    remaining = failures.last + delay_after(failures.count) - timezone.now()
    return max(0, math.ceil(remaining.total_seconds()))


class LoginThrottleBackend:
    """Refuses, before any password check, an attempt for a username that must wait, unless
    it comes from a browser that username has signed in from before.

    Listed in ``AUTHENTICATION_BACKENDS`` after axes' backend and before the one that checks
    passwords. It never signs anyone in itself, so it has no ``get_user`` (which would also make
    the test client's ``force_login`` choose it as the session's backend).
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, **kwargs: object
    ) -> None:
        if request is None or not username:
            return None
        device = login_device.trusted_device(request, username)
        if device is not None:
            # Read if the password turns out wrong, to count it against the cookie.
            request.login_device = device  # type: ignore[attr-defined]
            return None
        wait = seconds_to_wait(str(username))
        if wait:
            # Read by axes (no failure recorded) and by the lockout page (the wait).
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.login_throttle_seconds = wait  # type: ignore[attr-defined]
            raise LoginThrottled(f"Too many attempts for this username; wait {wait} seconds.")
        return None
