"""Superusers inside the policy: every admin change to an account or membership is logged."""

import re

import pytest
from django.core import mail

from setting_records import access
from setting_records.models import AccessLogEntry, Membership, Role, User
from tests.conftest import PASSWORD, make_staff

pytestmark = pytest.mark.django_db

USERS = "/admin/setting_records/user/"
MEMBERSHIPS = "/admin/setting_records/membership/"


def logged(action: str) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(action=action).order_by("id"))


def run_action(client, changelist: str, action: str, objects) -> object:
    return client.post(
        changelist,
        {"action": action, "_selected_action": [obj.pk for obj in objects]},
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_superuser_making_themselves_a_manager_is_logged(client, superuser, setting, manager):
    client.force_login(superuser)
    response = client.post(
        f"{MEMBERSHIPS}add/",
        {"user": superuser.pk, "setting": setting.pk, "role": Role.MANAGER},
    )
    assert response.status_code == 302
    assert access.manages(superuser, setting.pk)
    [row] = logged("membership_added")[-1:]
    assert (row.actor, row.setting) == (superuser, setting)
    assert row.detail == {"user": superuser.pk, "username": "root", "role": "manager"}
    membership = Membership.objects.get(user=superuser)
    assert membership.history.latest().history_user == superuser


def test_the_user_page_cannot_add_a_membership(client, superuser, setting):
    client.force_login(superuser)
    url = f"{USERS}{superuser.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {key: value for key, value in form.initial.items() if key in form.fields}
    data |= {
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-user": superuser.pk,
        "memberships-0-setting": setting.pk,
        "memberships-0-role": "manager",
        "memberships-0-is_active": "on",
    }
    client.post(url, {k: v for k, v in data.items() if v is not False})
    assert not Membership.objects.filter(user=superuser).exists()
    assert not access.manages(superuser, setting.pk)


def test_a_membership_page_is_read_only(client, superuser, practitioner, setting):
    membership = practitioner.memberships.get()
    client.force_login(superuser)
    url = f"{MEMBERSHIPS}{membership.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"user": practitioner.pk, "setting": setting.pk, "role": "manager"})
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.PRACTITIONER


def test_role_actions_go_through_the_service(client, superuser, practitioner, setting, manager):
    client.force_login(superuser)
    membership = practitioner.memberships.get()
    run_action(client, MEMBERSHIPS, "make_manager", [membership])
    assert access.manages(practitioner, setting.pk)
    run_action(client, MEMBERSHIPS, "make_practitioner", [membership])
    assert not access.manages(practitioner, setting.pk)
    changes = logged("membership_role_changed")
    assert [(row.actor, row.detail["role"]) for row in changes] == [
        (superuser, "manager"),
        (superuser, "practitioner"),
    ]


def test_end_and_reactivate_actions(client, superuser, practitioner, manager):
    client.force_login(superuser)
    membership = practitioner.memberships.get()
    run_action(client, MEMBERSHIPS, "end", [membership])
    membership.refresh_from_db()
    assert not membership.is_active
    run_action(client, MEMBERSHIPS, "reactivate", [membership])
    membership.refresh_from_db()
    assert membership.is_active
    assert [row.actor for row in logged("membership_ended") + logged("membership_reactivated")] == [
        superuser,
        superuser,
    ]


def test_the_last_manager_is_refused_with_a_message(client, superuser, manager, practitioner):
    client.force_login(superuser)
    memberships = [manager.memberships.get(), practitioner.memberships.get()]
    response = run_action(client, MEMBERSHIPS, "end", memberships)
    assert any("only active manager" in m for m in messages_of(response))
    assert "Memberships ended: 1." in messages_of(response)
    assert access.manages(manager, manager.memberships.get().setting_id)
    assert not practitioner.memberships.get().is_active


def test_deactivate_and_reactivate_accounts(client, superuser, manager, practitioner):
    practitioner.email = "practitioner@acorns.example"
    practitioner.save()
    client.force_login(superuser)
    run_action(client, USERS, "deactivate", [practitioner])
    practitioner.refresh_from_db()
    assert not practitioner.is_active
    run_action(client, USERS, "reactivate", [practitioner])
    practitioner.refresh_from_db()
    assert practitioner.is_active
    assert [m.to for m in mail.outbox] == [["practitioner@acorns.example"]]
    assert [row.actor for row in logged("staff_account_deactivated")] == [superuser]
    assert [row.actor for row in logged("staff_account_reactivated")] == [superuser]


def test_a_superuser_cannot_deactivate_themselves(client, superuser):
    client.force_login(superuser)
    response = run_action(client, USERS, "deactivate", [superuser])
    assert any("your own account" in m for m in messages_of(response))
    assert User.objects.get(pk=superuser.pk).is_active


def test_send_password_link_action(client, superuser, practitioner):
    practitioner.email = "practitioner@acorns.example"
    practitioner.save()
    client.force_login(superuser)
    run_action(client, USERS, "send_password_link", [practitioner])
    [message] = mail.outbox
    assert re.search(r"https://records\.example\.org/accounts/reset/\S+/\S+/", message.body)
    [row] = logged("password_link_sent")
    assert (row.actor, row.detail["user"]) == (superuser, practitioner.pk)


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_admin_password_form_for_users_is_gone(client, superuser, practitioner, method):
    client.force_login(superuser)
    url = f"{USERS}{practitioner.pk}/password/"
    data = {"password1": "chosen-by-root-2026", "password2": "chosen-by-root-2026"}
    response = getattr(client, method)(url, data)
    assert response.status_code == 404
    practitioner.refresh_from_db()
    assert practitioner.check_password(PASSWORD)


def test_the_change_page_neither_links_to_nor_shows_a_password(client, superuser, practitioner):
    client.force_login(superuser)
    page = client.get(f"{USERS}{practitioner.pk}/change/").content.decode()
    assert "password/" not in page
    assert practitioner.password not in page
    assert "md5$" not in page


def test_creating_an_account_sends_a_link_and_sets_no_password(client, superuser):
    client.force_login(superuser)
    response = client.post(
        f"{USERS}add/",
        {
            "username": "newstarter",
            "first_name": "New",
            "last_name": "Starter",
            "email": "new@acorns.example",
            # Ignored: the form has no such fields.
            "password1": "chosen-by-root-2026",
            "password2": "chosen-by-root-2026",
        },
        HTTP_HOST="127.0.0.1:1",
    )
    assert response.status_code == 302
    created = User.objects.get(username="newstarter")
    assert not created.has_usable_password()
    [message] = mail.outbox
    assert message.to == ["new@acorns.example"]
    assert "https://records.example.org/accounts/reset/" in message.body
    assert "127.0.0.1:1" not in message.body
    [row] = logged("staff_account_created")
    assert (row.actor, row.detail["user"], row.detail["link_sent"]) == (superuser, created.pk, True)


def test_creating_an_account_needs_an_email(client, superuser):
    client.force_login(superuser)
    response = client.post(f"{USERS}add/", {"username": "nomail"})
    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="nomail").exists()


def test_editing_an_account_is_logged_and_cannot_touch_active(client, superuser, practitioner):
    client.force_login(superuser)
    url = f"{USERS}{practitioner.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {key: value for key, value in form.initial.items() if key in form.fields}
    data |= {
        "email": "moved@acorns.example",
        "is_active": "",  # read-only here: deactivation is an action
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": practitioner.memberships.get().pk,
        "memberships-0-user": practitioner.pk,
    }
    response = client.post(url, {k: v for k, v in data.items() if v is not False})
    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert (practitioner.email, practitioner.is_active) == ("moved@acorns.example", True)
    [row] = logged("staff_account_changed")
    assert (row.actor, row.detail["fields"]) == (superuser, ["email"])
    assert practitioner.history.latest().history_user == superuser


def test_the_admin_has_no_groups_or_model_permissions(client, superuser, practitioner):
    client.force_login(superuser)
    assert client.get("/admin/auth/group/").status_code == 404
    form = client.get(f"{USERS}{practitioner.pk}/change/").context["adminform"].form
    assert not {"groups", "user_permissions", "password", "is_active"} & set(form.fields)


def test_a_superusers_own_password_change_in_the_admin_is_logged(client, superuser):
    client.force_login(superuser)
    new = "root-chooses-own-2026"
    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200  # still logged in
    [row] = logged("password_changed")
    assert row.actor == superuser


def test_a_superuser_made_manager_in_the_admin_still_sees_only_that(
    client, superuser, setting, other_setting
):
    """Through the logged add form, and no further: the other setting stays out of sight."""
    make_staff(setting, "manager", Role.MANAGER)
    make_staff(other_setting, "othermanager", Role.MANAGER)
    client.force_login(superuser)
    client.post(
        f"{MEMBERSHIPS}add/", {"user": superuser.pk, "setting": setting.pk, "role": "manager"}
    )
    assert access.manages(superuser, setting.pk)
    assert not access.manages(superuser, other_setting.pk)


SETTINGS = "/admin/setting_records/setting/"


def test_switching_two_factor_for_a_whole_setting_is_logged(client, superuser, setting):
    client.force_login(superuser)
    data = {
        "name": setting.name,
        "ofsted_urn": setting.ofsted_urn,
        "address": setting.address,
        "complaints_procedure": setting.complaints_procedure,
        "require_two_factor_for_all": "on",
    }
    response = client.post(f"{SETTINGS}{setting.pk}/change/", data)
    assert response.status_code == 302
    setting.refresh_from_db()
    assert setting.require_two_factor_for_all
    [row] = logged("setting_changed")
    assert (row.actor, row.setting) == (superuser, setting)
    assert row.detail == {
        "fields": ["require_two_factor_for_all"],
        "require_two_factor_for_all": True,
    }
    assert setting.history.latest().history_user == superuser

    # Saving the page again without a change adds nothing to the log.
    client.post(f"{SETTINGS}{setting.pk}/change/", data)
    assert len(logged("setting_changed")) == 1


def test_adding_a_setting_in_the_admin_is_logged(client, superuser):
    client.force_login(superuser)
    data = {
        "name": "Meadow Nursery",
        "ofsted_urn": "EY100003",
        "address": "",
        "complaints_procedure": "Write to the owner, Jo Meadow.",
    }
    assert client.post(f"{SETTINGS}add/", data).status_code == 302
    [row] = logged("setting_added")
    assert (row.actor, row.setting.name) == (superuser, "Meadow Nursery")
    assert row.setting.complaints_procedure == "Write to the owner, Jo Meadow."


def test_the_complaints_procedure_is_edited_in_the_admin_and_logged(client, superuser, setting):
    """What parents are told in every pack and decision (policy P10) is the setting's to word."""
    client.force_login(superuser)
    assert "complaints_procedure" in client.get(f"{SETTINGS}{setting.pk}/change/").content.decode()
    data = {
        "name": setting.name,
        "ofsted_urn": setting.ofsted_urn,
        "address": setting.address,
        "complaints_procedure": "Speak to Ms Okafor, the manager, or write to the owner.",
    }
    assert client.post(f"{SETTINGS}{setting.pk}/change/", data).status_code == 302
    setting.refresh_from_db()
    assert setting.complaints_procedure == "Speak to Ms Okafor, the manager, or write to the owner."
    [row] = logged("setting_changed")
    assert (row.actor, row.detail) == (superuser, {"fields": ["complaints_procedure"]})
    assert setting.history.latest().history_user == superuser
