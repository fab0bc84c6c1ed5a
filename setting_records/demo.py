"""Demo settings and staff for ``seed_demo``; other apps add their own demo data on top."""

from dataclasses import dataclass

from django.db import transaction

from setting_records.models import Membership, Role, Setting, User

DEFAULT_PASSWORD = "demo-pass-2026"  # noqa: S105 - the documented demo password


@dataclass(frozen=True)
class DemoStaff:
    manager: User
    keyperson: User
    practitioner: User
    outsider: User
    othermanager: User
    first_setting: Setting
    second_setting: Setting


def _user(username: str, first: str, last: str, password: str) -> User:
    user = User(
        username=username, first_name=first, last_name=last, email=f"{username}@example.org"
    )
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def create_staff(*, password: str) -> DemoStaff:
    first = Setting.objects.create(
        name="Little Acorns Nursery",
        ofsted_urn="EY123456",
        address="12 Oak Lane\nHebden Bridge\nHX7 8AB",
    )
    second = Setting.objects.create(
        name="Riverside Pre-School",
        ofsted_urn="EY654321",
        address="3 Mill Street\nTodmorden\nOL14 5AA",
    )
    manager = _user("manager", "Margaret", "Okafor", password)
    keyperson = _user("keyperson", "Kirsty", "Patel", password)
    practitioner = _user("practitioner", "Priya", "Evans", password)
    outsider = _user("outsider", "Owen", "Hughes", password)
    othermanager = _user("othermanager", "Olu", "Adeyemi", password)
    for user, setting, role in [
        (manager, first, Role.MANAGER),
        (keyperson, first, Role.PRACTITIONER),
        (practitioner, first, Role.PRACTITIONER),
        (outsider, first, Role.PRACTITIONER),
        (othermanager, second, Role.MANAGER),
    ]:
        Membership.objects.create(user=user, setting=setting, role=role)
    return DemoStaff(manager, keyperson, practitioner, outsider, othermanager, first, second)
