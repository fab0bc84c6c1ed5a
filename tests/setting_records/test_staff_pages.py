"""The managers' staff pages (/staff/): invite, role, leaver, return, set-password link.

Each change is checked for what it did (account, place, access), its history and its
access-log row; each refusal for its words and for leaving everything as it was.
"""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from children import services as children_services
from children.models import Child, NeedToKnowGrant
from setting_records import services
from setting_records.models import AccessAction, AccessLogEntry, Membership, Role, Setting, User
from setting_records.services import membership_add, membership_end, user_deactivate
from tests.children.test_query_counts import FRAME
from tests.conftest import make_staff


def actions(since: int = 0) -> list[str]:
    return list(
        AccessLogEntry.objects.filter(id__gt=since).order_by("id").values_list("action", flat=True)
    )


def last_log_id() -> int:
    return AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def texts(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def keyperson(setting):
    # keyperson is key person of one child and holds a need-to-know grant on another.
    return make_staff(setting, "keyperson")


def make_child(setting, manager, first_name, key_person=None):
    return children_services.child_create(
        setting=setting,
        actor=manager,
        key_person=key_person,
        first_name=first_name,
        last_name="Khan",
        date_of_birth=datetime.date(2023, 3, 14),
        started_on=datetime.date(2024, 9, 2),
    )


@pytest.fixture
def children(setting, manager, keyperson, practitioner):
    amara = make_child(setting, manager, "Amara", key_person=keyperson)
    children_services.care_team_set(child=amara, members=[practitioner], actor=manager)
    bilal = make_child(setting, manager, "Bilal")
    return {"amara": amara, "bilal": bilal}


def place(user, setting) -> Membership:
    return Membership.objects.get(user=user, setting=setting)


# The list.


def test_list_shows_the_settings_staff_and_leavers_apart(
    client, setting, manager, keyperson, practitioner, children
):
    gone = make_staff(setting, "gone")
    membership_end(membership=place(gone, setting), actor=manager)
    client.force_login(manager)
    response = client.get("/staff/")
    assert response.status_code == 200
    current = {p.user.username: p for p in response.context["current"]}
    assert set(current) == {"manager", "keyperson", "practitioner"}
    assert current["keyperson"].key_children == 1
    assert current["practitioner"].key_children == 0
    assert [p.user.username for p in response.context["leavers"]] == ["gone"]
    assert b"Invite a member of staff" in response.content


def test_list_query_count_does_not_grow_with_staff(
    client, setting, manager, keyperson, children, django_assert_num_queries
):
    for n in range(5):
        make_staff(setting, f"extra{n}")
    client.force_login(manager)
    client.get("/staff/")
    # the managed settings, the places with user, setting and key-children count
    with django_assert_num_queries(FRAME + 2):
        response = client.get("/staff/")
    assert len(response.context["current"]) == 8


def test_a_manager_of_two_settings_sees_both_marked_by_setting(
    client, setting, other_setting, manager, othermanager
):
    membership_add(user=manager, setting=other_setting, role=Role.MANAGER, actor=None)
    client.force_login(manager)
    response = client.get("/staff/")
    rows = {(p.user.username, p.setting.name) for p in response.context["current"]}
    assert ("othermanager", "Riverside Pre-School") in rows
    assert response.context["several_settings"]
    assert b"Riverside Pre-School" in response.content


@pytest.mark.parametrize("who", ["practitioner", "othermanager", "superuser"])
def test_staff_pages_are_404_to_anyone_but_the_settings_managers(
    client, request, manager, keyperson, setting, who
):
    client.force_login(request.getfixturevalue(who))
    membership = place(keyperson, setting)
    before = actions()
    if who == "othermanager":
        # Their own setting's list, without this setting's staff.
        listed = client.get("/staff/").context["current"]
        assert [p.user for p in listed] == [request.getfixturevalue(who)]
        # They may invite to their own setting, never to this one.
        assert client.get("/staff/invite/").status_code == 200
        response = client.post(
            "/staff/invite/",
            {"setting": setting.pk, "first_name": "A", "last_name": "B", "role": "manager"}
            | {"email": "a@example.org"},
        )
        assert response.context["form"].errors["setting"]
    else:
        assert client.get("/staff/").status_code == 404
        assert client.get("/staff/invite/").status_code == 404
    assert client.get(f"/staff/{keyperson.pk}/").status_code == 404
    for url in [
        f"/staff/{keyperson.pk}/add/",
        f"/staff/{keyperson.pk}/send-link/",
        f"/staff/places/{membership.pk}/role/",
        f"/staff/places/{membership.pk}/leave/",
        f"/staff/places/{membership.pk}/return/",
    ]:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"role": "manager", "email": "x@example.org"}).status_code == 404
    assert place(keyperson, setting).is_active
    assert place(keyperson, setting).role == Role.PRACTITIONER
    assert actions() == before


# Inviting.


def invite(client, **fields):
    data = {
        "setting": Setting.objects.get(ofsted_urn="EY100001").pk,
        "first_name": "Priya",
        "last_name": "Shah",
        "email": "Priya.Shah@example.org",
        "role": "practitioner",
    } | fields
    return client.post("/staff/invite/", data, follow=True)


def test_invite_makes_an_account_without_a_password_and_emails_the_link(client, setting, manager):
    client.force_login(manager)
    since = last_log_id()
    response = invite(client)
    user = User.objects.get(email="Priya.Shah@example.org")
    assert response.redirect_chain[-1][0] == f"/staff/{user.pk}/"
    assert user.username == "priya.shah@example.org"
    assert not user.has_usable_password()
    assert place(user, setting).role == Role.PRACTITIONER
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Priya.Shah@example.org"]
    assert "/accounts/reset/" in mail.outbox[0].body
    assert actions(since) == [AccessAction.STAFF_ACCOUNT_CREATED, AccessAction.MEMBERSHIP_ADDED]
    assert user.history.get().history_user == manager
    assert place(user, setting).history.get().history_change_reason == "Joined the staff"
    assert "A link to choose a password was emailed" in " ".join(texts(response))
    # Nothing on the pages asks for or shows a password.
    assert b"password1" not in response.content
    assert b'type="password"' not in response.content


def test_invite_says_plainly_when_the_email_failed_and_offers_it_again(
    client, setting, manager, monkeypatch
):
    def fail(self, *args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("setting_records.passwords.EmailMessage.send", fail)
    client.force_login(manager)
    response = invite(client)
    assert User.objects.filter(email__iexact="priya.shah@example.org").exists()
    assert "could not be sent" in " ".join(texts(response))
    assert "Send the link again" in response.content.decode()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": ""}, "email"),
        ({"email": "not-an-address"}, "email"),
        ({"first_name": ""}, "first_name"),
        ({"last_name": " "}, "last_name"),
        ({"role": "owner"}, "role"),
        ({"email": "x" * 140 + "@example.org"}, "email"),
    ],
)
def test_invite_shows_the_form_again_with_what_was_typed_and_the_error(
    client, manager, fields, field
):
    client.force_login(manager)
    users = User.objects.count()
    response = invite(client, **fields)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert User.objects.count() == users
    assert b"Priya" in response.content or fields.get("first_name") == ""


def test_invite_refuses_an_address_already_on_the_staff_here_whatever_its_case(
    client, setting, manager
):
    client.force_login(manager)
    invite(client)
    since = last_log_id()
    response = invite(client, email="PRIYA.SHAH@EXAMPLE.ORG", first_name="Other")
    assert response.status_code == 200
    assert "already on the staff of Little Acorns Nursery" in str(
        response.context["form"].errors["email"]
    )
    assert User.objects.filter(email__iexact="priya.shah@example.org").count() == 1
    assert actions(since) == []


def test_invite_says_nothing_of_an_account_at_a_setting_the_manager_does_not_manage(
    client, manager, othermanager
):
    othermanager.email = "other@example.org"
    othermanager.save()
    client.force_login(manager)
    response = invite(client, email="Other@Example.org")
    error = str(response.context["form"].errors["email"])
    assert "cannot be used for a new account" in error
    assert "Othermanager" not in response.content.decode()
    assert "Riverside" not in response.content.decode()
    assert response.context["form"].existing is None


def test_invite_offers_to_add_staff_of_another_setting_the_manager_manages(
    client, setting, other_setting, manager
):
    membership_add(user=manager, setting=other_setting, role=Role.MANAGER, actor=None)
    elsewhere = make_staff(other_setting, "riverside")
    elsewhere.email = "riverside@example.org"
    elsewhere.save()
    client.force_login(manager)
    response = invite(client, email="riverside@example.org", setting=setting.pk)
    assert "Add them to Little Acorns Nursery instead" in str(
        response.context["form"].errors["email"]
    )
    offer = f"/staff/{elsewhere.pk}/add/?setting={setting.pk}&amp;role=practitioner"
    assert offer in response.content.decode()
    # Following the offer adds the same account, not a duplicate.
    response = client.post(
        f"/staff/{elsewhere.pk}/add/", {"setting": setting.pk, "role": "manager"}, follow=True
    )
    assert place(elsewhere, setting).role == Role.MANAGER
    assert User.objects.filter(email="riverside@example.org").count() == 1


def test_add_existing_cannot_reach_a_setting_the_manager_does_not_manage(
    client, setting, other_setting, manager, keyperson
):
    client.force_login(manager)
    response = client.post(
        f"/staff/{keyperson.pk}/add/", {"setting": other_setting.pk, "role": "manager"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["setting"]
    assert not Membership.objects.filter(user=keyperson, setting=other_setting).exists()


# Roles.


def test_change_role_is_in_history_and_the_log(client, setting, manager, practitioner):
    client.force_login(manager)
    membership = place(practitioner, setting)
    since = last_log_id()
    response = client.post(f"/staff/places/{membership.pk}/role/", {"role": "manager"}, follow=True)
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER
    assert actions(since) == [AccessAction.MEMBERSHIP_ROLE_CHANGED]
    assert membership.history.first().history_user == manager
    assert "is now a Manager" in " ".join(texts(response))
    # The same again: harmless.
    response = client.post(f"/staff/places/{membership.pk}/role/", {"role": "manager"}, follow=True)
    assert "This was already done." in texts(response)
    assert actions(since) == [AccessAction.MEMBERSHIP_ROLE_CHANGED]


def test_the_last_manager_cannot_step_down(client, setting, manager):
    client.force_login(manager)
    membership = place(manager, setting)
    response = client.post(f"/staff/places/{membership.pk}/role/", {"role": "practitioner"})
    assert response.status_code == 200
    assert "only active manager" in str(response.context["form"].errors["role"])
    assert place(manager, setting).role == Role.MANAGER


# Leavers.


@pytest.fixture
def grant(children, manager, keyperson):
    return children_services.grant_give(
        child=children["bilal"],
        grantee=keyperson,
        reason="Speech therapy plan",
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
        actor=manager,
    )


def test_marking_a_leaver_asks_first_and_names_what_goes(
    client, setting, manager, keyperson, children
):
    client.force_login(manager)
    membership = place(keyperson, setting)
    response = client.get(f"/staff/places/{membership.pk}/leave/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 child will have no key person" in page
    assert "their account is switched off too" in page
    assert place(keyperson, setting).is_active


def test_a_leaver_loses_access_sessions_grants_and_key_children_at_once(
    client, setting, manager, keyperson, children, grant
):
    leaver = Client()
    leaver.force_login(keyperson)
    assert leaver.get(f"/children/{children['amara'].pk}/").status_code == 200
    client.force_login(manager)
    membership = place(keyperson, setting)
    since = last_log_id()
    response = client.post(f"/staff/places/{membership.pk}/leave/", follow=True)
    assert response.redirect_chain[-1][0] == f"/staff/{keyperson.pk}/"
    membership.refresh_from_db()
    keyperson.refresh_from_db()
    assert not membership.is_active
    assert not keyperson.is_active
    assert not keyperson.has_usable_password()
    # The grant ended the way a manager's revocation does: history and its own log row.
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert grant.revoked_by == manager
    assert grant.revoke_reason == "The member of staff left the setting."
    assert grant.history.first().history_change_reason == "Revoked"
    logged = actions(since)
    assert AccessAction.GRANT_REVOKED in logged
    assert AccessAction.KEY_PERSON_CHANGED in logged
    assert logged[-1] == AccessAction.STAFF_ACCOUNT_DEACTIVATED
    revoked = AccessLogEntry.objects.get(id__gt=since, action=AccessAction.GRANT_REVOKED)
    assert revoked.detail == {"grant": grant.pk, "grantee": keyperson.pk}
    # Their key child is listed for a new key person, linked to its team page.
    assert Child.objects.get(pk=children["amara"].pk).key_person is None
    assert f"/children/{children['amara'].pk}/team/" in response.content.decode()
    assert "has left Little Acorns Nursery" in " ".join(texts(response))
    # The leaver's open browser is logged out on its next request.
    response = leaver.get(f"/children/{children['amara'].pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    # Still in the history, still listed among the leavers.
    assert membership.history.first().history_change_reason == "Left the setting"
    leavers = client.get("/staff/").context["leavers"]
    assert [p.user for p in leavers] == [keyperson]


def test_a_second_click_on_mark_as_left_is_harmless(client, setting, manager, practitioner):
    client.force_login(manager)
    membership = place(practitioner, setting)
    client.post(f"/staff/places/{membership.pk}/leave/")
    since = last_log_id()
    response = client.post(f"/staff/places/{membership.pk}/leave/", follow=True)
    assert "This was already done." in texts(response)
    assert actions(since) == []


def test_leaving_one_of_two_settings_keeps_the_account(
    client, setting, other_setting, manager, practitioner
):
    membership_add(user=practitioner, setting=other_setting, role=Role.PRACTITIONER, actor=None)
    client.force_login(manager)
    membership = place(practitioner, setting)
    since = last_log_id()
    client.post(f"/staff/places/{membership.pk}/leave/")
    practitioner.refresh_from_db()
    assert practitioner.is_active
    assert place(practitioner, other_setting).is_active
    assert not place(practitioner, setting).is_active
    assert actions(since) == [AccessAction.MEMBERSHIP_ENDED]


def test_nobody_marks_themselves_as_left(client, setting, manager, practitioner):
    make_staff(setting, "deputy", Role.MANAGER)  # so that only the self-rule can refuse
    client.force_login(manager)
    membership = place(manager, setting)
    since = last_log_id()
    assert (
        "cannot mark yourself"
        in client.get(f"/staff/places/{membership.pk}/leave/").content.decode()
    )
    response = client.post(f"/staff/places/{membership.pk}/leave/", follow=True)
    assert "You cannot mark yourself as left. Ask another manager to do it." in texts(response)
    assert place(manager, setting).is_active
    manager.refresh_from_db()
    assert manager.is_active
    assert actions(since) == []


# Coming back, and links.


def test_a_leaver_with_a_deactivated_account_comes_back_with_a_new_link(
    client, setting, manager, practitioner
):
    practitioner.email = "p@example.org"
    practitioner.save()
    user_deactivate(user=practitioner, actor=manager)
    client.force_login(manager)
    membership = place(practitioner, setting)
    assert client.get(f"/staff/places/{membership.pk}/return/").status_code == 200
    since = last_log_id()
    response = client.post(f"/staff/places/{membership.pk}/return/", follow=True)
    practitioner.refresh_from_db()
    assert practitioner.is_active
    assert place(practitioner, setting).is_active
    assert actions(since) == [
        AccessAction.STAFF_ACCOUNT_REACTIVATED,
        AccessAction.MEMBERSHIP_REACTIVATED,
    ]
    assert len(mail.outbox) == 1
    assert "emailed a link" in " ".join(texts(response))
    response = client.post(f"/staff/places/{membership.pk}/return/", follow=True)
    assert "This was already done." in texts(response)
    assert len(actions(since)) == 2


def test_send_link_emails_the_member_and_logs_it(client, manager, practitioner):
    practitioner.email = "p@example.org"
    practitioner.save()
    client.force_login(manager)
    since = last_log_id()
    response = client.post(f"/staff/{practitioner.pk}/send-link/", follow=True)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["p@example.org"]
    assert actions(since) == [AccessAction.PASSWORD_LINK_SENT]
    assert "emailed to p@example.org" in " ".join(texts(response))


def test_send_link_says_so_when_there_is_no_address(client, manager, practitioner):
    client.force_login(manager)
    since = last_log_id()
    response = client.post(f"/staff/{practitioner.pk}/send-link/", follow=True)
    assert "has no email address" in " ".join(texts(response))
    assert mail.outbox == []
    assert actions(since) == []


def test_the_dashboard_links_staff_rows_to_their_pages(client, setting, manager, practitioner):
    client.force_login(manager)
    assert f'href="/staff/{practitioner.pk}/"' in client.get("/").content.decode()
    assert 'href="/staff/"' in client.get("/").content.decode()


def test_grants_given_elsewhere_are_left_alone(
    client, setting, other_setting, manager, othermanager, keyperson, grant
):
    assert NeedToKnowGrant.objects.filter(revoked_at__isnull=True).count() == 1
    membership_add(user=keyperson, setting=other_setting, role=Role.PRACTITIONER, actor=None)
    client.force_login(othermanager)
    client.post(f"/staff/places/{place(keyperson, other_setting).pk}/leave/")
    assert not place(keyperson, other_setting).is_active
    grant.refresh_from_db()
    assert grant.revoked_at is None


def test_a_leaver_is_no_longer_the_managers_to_send_links_to_or_place_elsewhere(
    client, setting, manager, practitioner
):
    practitioner.email = "p@example.org"
    practitioner.save()
    membership_end(membership=place(practitioner, setting), actor=manager)
    client.force_login(manager)
    # Still on their page, among the leavers...
    assert client.get(f"/staff/{practitioner.pk}/").status_code == 200
    # ...but nothing more is done to their account from here, nor offered.
    page = client.get(f"/staff/{practitioner.pk}/").content.decode()
    assert f"/staff/{practitioner.pk}/send-link/" not in page
    assert f"/staff/{practitioner.pk}/add/" not in page
    assert client.post(f"/staff/{practitioner.pk}/send-link/").status_code == 404
    assert client.get(f"/staff/{practitioner.pk}/add/").status_code == 404


def test_inviting_a_leaver_again_points_to_giving_their_place_back(
    client, setting, manager, practitioner
):
    practitioner.email = "p@example.org"
    practitioner.save()
    membership_end(membership=place(practitioner, setting), actor=manager)
    client.force_login(manager)
    response = invite(client, email="P@example.org")
    assert "Give them their place back" in str(response.context["form"].errors["email"])
    assert not response.context["form"].offer_add
    assert f"/staff/{practitioner.pk}/add/" not in response.content.decode()


def test_a_manager_who_steps_down_goes_home(client, setting, manager):
    make_staff(setting, "deputy", Role.MANAGER)
    client.force_login(manager)
    response = client.post(
        f"/staff/places/{place(manager, setting).pk}/role/", {"role": "practitioner"}
    )
    assert response["Location"] == "/"
    assert place(manager, setting).role == Role.PRACTITIONER


def test_member_page_query_count(
    client, setting, manager, keyperson, children, django_assert_num_queries
):
    client.force_login(manager)
    url = f"/staff/{keyperson.pk}/"
    client.get(url)
    # their places here with user, setting and key-children count
    with django_assert_num_queries(FRAME + 1):
        assert client.get(url).status_code == 200
    membership_end(membership=place(keyperson, setting), actor=manager)
    client.get(url)
    # their places, then for the place they left the children now without a key person
    with django_assert_num_queries(FRAME + 2):
        response = client.get(url)
    assert [child.first_name for child in response.context["places"][0].orphans] == ["Amara"]


def test_a_double_click_on_invite_makes_one_account_and_says_so(
    client, setting, manager, monkeypatch
):
    """The second request of a double click passed the form's check before the first had
    committed: the service, holding the setting's row, finds the account and says so."""
    client.force_login(manager)
    invite(client)
    real = services.email_taken
    calls = []

    def first_misses(email):  # the form's check (first call) ran before the first commit
        calls.append(email)
        return None if len(calls) == 1 else real(email)

    monkeypatch.setattr("setting_records.services.email_taken", first_misses)
    response = invite(client)
    assert len(calls) == 2
    assert response.status_code == 200
    assert "already on the staff of Little Acorns Nursery" in str(
        response.context["form"].errors["email"]
    )
    assert User.objects.filter(email__iexact="priya.shah@example.org").count() == 1


def test_an_invite_racing_the_unique_username_is_a_message_not_a_500(
    client, setting, manager, monkeypatch
):
    client.force_login(manager)
    invite(client)
    monkeypatch.setattr("setting_records.services.email_taken", lambda email: None)
    since = last_log_id()
    response = invite(client)
    assert response.status_code == 200
    assert "already on the staff" in str(response.context["form"].errors["email"])
    assert User.objects.filter(email__iexact="priya.shah@example.org").count() == 1
    assert actions(since) == []


def test_a_leavers_role_is_not_changed(client, setting, manager, practitioner):
    membership = place(practitioner, setting)
    membership_end(membership=membership, actor=manager)
    client.force_login(manager)
    since = last_log_id()
    response = client.post(f"/staff/places/{membership.pk}/role/", {"role": "manager"})
    assert response.status_code == 200
    assert "give their place back first" in str(response.context["form"].errors["role"])
    membership.refresh_from_db()
    assert (membership.role, membership.is_active) == (Role.PRACTITIONER, False)
    assert actions(since) == []
