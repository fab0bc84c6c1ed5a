"""Sign-in events in the access log: no typed text kept, lockouts counted rather than logged
one row per attempt."""

import datetime

import pytest
from axes.utils import reset
from django.utils import timezone

from setting_records import axes_username, log_key, login_log
from setting_records.models import AccessAction, AccessLogEntry, LockoutTally
from tests.conftest import PASSWORD

SIGN_IN = [
    AccessAction.LOGIN,
    AccessAction.LOGIN_FAILED,
    AccessAction.LOGOUT,
    AccessAction.LOCKED_OUT,
    AccessAction.LOCKOUT_ATTEMPTS,
]


def rows() -> list:
    """The sign-in rows (setting up the named users logs their memberships too)."""
    entries = AccessLogEntry.objects.filter(action__in=SIGN_IN).order_by("id")
    return list(entries.values("action", "actor", "detail"))


def log_in(client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def everything_stored() -> str:
    """Every place a sign-in event could leave text: the log and the lockout tallies."""
    return str(rows()) + str(list(LockoutTally.objects.values()))


def test_an_unknown_username_is_kept_only_as_a_keyed_hash(client, db):
    # Someone typed their password into the username box.
    typed = "my-secret-Password-2026"
    log_in(client, typed, "anything")
    assert rows() == [
        {
            "action": AccessAction.LOGIN_FAILED,
            "actor": None,
            "detail": {"username_hmac": log_key.mac("username", typed)},
        }
    ]
    assert typed not in everything_stored()
    assert typed.lower() not in everything_stored().lower()


def test_the_same_unknown_name_hashes_alike_and_others_do_not(client, db):
    for typed in ("intruder", "intruder", "Intruder"):
        log_in(client, typed, "anything")
    hashes = [row["detail"]["username_hmac"] for row in rows()]
    assert hashes[0] == hashes[1] != hashes[2]


def test_a_known_username_is_logged_as_the_user_with_nothing_typed(client, practitioner):
    log_in(client, "practitioner", "wrong-password")
    assert rows() == [
        {"action": AccessAction.LOGIN_FAILED, "actor": practitioner.pk, "detail": {}},
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["nul\x00byte", "lone\ud800surrogate", "x" * 5000, "", None])
def test_hostile_usernames_are_hashed_not_looked_up(typed):
    """Called as the signal would be: nothing a username cannot be reaches the database."""
    login_log.login_failed(username=typed, refused_by_lockout=False)
    login_log.locked_out(username=typed, ip_address="192.0.2.1")
    actions = [row["action"] for row in rows()]
    assert actions == [AccessAction.LOGIN_FAILED, AccessAction.LOCKED_OUT]
    assert all(row["actor"] is None for row in rows())


def test_a_lockout_is_one_row_and_refused_attempts_are_counted(client, practitioner, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        log_in(client, "practitioner", "wrong-password")
    # The third failure began the lockout: two failures and one lockout row.
    assert [row["action"] for row in rows()] == [
        AccessAction.LOGIN_FAILED,
        AccessAction.LOGIN_FAILED,
        AccessAction.LOCKED_OUT,
    ]
    locked = AccessLogEntry.objects.get(action=AccessAction.LOCKED_OUT)
    assert (locked.actor_id, locked.detail) == (practitioner.pk, {"ip_address": "127.0.0.1"})

    for password in ("wrong-again", "and-again", PASSWORD, "wrong"):
        log_in(client, "practitioner", password)
    assert len(rows()) == 3
    assert LockoutTally.objects.get().refused == 4

    # The lockout ends; the next event for the username writes the count as one row.
    reset(username=axes_username.for_axes("practitioner"))
    log_in(client, "practitioner", PASSWORD)
    counted, login = rows()[3:]
    assert counted["action"] == AccessAction.LOCKOUT_ATTEMPTS
    assert counted["actor"] == practitioner.pk
    assert counted["detail"]["refused"] == 4
    assert login == {"action": AccessAction.LOGIN, "actor": practitioner.pk, "detail": {}}
    assert not LockoutTally.objects.exists()


def test_an_unknown_username_locked_out_keeps_no_text(client, db, settings):
    settings.AXES_FAILURE_LIMIT = 2
    typed = "another-typed-Password!"
    for _ in range(5):
        log_in(client, typed, "anything")
    assert [row["action"] for row in rows()] == [
        AccessAction.LOGIN_FAILED,
        AccessAction.LOCKED_OUT,
    ]
    assert rows()[1]["detail"] == {
        "username_hmac": log_key.mac("username", typed),
        "ip_address": "127.0.0.1",
    }
    assert LockoutTally.objects.get().refused == 3
    assert typed not in everything_stored()


@pytest.mark.django_db
def test_a_new_lockout_after_the_cool_off_writes_the_old_count_first(settings):
    login_log.locked_out(username="someone", ip_address="192.0.2.1")
    login_log.locked_out(username="someone", ip_address="192.0.2.1")
    login_log.locked_out(username="someone", ip_address="192.0.2.1")
    # Long enough ago that that lockout is over.
    LockoutTally.objects.update(
        started_at=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(minutes=1)
    )
    login_log.locked_out(username="someone", ip_address="192.0.2.1")
    assert [row["action"] for row in rows()] == [
        AccessAction.LOCKED_OUT,
        AccessAction.LOCKOUT_ATTEMPTS,
        AccessAction.LOCKED_OUT,
    ]
    assert rows()[1]["detail"]["refused"] == 2
    assert LockoutTally.objects.get().refused == 0


@pytest.mark.django_db
def test_a_lockout_nothing_was_refused_during_leaves_no_count_row(practitioner):
    login_log.locked_out(username="practitioner", ip_address="192.0.2.1")
    login_log.login_succeeded(user=practitioner)
    assert [row["action"] for row in rows()] == [AccessAction.LOCKED_OUT, AccessAction.LOGIN]
    assert not LockoutTally.objects.exists()
