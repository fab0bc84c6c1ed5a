import io
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, TestCase, override_settings
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


@dataclass(frozen=True)
class SeededDemo:
    """Where the module's one run of seed_demo left its files: the released packs (MEDIA_ROOT)
    and the access log's anchor."""

    media_root: Path
    anchor: Path


@pytest.fixture(scope="module")
def seeded_demo(
    request, django_db_setup, django_db_blocker, tmp_path_factory
) -> Iterator[SeededDemo]:
    """``seed_demo`` once for a whole module (it takes seconds) whose tests read the demo.

    The demo is written inside a transaction opened here and rolled back when the module ends,
    so no other module ever sees it. Each test still runs in its own savepoint inside it (the
    ``db`` fixture's, as usual), rolled back after the test, so the tests of the module cannot
    see each other's changes either; ``demo_files`` gives each test its own copy of the demo's
    files. Every test of the module must use this fixture (checked here): one that did not would
    find the demo there all the same.
    """
    module = request.module
    strangers = [
        item.name
        for item in request.session.items
        if item.module is module and "seeded_demo" not in item.fixturenames
    ]
    assert not strangers, f"{module.__name__}: tests that do not use seeded_demo: {strangers}"
    files = tmp_path_factory.mktemp("seeded-demo")
    seeded = SeededDemo(media_root=files / "media", anchor=files / "anchor.json")
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(MEDIA_ROOT=seeded.media_root, ACCESS_LOG_ANCHOR=seeded.anchor),
        ):
            # Run what seed_demo's commit would (the access log's anchor), then forget those
            # callbacks as a commit does: the tests' own writes register their own.
            with TestCase.captureOnCommitCallbacks(execute=True):
                call_command("seed_demo", stdout=io.StringIO())
            del connection.run_on_commit[:]
        yield seeded
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo_files(seeded_demo, db, settings, tmp_path, access_log_anchor) -> SeededDemo:
    """This test's own copy of the seeded demo's files, where the settings point."""
    settings.MEDIA_ROOT = tmp_path / "demo-media"
    if seeded_demo.media_root.exists():
        shutil.copytree(seeded_demo.media_root, settings.MEDIA_ROOT)
    if seeded_demo.anchor.exists():
        shutil.copyfile(seeded_demo.anchor, access_log_anchor)
    return SeededDemo(media_root=settings.MEDIA_ROOT, anchor=access_log_anchor)
