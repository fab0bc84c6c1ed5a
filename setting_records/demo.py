"""Demo settings and staff for ``seed_demo``; other apps add their own demo data on top."""

import base64
from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from setting_records.history import save_as
from setting_records.models import Role, Setting, User
from setting_records.services import membership_add

DEFAULT_PASSWORD = "demo-pass-2026"  # noqa: S105 - the documented demo password
# The demo managers' authenticator key (base32, as apps take it), documented in the README.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105
# A code for it now, without a phone: what seed_demo prints and the README shows.
DEMO_CODE_COMMAND = (
    ".venv/bin/python -c 'import base64; from django_otp.oath import totp; "
    f'print("%06d" % totp(base64.b32decode("{DEMO_TOTP_SECRET}")))\''
)


@dataclass(frozen=True)
class DemoStaff:
    manager: User
    keyperson: User
    practitioner: User
    outsider: User
    othermanager: User
    first_setting: Setting
    second_setting: Setting


def _user(username: str, first: str, last: str, password: str, actor: User | None) -> User:
    user = User(
        username=username, first_name=first, last_name=last, email=f"{username}@example.org"
    )
    user.set_password(password)
    save_as(user, actor=actor, reason="Demo account")
    return user


def staff_member_add(
    *,
    username: str,
    first_name: str,
    last_name: str,
    password: str,
    setting: Setting,
    actor: User | None,
    role: str = Role.PRACTITIONER,
) -> User:
    """One more demo user on a setting's staff, for the apps that add demo data of their own."""
    user = _user(username, first_name, last_name, password, actor)
    membership_add(user=user, setting=setting, role=role, actor=actor)
    return user


@transaction.atomic
def create_staff(*, password: str) -> DemoStaff:
    # The first account has no one to create it: its creation is recorded as its own.
    manager = _user("manager", "Margaret", "Okafor", password, actor=None)
    manager.history.update(history_user_id=manager.pk)
    first, second = (
        Setting(name=name, ofsted_urn=urn, address=address)
        for name, urn, address in [
            ("Little Acorns Nursery", "EY123456", "12 Oak Lane\nHebden Bridge\nHX7 8AB"),
            ("Riverside Pre-School", "EY654321", "3 Mill Street\nTodmorden\nOL14 5AA"),
        ]
    )
    for setting in (first, second):
        save_as(setting, actor=manager, reason="Demo setting")
    keyperson = _user("keyperson", "Kirsty", "Patel", password, manager)
    practitioner = _user("practitioner", "Priya", "Evans", password, manager)
    outsider = _user("outsider", "Owen", "Hughes", password, manager)
    othermanager = _user("othermanager", "Olu", "Adeyemi", password, manager)
    for user, setting, role in [
        (manager, first, Role.MANAGER),
        (keyperson, first, Role.PRACTITIONER),
        (practitioner, first, Role.PRACTITIONER),
        (outsider, first, Role.PRACTITIONER),
        (othermanager, second, Role.MANAGER),
    ]:
        membership_add(user=user, setting=setting, role=role, actor=manager)
    for demo_manager in (manager, othermanager):
        _authenticator(demo_manager)
    return DemoStaff(manager, keyperson, practitioner, outsider, othermanager, first, second)


def _authenticator(user: User) -> TOTPDevice:
    """The demo manager's app, already set up with the documented key (django-otp keeps hex)."""
    return TOTPDevice.objects.create(
        user=user,
        name="Authenticator app",
        key=base64.b32decode(DEMO_TOTP_SECRET).hex(),
        confirmed=True,
    )
