"""Lockout and slow-down: a stranger can slow a manager's login down, never keep them out.

Five wrong passwords lock one (username, address) pair out for the cool-off (django-axes);
failures for one username from every address together slow it down, to at most one attempt per
``LOGIN_THROTTLE_MAX_SECONDS`` (setting_records/login_throttle.py).
"""

import threading

import pytest
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.db import connection
from django.test import RequestFactory, override_settings

from setting_records import login_throttle
from tests.conftest import PASSWORD
from tests.setting_records.test_settings import run_manage

STRANGER = "81.2.69.160"
MANAGER_AT_WORK = "8.8.4.4"
PROXY = "10.0.0.2"

BEHIND_ONE_PROXY = override_settings(
    AXES_IPWARE_META_PRECEDENCE_ORDER=("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
    AXES_IPWARE_PROXY_COUNT=0,
    IPWARE_STRICT=False,
)


def attempt(client, password, *, address=STRANGER, username="manager", **headers):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def fail(client, times, **where):
    for _ in range(times):
        response = attempt(client, "wrong-password-guess", **where)
        assert response.status_code in {200, 429}
    return response


def is_locked_out(response) -> bool:
    return response.status_code == 429 and "Too many attempts" in response.content.decode()


def test_five_failures_lock_the_stranger_out_but_not_the_manager(client, manager):
    assert not is_locked_out(fail(client, 4))
    assert is_locked_out(fail(client, 1))
    # Even the right password from the stranger's address waits for the cool-off.
    assert is_locked_out(attempt(client, PASSWORD))

    response = attempt(client, PASSWORD, address=MANAGER_AT_WORK)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_x_forwarded_for_is_ignored_without_a_proxy(client, manager):
    # A stranger cannot dodge the lockout by inventing a new address for each attempt...
    for n in range(5):
        attempt(client, "wrong-password-guess", HTTP_X_FORWARDED_FOR=f"9.9.9.{n}")
    assert is_locked_out(attempt(client, PASSWORD, HTTP_X_FORWARDED_FOR="9.9.9.99"))
    # ...nor lock the manager out by naming the manager's address.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}
    request = RequestFactory().post("/", REMOTE_ADDR=STRANGER, HTTP_X_FORWARDED_FOR="8.8.4.4")
    assert get_client_ip_address(request) == STRANGER


@BEHIND_ONE_PROXY
def test_behind_the_proxy_each_client_has_its_own_address(client, manager):
    # Every connection comes from the proxy; the proxy appends the address it saw.
    fail(client, 5, address=PROXY, HTTP_X_FORWARDED_FOR=STRANGER)
    assert is_locked_out(attempt(client, PASSWORD, address=PROXY, HTTP_X_FORWARDED_FOR=STRANGER))

    response = attempt(client, PASSWORD, address=PROXY, HTTP_X_FORWARDED_FOR=MANAGER_AT_WORK)
    assert response.status_code == 302


@BEHIND_ONE_PROXY
def test_behind_the_proxy_a_client_cannot_choose_its_address():
    # What the client wrote into the header stands to the left of what the proxy appended.
    forged = RequestFactory().post(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{MANAGER_AT_WORK}, 1.2.3.4, {STRANGER}"
    )
    assert get_client_ip_address(forged) == STRANGER


def settings_from_environment(**env: str) -> str:
    code = (
        "from django.conf import settings as s; "
        "print(s.AXES_IPWARE_META_PRECEDENCE_ORDER, s.AXES_IPWARE_PROXY_COUNT)"
    )
    result = run_manage("shell", "--no-imports", "-c", code, env={"DEBUG": "true"} | env)
    return result.stdout.strip() or result.stderr.strip().splitlines()[-1]


def test_the_proxy_header_is_trusted_only_when_the_environment_says_so():
    assert settings_from_environment() == "('REMOTE_ADDR',) None"
    assert settings_from_environment(BEHIND_TLS_PROXY="true") == (
        "('HTTP_X_FORWARDED_FOR', 'REMOTE_ADDR') 0"
    )
    assert settings_from_environment(BEHIND_TLS_PROXY="true", TRUSTED_PROXY_COUNT="2") == (
        "('HTTP_X_FORWARDED_FOR', 'REMOTE_ADDR') 1"
    )
    assert "TRUSTED_PROXY_COUNT must be 1 or more" in settings_from_environment(
        BEHIND_TLS_PROXY="true", TRUSTED_PROXY_COUNT="0"
    )


def test_trying_during_the_lockout_does_not_restart_the_cool_off(client, manager, clock):
    fail(client, 5)
    for _ in range(14):
        clock.advance(minutes=1)
        assert is_locked_out(attempt(client, "another-wrong-guess"))
    # Fifteen minutes after the fifth failure, however often the stranger knocked since.
    clock.advance(minutes=1, seconds=1)
    assert attempt(client, PASSWORD).status_code == 302


def test_attempts_during_the_lockout_are_not_counted(client, manager):
    fail(client, 5)
    failures = AccessAttempt.objects.get().failures_since_start
    attempt(client, "yet-another-guess")
    # Refused attempts are not counted as failures: the record stands as it was.
    assert AccessAttempt.objects.get().failures_since_start == failures


def many_strangers_fail(client, clock, count):
    """``count`` wrong passwords for the manager, each from a new address, each let through."""
    for n in range(count):
        clock.advance(seconds=login_throttle.seconds_to_wait("manager"))
        response = attempt(client, "wrong-password-guess", address=f"81.2.{n // 250}.{n % 250 + 1}")
        assert response.status_code == 200


@override_settings(LOGIN_THROTTLE_AFTER=10, LOGIN_THROTTLE_BASE_SECONDS=2)
def test_failures_from_many_addresses_slow_the_username_down(client, manager, clock):
    many_strangers_fail(client, clock, 10)
    # The tenth failure: the next attempt, from anywhere, waits two seconds.
    response = attempt(client, PASSWORD, address=MANAGER_AT_WORK)
    assert response.status_code == 429
    assert "Too many attempts for this username; try again in 2 seconds." in (
        response.content.decode()
    )
    clock.advance(seconds=2)
    assert attempt(client, PASSWORD, address=MANAGER_AT_WORK).status_code == 302


@override_settings(LOGIN_THROTTLE_AFTER=10, LOGIN_THROTTLE_BASE_SECONDS=2)
def test_the_delay_doubles_with_each_failure_up_to_the_cap(db, settings):
    delays = [login_throttle.delay_after(n).total_seconds() for n in range(8, 20)]
    assert delays == [0, 0, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60]
    assert login_throttle.delay_after(10**9).total_seconds() == settings.LOGIN_THROTTLE_MAX_SECONDS


def test_a_stranger_hammering_cannot_keep_the_manager_out(client, manager, clock, settings):
    cap = settings.LOGIN_THROTTLE_MAX_SECONDS
    many_strangers_fail(client, clock, 20)
    # Knocking while slowed down changes nothing: no failure is recorded, the wait only shrinks.
    recorded = login_throttle.recent_failures("manager").count
    for second in range(cap - 1):
        clock.advance(seconds=1)
        response = attempt(client, "knock", address=f"81.3.0.{second % 250 + 1}")
        assert response.status_code == 429
        assert f"try again in {cap - second - 1} second" in response.content.decode()
    assert login_throttle.recent_failures("manager").count == recorded

    # At most one cap after the last real failure, the right password works.
    clock.advance(seconds=1)
    assert attempt(client, PASSWORD, address=MANAGER_AT_WORK).status_code == 302


def test_the_slow_down_is_per_username(client, manager, practitioner, clock):
    many_strangers_fail(client, clock, 15)
    assert attempt(client, "wrong", address=MANAGER_AT_WORK).status_code == 429
    assert attempt(client, PASSWORD, username="practitioner").status_code == 302


@pytest.mark.parametrize("username", ["", "nobody"])
def test_odd_usernames_are_refused_quietly(client, db, username):
    response = attempt(client, "wrong-password-guess", username=username)
    assert response.status_code == 200


@override_settings(LOGIN_THROTTLE_AFTER=10, LOGIN_THROTTLE_BASE_SECONDS=2)
def test_attempts_arriving_together_get_one_turn_between_them(client, manager, clock):
    """The turn is taken before the password is checked: attempts that arrive together, before
    any of them has failed, cannot all pass."""
    many_strangers_fail(client, clock, 10)
    clock.advance(seconds=login_throttle.seconds_to_wait("manager"))
    assert login_throttle.take_turn("manager") == 0
    # A second attempt at the same moment, the first not yet checked: it waits the delay.
    assert login_throttle.take_turn("manager") == 2
    assert login_throttle.seconds_to_wait("manager") == 2
    clock.advance(seconds=2)
    assert login_throttle.take_turn("manager") == 0


@pytest.mark.django_db(transaction=True)
@override_settings(LOGIN_THROTTLE_AFTER=10, LOGIN_THROTTLE_BASE_SECONDS=2)
def test_simultaneous_attempts_on_postgresql_let_one_through(client, manager, clock):
    if connection.vendor != "postgresql":
        pytest.skip("Needs concurrent connections to a real server; runs in CI's PostgreSQL pass")
    many_strangers_fail(client, clock, 10)
    clock.advance(seconds=login_throttle.seconds_to_wait("manager"))
    threads, start, waits = 8, threading.Barrier(8), []

    def knock() -> None:
        try:
            start.wait()
            waits.append(login_throttle.take_turn("manager"))
        finally:
            connection.close()

    workers = [threading.Thread(target=knock) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(waits) == [0] + [2] * (threads - 1)
