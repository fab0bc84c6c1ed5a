"""Device cookies: strangers taking every slowed-down turn cannot keep a manager out of the
browser they always use (OWASP, *Slow Down Online Guessing Attacks with Device Cookies*).

``client`` is the manager's own browser; ``unverified_client`` stands for a stranger's.
"""

import time

import pytest
from django.core import signing
from django.http import HttpResponse
from django.test import RequestFactory

from setting_records import login_device, login_throttle
from setting_records.models import DeviceCookieFailures
from tests.conftest import PASSWORD
from tests.setting_records.test_lockout import MANAGER_AT_WORK, attempt, many_strangers_fail

DAY = 24 * 60 * 60


def cookie_for(user) -> str:
    response = HttpResponse()
    login_device.remember(response, user=user)
    return response.cookies[login_device.cookie_name(user.get_username())].value


def sign_in_at_work(browser) -> None:
    """The manager signs in from their own browser, then signs out, keeping the cookie."""
    assert attempt(browser, PASSWORD, address=MANAGER_AT_WORK).status_code == 302
    browser.post("/accounts/logout/")


def test_a_successful_login_leaves_a_device_cookie(client, manager):
    response = attempt(client, PASSWORD, address=MANAGER_AT_WORK)
    cookie = response.cookies[login_device.cookie_name("manager")]
    assert cookie["httponly"] is True
    assert cookie["secure"] is True  # DEBUG is off
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/accounts/login/"
    assert cookie["max-age"] == 90 * DAY
    # Signed, not encrypted: the username is in it only as a keyed hash.
    assert "manager" not in signing.b64_decode(cookie.value.split(":")[0].encode()).decode()


def test_a_wrong_password_leaves_no_device_cookie(client, manager):
    response = attempt(client, "wrong-password-guess", address=MANAGER_AT_WORK)
    assert not any(name.startswith("login_device_") for name in response.cookies)


def test_strangers_taking_every_turn_cannot_keep_the_manager_out(
    client, unverified_client, manager, clock
):
    sign_in_at_work(client)
    many_strangers_fail(unverified_client, clock, 20)
    for turn in range(10):
        # A stranger takes the turn the moment it comes round...
        clock.advance(seconds=login_throttle.seconds_to_wait("manager"))
        stranger = attempt(unverified_client, "guess", address=f"81.4.0.{turn + 1}")
        assert stranger.status_code == 200
        assert login_throttle.seconds_to_wait("manager") > 0
        # ...and the manager, from the browser they signed in from before, still gets in,
        assert attempt(client, PASSWORD, address=MANAGER_AT_WORK).status_code == 302
        client.post("/accounts/logout/")
        # while the same right password from a browser without the cookie has to wait.
        assert attempt(unverified_client, PASSWORD, address=MANAGER_AT_WORK).status_code == 429


def test_the_device_cookie_does_not_lift_the_lockout_for_its_address(client, manager):
    sign_in_at_work(client)
    for _ in range(5):
        attempt(client, "wrong-password-guess", address=MANAGER_AT_WORK)
    response = attempt(client, PASSWORD, address=MANAGER_AT_WORK)
    assert response.status_code == 429
    assert "paused for 15 minutes" in response.content.decode()


def forged(manager, practitioner, monkeypatch) -> str:
    return signing.dumps({"user": "0" * 64, "device": "0" * 32}, salt=login_device.SALT)


def tampered(manager, practitioner, monkeypatch) -> str:
    value = cookie_for(manager)
    return value[:-1] + ("A" if value[-1] != "A" else "B")


def unsigned(manager, practitioner, monkeypatch) -> str:
    return signing.dumps(
        {"user": login_device._user_mark("manager"), "device": "0" * 32},
        salt=login_device.SALT,
        key="not-the-secret-key-of-this-deployment",
    )


def expired(manager, practitioner, monkeypatch) -> str:
    made = time.time() - 91 * DAY
    with monkeypatch.context() as then:
        then.setattr(time, "time", lambda: made)
        return cookie_for(manager)


def another_users(manager, practitioner, monkeypatch) -> str:
    return cookie_for(practitioner)


@pytest.mark.parametrize("make", [forged, tampered, unsigned, expired, another_users])
def test_a_cookie_that_is_not_genuine_spares_nobody(
    client, unverified_client, manager, practitioner, clock, monkeypatch, make
):
    many_strangers_fail(unverified_client, clock, 20)
    client.cookies[login_device.cookie_name("manager")] = make(manager, practitioner, monkeypatch)
    assert attempt(client, PASSWORD, address=MANAGER_AT_WORK).status_code == 429


def test_the_genuine_cookie_of_the_same_setup_is_accepted(
    client, unverified_client, manager, clock
):
    # The other side of the test above: a cookie made the same way, for the manager, works.
    many_strangers_fail(unverified_client, clock, 20)
    client.cookies[login_device.cookie_name("manager")] = cookie_for(manager)
    assert attempt(client, PASSWORD, address=MANAGER_AT_WORK).status_code == 302


def test_wrong_passwords_with_a_cookie_spend_it(client, unverified_client, manager, clock):
    """Someone who stole the cookie gets five guesses past the slow-down, not unlimited ones."""
    sign_in_at_work(client)
    many_strangers_fail(unverified_client, clock, 20)
    thief = unverified_client
    thief.cookies = client.cookies
    for n in range(5):
        # Each guess reaches the password check (a wrong password, not "too many attempts").
        assert attempt(thief, "guess", address=f"81.5.0.{n + 1}").status_code == 200
    assert DeviceCookieFailures.objects.get().failures == 5
    # Spent: even the right password with it now waits like anyone else's.
    assert attempt(thief, PASSWORD, address="81.5.1.1").status_code == 429
    assert attempt(client, PASSWORD, address=MANAGER_AT_WORK).status_code == 429


def test_people_sharing_a_computer_each_keep_their_cookie(client, manager, practitioner):
    sign_in_at_work(client)
    attempt(client, PASSWORD, username="practitioner")
    names = {name for name in client.cookies if name.startswith("login_device_")}
    assert names == {login_device.cookie_name("manager"), login_device.cookie_name("practitioner")}


def test_guesses_sent_together_with_a_stolen_cookie_still_get_five_turns(client, manager):
    """Each use of the cookie takes a turn before its password is checked, so guesses sent all
    at once (none checked yet) cannot each find the cookie unspent."""
    sign_in_at_work(client)
    request = RequestFactory().post("/accounts/login/")
    request.COOKIES = {name: morsel.value for name, morsel in client.cookies.items()}
    spared = [login_device.trusted_device(request, "manager") for _ in range(7)]
    assert [device is not None for device in spared] == [True] * 5 + [False] * 2
