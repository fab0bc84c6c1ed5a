import base64

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django_otp.plugins.otp_totp.models import TOTPDevice

from access_requests.models import RectificationRequest
from setting_records.models import Membership, Role, Setting, User
from tests.conftest import current_code


def can_log_in(username: str, password: str) -> bool:
    # The lockout backend needs the request a real login comes with.
    request = RequestFactory().post("/accounts/login/")
    return authenticate(request, username=username, password=password) is not None


DEMO_USERS = {
    "manager": ("Little Acorns Nursery", Role.MANAGER),
    "keyperson": ("Little Acorns Nursery", Role.PRACTITIONER),
    "practitioner": ("Little Acorns Nursery", Role.PRACTITIONER),
    "outsider": ("Little Acorns Nursery", Role.PRACTITIONER),
    "othermanager": ("Riverside Pre-School", Role.MANAGER),
}


@pytest.mark.django_db
def test_seeds_two_settings_and_the_five_demo_users(capsys):
    call_command("seed_demo")

    assert Setting.objects.count() == 2
    memberships = {m.user.username: (m.setting.name, m.role) for m in Membership.objects.all()}
    # The five named users are the ones acceptance checks log in as; the demo adds more staff.
    assert memberships.items() >= DEMO_USERS.items()
    for username in DEMO_USERS:
        assert can_log_in(username, "demo-pass-2026")
    assert "demo-pass-2026" in capsys.readouterr().out


@pytest.mark.django_db
def test_demo_password_can_be_chosen(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-long-pass")
    call_command("seed_demo")
    assert can_log_in("manager", "another-long-pass")


def test_refuses_a_database_that_holds_data(manager):
    with pytest.raises(CommandError, match="already holds data"):
        call_command("seed_demo")
    assert Setting.objects.count() == 1
    assert list(User.objects.values_list("username", flat=True)) == ["manager"]


def test_if_empty_leaves_existing_data_alone(manager, capsys):
    call_command("seed_demo", "--if-empty")
    assert "leaving it as it is" in capsys.readouterr().out
    assert User.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_force_replaces_existing_data(manager):
    call_command("seed_demo", "--force")
    usernames = set(User.objects.values_list("username", flat=True))
    assert set(DEMO_USERS) <= usernames
    assert "manager" in usernames  # the old manager row was replaced, not duplicated
    assert User.objects.filter(username="manager").count() == 1
    assert Setting.objects.count() == 2


@pytest.mark.django_db
def test_force_and_if_empty_together_are_refused():
    with pytest.raises(CommandError, match="either --force or --if-empty"):
        call_command("seed_demo", "--force", "--if-empty")


@pytest.mark.django_db
def test_demo_managers_use_the_documented_authenticator_key(client, capsys):
    call_command("seed_demo")
    assert "JBSWY3DPEHPK3PXP" in capsys.readouterr().out
    key = base64.b32decode("JBSWY3DPEHPK3PXP")
    for username in ("manager", "othermanager"):
        device = TOTPDevice.objects.get(user__username=username)
        assert device.confirmed
        assert device.bin_key == key
    # Nobody else has one: practitioners log in with their password alone.
    assert TOTPDevice.objects.count() == 2

    # A code worked out from the documented key passes the real second step.
    client.post("/accounts/login/", {"username": "manager", "password": "demo-pass-2026"})
    assert client.get("/")["Location"] == "/accounts/two-factor/?next=%2F"
    response = client.post("/accounts/two-factor/", {"otp_token": current_code(key)})
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_demo_has_a_pending_and_two_decided_correction_requests():
    call_command("seed_demo")
    requests = {r.state: r for r in RectificationRequest.objects.select_related("record")}
    assert set(requests) == {"received", "decided", "closed"}
    # Pending: its entry is disputed, and shows so.
    assert requests["received"].record.disputed
    # Corrected: the correction names the request in the entry's history; its one past
    # recipient (shared before the correction) has been told.
    corrected = requests["decided"]
    assert corrected.outcome == "corrected"
    # The parent is still to be told, so the entry stays restricted (UK GDPR Art. 18(3)).
    assert corrected.record.disputed
    assert corrected.record.history.filter(
        history_change_reason=f"Corrected on correction request {corrected.pk}"
    ).exists()
    [notice] = corrected.notices.select_related("sharing")
    assert notice.outcome == "notified"
    assert notice.sharing.decision == "shared"
    # Kept: the parent's statement is attached, the parent told of their rights.
    kept = requests["closed"]
    assert kept.outcome == "kept"
    assert kept.statement.record_id == kept.record_id
    assert kept.told_of_rights
    assert kept.record.nature == "opinion"
