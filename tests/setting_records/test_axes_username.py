"""django-axes keeps a keyed hash of the typed username, never the text, and is not in the admin.

People type their password into the username box; whatever axes stores (its attempts, its
failure log, its access log) is shown nowhere and holds nothing that was typed.
"""

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory, override_settings

from setting_records import axes_username, log_key
from setting_records.models import AccessLogEntry, LockoutTally
from tests.conftest import PASSWORD

TYPED = "Sunflower-Meadow-2026!"

# Axes' failure log switched on as well as its attempts. Its log of successful logins stays off
# (AXES_DISABLE_ACCESS_LOG): it would store the account's own username, not through the hash.
EVERY_AXES_TABLE = override_settings(AXES_ENABLE_ACCESS_FAILURE_LOG=True, AXES_FAILURE_LIMIT=3)


def log_in(client, username: str, password: str, query: str = ""):
    return client.post(f"/accounts/login/{query}", {"username": username, "password": password})


def everything_held(*, log_too: bool = True) -> str:
    """Every column of every row of every axes table (and of the access log and the lockout
    tallies)."""
    models = [*apps.get_app_config("axes").get_models()]
    if log_too:
        models += [AccessLogEntry, LockoutTally]
    rows = [
        model._default_manager.values_list(*(f.attname for f in model._meta.concrete_fields))
        for model in models
    ]
    return "\n".join(str(row) for table in rows for row in table)


@EVERY_AXES_TABLE
def test_a_password_typed_as_the_username_is_stored_nowhere(client, practitioner):
    for _ in range(5):
        log_in(client, TYPED, "some-password", query=f"?username={TYPED}")
    # A known user's failure, and the success that clears it.
    log_in(client, "practitioner", "wrong-password")
    log_in(client, "practitioner", PASSWORD)

    stored = everything_held()
    assert AccessAttempt.objects.filter(username=axes_username.for_axes(TYPED)).exists()
    for secret in (TYPED, TYPED.lower(), "some-password", "wrong-password", PASSWORD):
        assert secret not in stored
    # Axes does not even hold a known user's name (the log names the user by id).
    assert "practitioner" not in everything_held(log_too=False).lower()


@EVERY_AXES_TABLE
def test_axes_keeps_the_keyed_hash_of_what_the_form_saw(client, db):
    # The login form strips spaces and applies NFKC (the "ﬁ" ligature becomes "fi").
    log_in(client, "  ﬁona  ", "some-password")
    log_in(client, "fiona", "some-password")
    attempt = AccessAttempt.objects.get()
    assert attempt.failures_since_start == 2
    assert attempt.username == log_key.mac("axes-username", "fiona")
    # Its own purpose: never equal to the access log's hash of the same name.
    assert attempt.username != log_key.mac("username", "fiona")
    assert "fiona" not in everything_held()


def test_the_same_hash_from_the_form_and_from_the_credentials(db):
    posted = RequestFactory().post("/accounts/login/", {"username": " ﬁona "})
    assert axes_username.hashed_username(posted) == axes_username.hashed_username(
        posted, {"username": "fiona"}
    )
    assert axes_username.hashed_username(RequestFactory().post("/", {})) is None


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["x" * 5000, "nul\x00byte", "lone\ud800surrogate", "é" * 150])
def test_any_typed_text_fits_axes_column(typed):
    value = axes_username.for_axes(typed)
    assert value is not None
    assert len(value) == 64 <= AccessAttempt._meta.get_field("username").max_length


def test_the_lockout_is_still_per_username(client, manager, practitioner, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        log_in(client, "practitioner", "wrong-password")
    assert log_in(client, "practitioner", PASSWORD).status_code == 429
    # Same address, another username: not locked out.
    assert log_in(client, "manager", PASSWORD).status_code == 302


@pytest.mark.parametrize("model", ["accessattempt", "accesslog", "accessfailurelog"])
def test_axes_records_are_not_in_the_admin(client, superuser, model):
    client.force_login(superuser)
    assert not {m for m in admin.site._registry if m._meta.app_label == "axes"}, (
        "axes models are registered in the admin"
    )
    assert client.get(f"/admin/axes/{model}/").status_code == 404
