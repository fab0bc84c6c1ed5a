from datetime import timedelta

from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.conftest import PASSWORD, add_authenticator, current_code


def log_in(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_leads_to_a_home_page_with_setting_and_role(client, manager):
    device = add_authenticator(manager)
    response = log_in(client, "manager")
    assert response.status_code == 302
    assert response["Location"] == "/"
    # A manager gives a code from their app next.
    assert client.get("/")["Location"] == "/accounts/two-factor/?next=%2F"
    response = client.post("/accounts/two-factor/?next=%2F", {"otp_token": current_code(device)})
    assert response["Location"] == "/"

    home = client.get("/")
    assert home.status_code == 200
    page = home.content.decode()
    assert "Hello, Manager" in page
    assert "Little Acorns Nursery" in page
    assert "<strong>Manager</strong>" in page


def test_wrong_password_is_refused_with_a_message(client, practitioner):
    response = log_in(client, "practitioner", "not-the-password")
    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert client.get("/").status_code == 302


def test_deactivated_account_cannot_log_in(client, practitioner):
    practitioner.is_active = False
    practitioner.save()
    assert log_in(client, "practitioner").status_code == 200
    assert client.get("/").status_code == 302


def test_home_without_a_setting_says_so(client, django_user_model):
    django_user_model.objects.create_user(username="newstarter", password=PASSWORD)
    log_in(client, "newstarter")
    assert "not linked to any setting" in client.get("/").content.decode()


def test_logout_by_get_is_refused(client, practitioner):
    client.force_login(practitioner)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/").status_code == 200


def test_logout_by_post_ends_the_session(client, practitioner):
    client.force_login(practitioner)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_session_ends_after_thirty_idle_minutes(client, practitioner):
    client.force_login(practitioner)
    assert client.get("/").status_code == 200
    session = Session.objects.get()
    remaining = session.expire_date - timezone.now()
    assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)

    # Thirty minutes pass with no request.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_each_request_restarts_the_idle_clock(client, practitioner):
    client.force_login(practitioner)
    client.get("/")
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))

    assert client.get("/").status_code == 200
    remaining = Session.objects.get().expire_date - timezone.now()
    assert remaining > timedelta(minutes=29)


def test_login_page_needs_no_login_and_sets_no_session(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert Session.objects.count() == 0


def test_repeated_wrong_passwords_lock_the_account_out_and_are_logged(client, practitioner):
    from setting_records.models import AccessLogEntry

    for _ in range(5):
        client.post("/accounts/login/", {"username": "practitioner", "password": "guess"})
    rows_at_lockout = AccessLogEntry.objects.count()
    # Now even the right password is refused, with a page that says why.
    response = client.post("/accounts/login/", {"username": "practitioner", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert client.get("/").status_code == 302
    actions = list(AccessLogEntry.objects.order_by("id").values_list("action", flat=True))
    assert "login_failed" in actions
    assert actions.count("locked_out") == 1
    assert "login" not in actions
    # The refused attempt is counted for a later row, not logged one row each.
    assert len(actions) == rows_at_lockout


def test_a_lockout_is_per_username(client, practitioner, manager):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "practitioner", "password": "guess"})
    response = client.post("/accounts/login/", {"username": "manager", "password": PASSWORD})
    assert response.status_code == 302
