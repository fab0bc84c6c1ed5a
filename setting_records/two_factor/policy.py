"""Who must give a code after their password.

Managers read every sensitive entry of their setting, so their accounts need more than a
password (the ICO's guidance on security under UK GDPR Art. 32 names multi-factor
authentication for access to special category data). The rule, checked on every request:
- every active manager;
- every member of staff at a setting that requires it for all roles;
- superusers, whose admin can change who works where;
- anyone who has set up a device, even voluntarily: having one means it is always asked for.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from setting_records.models import Membership, Role, User


@dataclass(frozen=True)
class SecondFactor:
    required: bool
    has_device: bool


def second_factor(user: User) -> SecondFactor:
    """One query: whether ``user`` must pass the second step, and whether they can yet."""
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            obliged=Exists(
                Membership.objects.filter(user=OuterRef("pk"), is_active=True).filter(
                    Q(role=Role.MANAGER) | Q(setting__require_two_factor_for_all=True)
                )
            ),
            has_app=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            has_codes=Exists(StaticDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        )
        .values_list("is_superuser", "obliged", "has_app", "has_codes")
        .first()
    )
    if row is None:
        return SecondFactor(required=False, has_device=False)
    is_superuser, obliged, has_app, has_codes = row
    has_device = has_app or has_codes
    return SecondFactor(required=is_superuser or obliged or has_device, has_device=has_device)


def is_verified(user: User) -> bool:
    """True once this session has passed the second step (django-otp's middleware says)."""
    return bool(getattr(user, "is_verified", lambda: False)())
