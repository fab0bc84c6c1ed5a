"""Staff services: one access-log row each, the refusals, set-password links and sessions."""

import re
import threading

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections

from setting_records import access, access_log, log_anchor, services
from setting_records.errors import WorkflowError
from setting_records.models import AccessLogEntry, Membership, Role, User
from setting_records.settings import site_url
from tests.conftest import PASSWORD, make_staff

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-quite-different-pass-2026"


@pytest.fixture
def deputy(setting) -> User:
    # deputy is a second manager of the setting, so that the first may step down.
    return make_staff(setting, "deputy", Role.MANAGER)


def membership_of(user: User) -> Membership:
    return Membership.objects.select_related("user", "setting").get(user=user)


def rows_after(first_id: int) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(id__gt=first_id).order_by("id"))


def last_id() -> int:
    return AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def link_in(message) -> str:
    found = re.search(r"https?://\S+", message.body)
    assert found, message.body
    return found.group(0)


# Each service: exactly one row, naming who did what to whom.


def test_membership_add_logs_one_row(setting, manager):
    newcomer = User.objects.create_user(username="newcomer")
    start = last_id()
    services.membership_add(user=newcomer, setting=setting, role=Role.PRACTITIONER, actor=manager)
    [row] = rows_after(start)
    assert (row.action, row.actor, row.setting) == ("membership_added", manager, setting)
    assert row.detail == {"user": newcomer.pk, "username": "newcomer", "role": "practitioner"}


def test_membership_change_role_logs_one_row(setting, manager, practitioner):
    start = last_id()
    services.membership_change_role(
        membership=membership_of(practitioner), role=Role.MANAGER, actor=manager
    )
    [row] = rows_after(start)
    assert (row.action, row.actor, row.setting) == ("membership_role_changed", manager, setting)
    assert row.detail == {
        "user": practitioner.pk,
        "username": "practitioner",
        "old_role": "practitioner",
        "role": "manager",
    }
    assert access.manages(practitioner, setting.pk)
    assert membership_of(practitioner).history.latest().history_user == manager


def test_membership_end_and_reactivate_log_one_row_each(setting, manager, practitioner):
    membership = membership_of(practitioner)
    start = last_id()
    services.membership_end(membership=membership, actor=manager)
    [ended] = rows_after(start)
    assert (ended.action, ended.actor, ended.setting) == ("membership_ended", manager, setting)
    assert ended.detail["user"] == practitioner.pk

    services.membership_reactivate(membership=membership, actor=manager)
    [back] = rows_after(ended.id)
    assert (back.action, back.detail["user"]) == ("membership_reactivated", practitioner.pk)
    assert Membership.objects.get(pk=membership.pk).is_active
    log_anchor.record_head()  # what the commit would do: the test's transaction never commits
    assert access_log.verify().intact


def test_deactivation_logs_a_row_for_the_account_and_one_per_setting_left(
    setting, other_setting, manager, practitioner
):
    services.membership_add(
        user=practitioner, setting=other_setting, role=Role.PRACTITIONER, actor=manager
    )
    start = last_id()
    services.user_deactivate(user=practitioner, actor=manager)
    # Each setting's own log says its member left (its manager reads it), then the account.
    *ended, row = rows_after(start)
    assert {(r.action, r.setting_id) for r in ended} == {
        ("membership_ended", setting.pk),
        ("membership_ended", other_setting.pk),
    }
    assert (row.action, row.actor) == ("staff_account_deactivated", manager)
    assert sorted(row.detail["left_settings"]) == sorted([setting.pk, other_setting.pk])
    practitioner.refresh_from_db()
    assert not practitioner.is_active
    assert not practitioner.memberships.filter(is_active=True).exists()
    # The password goes with the account: whoever knew it cannot come back with it.
    assert not practitioner.has_usable_password()


def test_reactivation_logs_one_row_and_sends_a_link(manager, practitioner):
    practitioner.email = "practitioner@acorns.example"
    practitioner.save()
    services.user_deactivate(user=practitioner, actor=manager)
    start = last_id()
    services.user_reactivate(user=practitioner, actor=manager)
    [row] = rows_after(start)
    assert (row.action, row.detail["link_sent"]) == ("staff_account_reactivated", True)
    [message] = mail.outbox
    assert message.to == ["practitioner@acorns.example"]
    assert link_in(message).startswith("https://records.example.org/accounts/reset/")
    # Places at settings are given back one by one, never by reactivating the account.
    assert not practitioner.memberships.filter(is_active=True).exists()


def test_user_create_has_no_password_and_logs_one_row(manager):
    start = last_id()
    created = services.user_create(
        user=User(username="newstarter", email="new@acorns.example"), actor=manager
    )
    [row] = rows_after(start)
    assert (row.action, row.actor) == ("staff_account_created", manager)
    assert row.detail == {
        "user": created.user.pk,
        "username": "newstarter",
        "link_sent": True,
        "is_superuser": False,
    }
    assert created.link_sent
    assert not created.user.has_usable_password()
    [message] = mail.outbox
    assert "made you a Setting Records account" in message.body


def test_user_update_logs_the_fields_and_refuses_the_rest(manager, practitioner):
    practitioner.email = "moved@acorns.example"
    start = last_id()
    services.user_update(user=practitioner, fields=["email"], actor=manager)
    [row] = rows_after(start)
    assert (row.action, row.detail["fields"]) == ("staff_account_changed", ["email"])
    with pytest.raises(WorkflowError, match="is_active"):
        services.user_update(user=practitioner, fields=["is_active"], actor=manager)
    with pytest.raises(WorkflowError, match="password"):
        services.user_update(user=practitioner, fields=["password"], actor=manager)


def test_password_link_send_logs_one_row(manager, practitioner):
    practitioner.email = "practitioner@acorns.example"
    practitioner.save()
    start = last_id()
    services.password_link_send(user=practitioner, actor=manager)
    [row] = rows_after(start)
    assert (row.action, row.actor, row.detail["user"]) == (
        "password_link_sent",
        manager,
        practitioner.pk,
    )
    [message] = mail.outbox
    assert "Manager has sent you a link" in message.body
    # Sending a link changes nothing until its owner uses it.
    practitioner.refresh_from_db()
    assert practitioner.check_password(PASSWORD)


def test_password_link_needs_an_address(manager, practitioner):
    start = last_id()
    with pytest.raises(WorkflowError, match="no email address"):
        services.password_link_send(user=practitioner, actor=manager)
    assert rows_after(start) == []


def test_password_change_logs_one_row_and_never_for_someone_else(manager, practitioner):
    start = last_id()
    with pytest.raises(WorkflowError, match="Nobody sets another person's password"):
        services.password_change(user=practitioner, new_password=NEW_PASSWORD, actor=manager)
    with pytest.raises(WorkflowError, match="too short"):
        services.password_change(user=practitioner, new_password="short", actor=practitioner)
    assert rows_after(start) == []
    services.password_change(user=practitioner, new_password=NEW_PASSWORD, actor=practitioner)
    [row] = rows_after(start)
    assert (row.action, row.actor) == ("password_changed", practitioner)
    assert NEW_PASSWORD not in str(row.detail)
    practitioner.refresh_from_db()
    assert practitioner.check_password(NEW_PASSWORD)


# Refusals: a setting keeps an active manager; nobody deactivates themselves.


@pytest.mark.parametrize(
    "change",
    [
        lambda m, actor: services.membership_end(membership=m, actor=actor),
        lambda m, actor: services.membership_change_role(
            membership=m, role=Role.PRACTITIONER, actor=actor
        ),
        lambda m, actor: services.user_deactivate(user=m.user, actor=actor),
    ],
    ids=["end", "demote", "deactivate"],
)
def test_the_last_active_manager_stays(setting, manager, superuser, change):
    start = last_id()
    with pytest.raises(WorkflowError, match="only active manager"):
        change(membership_of(manager), superuser)
    assert rows_after(start) == []
    assert access.manages(manager, setting.pk)
    assert User.objects.get(pk=manager.pk).is_active


def test_a_manager_may_step_down_when_another_is_there(setting, manager, deputy):
    services.membership_change_role(
        membership=membership_of(manager), role=Role.PRACTITIONER, actor=deputy
    )
    assert not access.manages(manager, setting.pk)
    # Now the deputy is the last one.
    with pytest.raises(WorkflowError, match="only active manager"):
        services.membership_end(membership=membership_of(deputy), actor=deputy)


def test_a_deactivated_manager_does_not_count(setting, manager, deputy, superuser):
    services.user_deactivate(user=deputy, actor=manager)
    with pytest.raises(WorkflowError, match="only active manager"):
        services.membership_end(membership=membership_of(manager), actor=superuser)


def test_nobody_deactivates_themselves(manager, deputy):
    with pytest.raises(WorkflowError, match="your own account"):
        services.user_deactivate(user=deputy, actor=deputy)
    assert User.objects.get(pk=deputy.pk).is_active


def test_a_deactivated_account_joins_nothing(setting, other_setting, manager, practitioner):
    services.user_deactivate(user=practitioner, actor=manager)
    with pytest.raises(WorkflowError, match="deactivated"):
        services.membership_add(
            user=practitioner, setting=other_setting, role=Role.MANAGER, actor=manager
        )
    with pytest.raises(WorkflowError, match="deactivated"):
        services.membership_reactivate(membership=membership_of(practitioner), actor=manager)


# Links point at SITE_URL, never at the Host header a visitor sent.


def test_forgotten_password_link_ignores_a_hostile_host_header(client, practitioner):
    practitioner.email = "practitioner@acorns.example"
    practitioner.save()
    response = client.post(
        "/accounts/password_reset/",
        {"email": "practitioner@acorns.example"},
        HTTP_HOST="127.0.0.1:1",
    )
    assert response.status_code == 302
    [message] = mail.outbox
    assert link_in(message).startswith("https://records.example.org/accounts/reset/")
    assert "127.0.0.1:1" not in message.body + message.subject


def test_the_link_follows_the_configured_address(client, practitioner, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    practitioner.email = "practitioner@acorns.example"
    practitioner.save()
    client.post("/accounts/password_reset/", {"email": practitioner.email}, HTTP_HOST="localhost:1")
    [message] = mail.outbox
    assert link_in(message).startswith("http://127.0.0.1:8000/accounts/reset/")


def test_a_new_account_may_ask_for_a_fresh_link_but_a_deactivated_one_may_not(
    client, manager, practitioner
):
    created = services.user_create(
        user=User(username="newstarter", email="new@acorns.example"), actor=manager
    ).user
    mail.outbox.clear()
    client.post("/accounts/password_reset/", {"email": "NEW@acorns.example"})
    assert [m.to for m in mail.outbox] == [["new@acorns.example"]]

    services.user_deactivate(user=created, actor=manager)
    mail.outbox.clear()
    response = client.post("/accounts/password_reset/", {"email": "new@acorns.example"})
    # The same answer either way, so that the page does not tell who has an account.
    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("value", "debug", "hosts", "expected"),
    [
        ("https://records.example.org/", False, [], "https://records.example.org"),
        ("", True, [], "http://127.0.0.1:8000"),
        ("", False, [".example.org", "records.example.org"], "https://records.example.org"),
    ],
)
def test_site_url_comes_from_configuration(value, debug, hosts, expected):
    assert site_url(value, debug=debug, allowed_hosts=hosts) == expected


@pytest.mark.parametrize(
    ("value", "hosts"),
    [
        ("", []),
        ("", ["*"]),
        ("records.example.org", []),
        ("ftp://records.example.org", []),
        ("https://records.example.org/app", []),
        ("https://user@records.example.org", []),
        ("https://records.example.org/?next=x", []),
    ],
)
def test_site_url_refuses_what_it_cannot_use(value, hosts):
    with pytest.raises(ImproperlyConfigured, match="SITE_URL"):
        site_url(value, debug=False, allowed_hosts=hosts)


# Sessions: a password change or a deactivation ends the user's other sessions.


def two_sessions(client, user: User) -> tuple[str, str]:
    """Log ``user`` in twice with the one test client; return both session keys."""
    client.force_login(user)
    first = client.session.session_key
    client.cookies.clear()
    client.force_login(user)
    second = client.session.session_key
    assert first != second
    return first, second


def use_session(client, key: str) -> None:
    client.cookies["sessionid"] = key


def test_changing_your_own_password_keeps_your_session_and_ends_the_others(client, practitioner):
    elsewhere, _here = two_sessions(client, practitioner)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert AccessLogEntry.objects.filter(action="password_changed", actor=practitioner).exists()
    use_session(client, elsewhere)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_set_password_link_ends_every_session(client, manager, practitioner):
    practitioner.email = "practitioner@acorns.example"
    practitioner.save()
    client.force_login(practitioner)
    logged_in = client.session.session_key
    services.password_link_send(user=practitioner, actor=manager)
    link = link_in(mail.outbox[0]).removeprefix("https://records.example.org")

    client.cookies.clear()
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    row = AccessLogEntry.objects.get(action="password_changed")
    assert row.actor == practitioner

    use_session(client, logged_in)
    assert client.get("/").status_code == 302
    # The link works once.
    assert not client.get(link, follow=True).context["validlink"]


def test_deactivation_ends_a_live_session_for_good(client, manager, practitioner):
    client.force_login(practitioner)
    assert client.get("/").status_code == 200
    services.user_deactivate(user=practitioner, actor=manager)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    # Coming back does not bring the old session back with it.
    services.user_reactivate(user=practitioner, actor=manager)
    assert client.get("/").status_code == 302


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_managers_demoting_each_other_at_once_leave_one(setting, manager, deputy):
    """The setting's row is locked: the second demotion sees the first and is refused."""
    if connection.vendor != "postgresql":
        pytest.skip("Needs concurrent connections to a real server; runs in CI's PostgreSQL pass")
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(target: User, actor: User) -> None:
        try:
            start.wait()
            membership = Membership.objects.select_related("user", "setting").get(user=target)
            services.membership_change_role(
                membership=membership, role=Role.PRACTITIONER, actor=actor
            )
            outcomes.append("demoted")
        except WorkflowError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    workers = [
        threading.Thread(target=demote, args=(manager, deputy)),
        threading.Thread(target=demote, args=(deputy, manager)),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(outcomes) == ["demoted", "refused"]
    assert Membership.objects.filter(setting=setting, role=Role.MANAGER).count() == 1
