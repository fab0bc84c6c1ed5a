"""Sessions end after thirty idle minutes and, however busy, ten hours after login; every form
that sets a password applies the password rules.

The clock is moved by hand (tests/setting_records/conftest.py), never waited for.
"""

import pytest
from django.contrib import admin
from django.test import RequestFactory, override_settings

from setting_records.models import AccessAction, AccessLogEntry, User
from setting_records.password_forms import LinkSetPasswordForm, OwnPasswordChangeForm
from tests.conftest import PASSWORD


def signed_in(client) -> bool:
    response = client.get("/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    return False


def log_in(client, username="practitioner"):
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302


def test_twenty_nine_idle_minutes_keep_the_session(client, practitioner, clock):
    client.force_login(practitioner)
    assert signed_in(client)
    clock.advance(minutes=29)
    assert signed_in(client)


def test_thirty_idle_minutes_end_it(client, practitioner, clock):
    client.force_login(practitioner)
    assert signed_in(client)
    clock.advance(minutes=30, seconds=1)
    assert not signed_in(client)


def test_a_busy_session_ends_ten_hours_after_login(client, practitioner, clock):
    log_in(client)
    # A request every twenty minutes: never idle, for ten hours.
    for _ in range(30):
        assert signed_in(client)
        clock.advance(minutes=20)
    assert signed_in(client)  # exactly ten hours: still in
    clock.advance(seconds=1)
    assert not signed_in(client)
    # The ending is a logout like any other, in the access log.
    assert AccessLogEntry.objects.filter(action=AccessAction.LOGOUT, actor=practitioner).exists()
    # And the next login starts a fresh ten hours.
    log_in(client)
    for _ in range(27):
        clock.advance(minutes=20)
        assert signed_in(client)


def test_a_session_made_without_the_login_form_is_held_to_the_same_limit(
    client, practitioner, clock
):
    client.force_login(practitioner)
    for _ in range(21):
        assert signed_in(client)
        clock.advance(minutes=29)
    assert not signed_in(client)


@override_settings(SESSION_ABSOLUTE_HOURS=1)
def test_the_absolute_limit_is_configurable(client, practitioner, clock):
    log_in(client)
    clock.advance(minutes=29)
    assert signed_in(client)
    clock.advance(minutes=29)
    assert signed_in(client)
    clock.advance(minutes=3)
    assert not signed_in(client)


def test_logging_in_again_restarts_the_absolute_clock(client, practitioner, clock):
    log_in(client)
    for _ in range(27):
        clock.advance(minutes=20)
        assert signed_in(client)
    # Nine hours in, the password is typed again (on the same, still open, session).
    log_in(client)
    for _ in range(9):
        clock.advance(minutes=20)
        assert signed_in(client)


# Passwords each rule refuses, for a member of staff whose username is "practitioner".
WEAK = {
    "Sh0rt!pw": "too short",
    "password1234": "too common",
    "practitioner12": "too similar to the username",
    "123456789012": "entirely numeric",
}
STRONG = "correct-horse-battery-staple-2"


def password_forms(user: User):
    """Every form in the app that sets a password, filled in with ``new``.

    Only the person themselves sets a password: on the set-password link's page or on their
    own change-password page. The admin has no password form (test_admin_policy.py).
    """

    def link(new):  # the page a set-password (or reset) link opens
        return LinkSetPasswordForm(user, {"new_password1": new, "new_password2": new})

    def change(new):  # the member of staff's own password-change page
        data = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
        return OwnPasswordChangeForm(user, data)

    return {"link": link, "change": change}


@pytest.mark.parametrize("form_name", ["link", "change"])
@pytest.mark.parametrize(("weak", "why"), WEAK.items())
def test_every_password_form_applies_the_rules(practitioner, form_name, weak, why):
    make = password_forms(practitioner)[form_name]
    form = make(weak)
    assert not form.is_valid()
    assert why in str(form.errors)
    assert make(STRONG).is_valid(), make(STRONG).errors


def test_the_admin_has_no_form_that_sets_a_password(superuser):
    user_admin = admin.site.get_model_admin(User)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    for obj in (None, superuser):
        fields = user_admin.get_form(request, obj=obj).base_fields
        assert not {"password", "password1", "password2"} & set(fields)


def test_the_password_change_page_refuses_a_weak_password(client, practitioner):
    client.force_login(practitioner)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "password1234",
            "new_password2": "password1234",
        },
    )
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    practitioner.refresh_from_db()
    assert practitioner.check_password(PASSWORD)
