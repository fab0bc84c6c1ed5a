"""A manager resets a member of staff's two-factor login (a lost or new phone)."""

import pytest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from setting_records.models import AccessAction, AccessLogEntry, Role
from setting_records.services import membership_add
from setting_records.two_factor import services
from tests.conftest import add_authenticator, current_code, make_staff


def reset_url(user) -> str:
    return f"/staff/{user.pk}/two-factor/reset/"


@pytest.fixture
def deputy(setting):
    # deputy is a second manager of the setting, with an app and backup codes set up.
    user = make_staff(setting, "deputy", Role.MANAGER)
    add_authenticator(user)
    services.backup_codes_generate(actor=user)
    return user


def test_manager_confirms_then_resets(client, manager, deputy):
    client.force_login(manager)
    page = client.get(reset_url(deputy))
    assert page.status_code == 200
    assert "Reset Deputy's two-factor login" in page.content.decode()
    # Asking is not doing.
    assert TOTPDevice.objects.filter(user=deputy).exists()

    response = client.post(reset_url(deputy))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=deputy).exists()
    assert not StaticDevice.objects.filter(user=deputy).exists()
    entry = AccessLogEntry.objects.order_by("-id").first()
    assert entry.action == AccessAction.TWO_FACTOR_RESET
    assert entry.actor == manager
    assert entry.setting == deputy.memberships.get().setting
    assert entry.detail == {"user": deputy.pk, "devices": 2}


def test_after_a_reset_the_old_session_must_set_up_again(client, password_only, manager, deputy):
    deputys_session = password_only(deputy)
    device = TOTPDevice.objects.get(user=deputy)
    deputys_session.post("/accounts/two-factor/", {"otp_token": current_code(device)})
    assert deputys_session.get("/").status_code == 200

    client.force_login(manager)
    client.post(reset_url(deputy))
    assert deputys_session.get("/")["Location"] == "/accounts/two-factor/setup/?next=%2F"


def test_managers_page_lists_their_staff_with_reset_links(client, manager, deputy, practitioner):
    client.force_login(manager)
    page = client.get("/accounts/two-factor/backup-codes/").content.decode()
    assert reset_url(deputy) in page
    assert reset_url(practitioner) in page
    assert reset_url(manager) not in page


@pytest.mark.parametrize("who", ["practitioner", "othermanager", "superuser", "manager"])
def test_anyone_else_gets_404_and_changes_nothing(client, request, who, deputy, manager):
    actor = request.getfixturevalue(who)
    # A manager resetting themselves: another manager must (their password alone would do).
    target = manager if who == "manager" else deputy
    add_authenticator(manager)
    client.force_login(actor)
    before = TOTPDevice.objects.count()
    assert client.get(reset_url(target)).status_code == 404
    assert client.post(reset_url(target)).status_code == 404
    assert TOTPDevice.objects.count() == before
    assert AccessAction.TWO_FACTOR_RESET not in AccessLogEntry.objects.values_list(
        "action", flat=True
    )


def test_staff_of_another_setting_or_nobody_is_404(client, manager, othermanager):
    client.force_login(manager)
    assert client.get(reset_url(othermanager)).status_code == 404
    assert client.get("/staff/999999/two-factor/reset/").status_code == 404


def test_a_leaver_is_no_longer_the_managers_to_reset(client, manager, deputy):
    from setting_records.services import membership_end

    membership_end(membership=deputy.memberships.get(), actor=manager)
    client.force_login(manager)
    assert client.get(reset_url(deputy)).status_code == 404


def test_no_reset_for_someone_who_also_works_where_the_manager_does_not_manage(
    client, manager, deputy, other_setting, othermanager
):
    # deputy also manages the other setting; this setting's manager cannot strip the second
    # factor that guards it.
    membership_add(user=deputy, setting=other_setting, role=Role.MANAGER, actor=othermanager)
    client.force_login(manager)
    response = client.post(reset_url(deputy), follow=True)
    assert "you cannot reset their two-factor login" in response.content.decode()
    assert TOTPDevice.objects.filter(user=deputy).exists()
    assert not AccessLogEntry.objects.filter(action=AccessAction.TWO_FACTOR_RESET).exists()


def test_no_reset_for_a_superuser_on_the_staff(client, manager, setting, superuser):
    membership_add(user=superuser, setting=setting, role=Role.PRACTITIONER, actor=manager)
    add_authenticator(superuser)
    client.force_login(manager)
    client.post(reset_url(superuser))
    assert TOTPDevice.objects.filter(user=superuser).exists()
