"""The logged writes of two-factor login: setting up, the second step, backup codes, resets.

Each takes the acting user, runs in one transaction and appends to the access log in it. The
device rows are django-otp's; its throttling counts wrong codes per device and makes each one
double the wait before the next try, so guessing a six-digit code is hopeless.
"""

import re
import time

from django.db import transaction
from django.utils import timezone
from django_otp import user_has_device
from django_otp.models import Device, VerifyNotAllowed
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from setting_records import access, access_log
from setting_records.errors import WorkflowError
from setting_records.models import AccessAction, Membership, Setting, User
from setting_records.two_factor.enrolment import candidate

# django-otp's static tokens: eight characters of lower-case base32.
BACKUP_CODE = re.compile(r"[a-z2-7]{8}")
WRONG_CODE = (
    "That code did not match. Check the clock on your phone is right, or use one of your "
    "backup codes."
)


def normalise(token: str) -> str:
    """Codes as people type them: spaces and hyphens between groups, any case."""
    return re.sub(r"[\s-]", "", token).lower()


def _device_for(user: User, token: str) -> Device | None:
    """The one device a code is meant for, locked so that two tries cannot both use it.

    Trying a code on every device in turn would count a failure against each one it did not
    match (django-otp's warning), so a backup code goes to the backup codes, anything else to
    the app.
    """
    kinds: list[type[Device]] = [TOTPDevice, StaticDevice]
    if BACKUP_CODE.fullmatch(token):
        kinds.reverse()
    for kind in kinds:
        device = kind.objects.devices_for_user(user, confirmed=True).select_for_update().first()
        if device is not None:
            return device
    return None


def second_step_pass(*, actor: User, token: str) -> Device:
    """Check a code from the app or a backup code; a backup code is then used up.

    Raises ``WorkflowError`` with a message for the person when the code is refused; the
    failure and the throttle it adds are kept (the exception is raised after the commit).
    """
    token = normalise(token)
    with transaction.atomic():
        device = _device_for(actor, token)
        if device is None:
            raise WorkflowError("You have not set up two-factor login yet.")
        allowed, extra = device.verify_is_allowed()
        if not allowed:
            error = _wait_message(extra or {})
        elif device.verify_token(token):
            access_log.append(
                action=AccessAction.TWO_FACTOR_PASSED,
                actor=actor,
                detail={"with": "backup code" if isinstance(device, StaticDevice) else "app"},
            )
            return device
        else:
            error = WRONG_CODE
            access_log.append(
                action=AccessAction.TWO_FACTOR_FAILED,
                actor=actor,
                detail={"failures in a row": device.throttling_failure_count},  # type: ignore[attr-defined]
            )
    raise WorkflowError(error)


def _wait_message(extra: dict) -> str:
    if extra.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS and "locked_until" in extra:
        until = timezone.localtime(extra["locked_until"])
        return f"Too many wrong codes. Wait until {until:%H:%M:%S}, then try again."
    return "Codes cannot be checked just now. Try again in a minute."


@transaction.atomic
def two_factor_enrol(*, actor: User, key: str, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the app the person has just added, and give them their first backup codes.

    Only for someone with no device yet: a password alone must never be enough to replace a
    device (that would step round the second factor), so a lost phone needs a manager's reset.
    """
    # One enrolment at a time for a person, so two tabs cannot add two apps.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    if user_has_device(actor):
        raise WorkflowError("Two-factor login is already set up for your account.")
    device = candidate(actor, key)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    token = normalise(token)
    # ASCII digits only: "²" is a digit to str.isdigit() but not to int().
    if not (token.isascii() and token.isdigit() and totp.verify(int(token), device.tolerance)):
        raise WorkflowError(
            "That code did not match. Type the six digits the app shows now; if it still does "
            "not match, check the clock on your phone is right."
        )
    device.confirmed = True
    # The code just used to confirm cannot be used again to log in.
    device.last_t = totp.t()
    device.drift = totp.drift
    device.save()
    access_log.append(action=AccessAction.TWO_FACTOR_CONFIRMED, actor=actor)
    return device, backup_codes_generate(actor=actor)


@transaction.atomic
def backup_codes_generate(*, actor: User) -> list[str]:
    """Ten new single-use codes for when the phone is not to hand; the old ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=actor, defaults={"name": "Backup codes", "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [device.token_set.create(token=StaticToken.random_token()).token for _ in range(10)]
    access_log.append(
        action=AccessAction.BACKUP_CODES_GENERATED, actor=actor, detail={"codes": len(codes)}
    )
    return codes


@transaction.atomic
def two_factor_reset(*, user: User, setting: Setting, actor: User) -> int:
    """A manager clears a member of staff's app and backup codes (a lost or new phone).

    The person sets up a new app at their next request; a session that passed the second step
    with the old device no longer counts as having passed it. Returns how many devices went.
    """
    if user.pk == actor.pk:
        raise WorkflowError("Ask another manager to reset your own two-factor login.")
    # A reset lets the person set up a new app with their password alone, at every setting
    # they work at: only someone who manages all of those may allow it, and never for a
    # superuser (whose second factor guards the admin).
    elsewhere = Membership.objects.filter(user=user, is_active=True).exclude(
        setting__in=access.managed_settings(actor)
    )
    if user.is_superuser or elsewhere.exists():
        raise WorkflowError(
            f"{user} also works where you are not the manager, so you cannot reset their "
            "two-factor login. Ask the administrator."
        )
    removed = 0
    for kind in (TOTPDevice, StaticDevice):
        removed += kind.objects.filter(user=user).delete()[1].get(kind._meta.label, 0)
    access_log.append(
        action=AccessAction.TWO_FACTOR_RESET,
        actor=actor,
        setting=setting,
        detail={"user": user.pk, "devices": removed},
    )
    return removed
