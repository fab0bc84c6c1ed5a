import os

import pytest

from setting_records.models import Role, Setting, User
from setting_records.services import membership_add

# Browser tests drive the live server from Playwright's event loop; Django's database
# fixtures would otherwise refuse to run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def access_log_anchor(settings, tmp_path):
    # Each test anchors the access log's head in its own directory, never another's or the real one.
    settings.ACCESS_LOG_ANCHOR = tmp_path / "access-log-anchor.json"
    return settings.ACCESS_LOG_ANCHOR


def make_staff(setting: Setting, username: str, role: str = Role.PRACTITIONER) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, first_name=username.capitalize()
    )
    membership_add(user=user, setting=setting, role=role, actor=None)
    return user


@pytest.fixture
def setting(db) -> Setting:
    # The nursery most tests happen in.
    return Setting.objects.create(name="Little Acorns Nursery", ofsted_urn="EY100001")


@pytest.fixture
def other_setting(db) -> Setting:
    # Another nursery of the same group on the same deployment: nothing crosses between them.
    return Setting.objects.create(name="Riverside Pre-School", ofsted_urn="EY100002")


@pytest.fixture
def manager(setting) -> User:
    # manager runs the setting: sees every child and record there.
    return make_staff(setting, "manager", Role.MANAGER)


@pytest.fixture
def practitioner(setting) -> User:
    # practitioner works at the setting as a member of staff.
    return make_staff(setting, "practitioner")


@pytest.fixture
def outsider(setting) -> User:
    # outsider works at the setting but cares for no child: sees nothing.
    return make_staff(setting, "outsider")


@pytest.fixture
def othermanager(other_setting) -> User:
    # othermanager manages the other setting: a stranger to this one.
    return make_staff(other_setting, "othermanager", Role.MANAGER)


@pytest.fixture
def superuser(db) -> User:
    # superuser sets the deployment up in the admin; gets nothing extra in the app.
    return User.objects.create_superuser(username="root", password=PASSWORD, email="root@x.org")
