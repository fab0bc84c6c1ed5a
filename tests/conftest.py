import os

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from setting_records.models import Role, Setting, User
from setting_records.services import membership_add
from setting_records.two_factor.testing import pass_second_step

# Browser tests drive the live server from Playwright's event loop; Django's database
# fixtures would otherwise refuse to run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def access_log_anchor(settings, tmp_path_factory):
    # Each test anchors the access log's head in its own directory (not its tmp_path, which is
    # the test's to fill), never another test's or the real one.
    settings.ACCESS_LOG_ANCHOR = tmp_path_factory.mktemp("anchor") / "access-log-anchor.json"
    return settings.ACCESS_LOG_ANCHOR


def add_authenticator(user: User) -> TOTPDevice:
    """A confirmed authenticator app for ``user``, with a random key."""
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def current_code(key: bytes | TOTPDevice) -> str:
    """The six digits an authenticator app with this key (or device) shows now."""
    return f"{totp(key.bin_key if isinstance(key, TOTPDevice) else key):06d}"


class SecondFactorClient(Client):
    """``force_login`` logs in all the way: with the second factor too, for those who need it."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        pass_second_step(self, user)


@pytest.fixture
def client() -> Client:
    # Logged in as a page sees it once logged in; tests of the second step use unverified_client.
    return SecondFactorClient()


@pytest.fixture
def unverified_client() -> Client:
    # force_login gives the password step only: a manager is then asked for a code.
    return Client()


@pytest.fixture
def password_only():
    # A fresh session for a user, past the password step only (another browser, say).
    def log_in(user: User) -> Client:
        session = Client()
        session.force_login(user)
        return session

    return log_in


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
