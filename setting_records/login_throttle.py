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

Only one attempt per delay is let through, even when many arrive at the same moment: letting
one through takes the username's turn (``LoginTurn``) under a row lock before the password is
checked, and the next turn comes a delay later.

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
from django.db import transaction
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.utils import timezone

from setting_records import login_device
from setting_records.axes_username import for_axes
from setting_records.models import LoginTurn


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


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(0, math.ceil((moment - now).total_seconds()))


def seconds_to_wait(username: str) -> int:
    """Whole seconds before ``username`` may be tried again; 0 when it may be tried now."""
    failures = recent_failures(username)
    delay = delay_after(failures.count)
    if failures.last is None or not delay:
        return 0
    turn = LoginTurn.objects.filter(username=for_axes(username)).first()
    earliest = max(failures.last + delay, turn.next_at) if turn else failures.last + delay
    return _seconds_until(earliest, timezone.now())


@transaction.atomic
def take_turn(username: str) -> int:
    """Let this attempt for ``username`` have its password checked, or say how long to wait.

    0 means it may go on, and the username's next turn is a delay from now; otherwise the whole
    seconds to wait, and nothing changed. While the username is not slowed down, every attempt
    may go on and nothing is written.
    """
    failures = recent_failures(username)
    delay = delay_after(failures.count)
    if failures.last is None or not delay:
        return 0
    now = timezone.now()
    LoginTurn.objects.filter(next_at__lt=now - settings.AXES_COOLOFF_TIME).delete()
    turn, _ = LoginTurn.objects.select_for_update().get_or_create(
        username=for_axes(username), defaults={"next_at": now}
    )
    wait = _seconds_until(max(failures.last + delay, turn.next_at), now)
    if wait:
        return wait
    turn.next_at = now + delay
    turn.save(update_fields=["next_at"])
    return 0


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
        if login_device.trusted_device(request, username) is not None:
            return None
        wait = take_turn(str(username))
        if wait:
            # Read by axes (no failure recorded) and by the lockout page (the wait).
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.login_throttle_seconds = wait  # type: ignore[attr-defined]
            raise LoginThrottled(f"Too many attempts for this username; wait {wait} seconds.")
        return None
