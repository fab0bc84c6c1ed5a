"""In a real browser the Content Security Policy blocks nothing the app or the admin needs.

Chromium reports every blocked script, style or handler on the console; the pages here must
produce no such report, and the admin's own scripts must run (they add "Add another" links).
"""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from setting_records.models import User
from tests.conftest import SecondFactorClient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, live_server, user: User) -> None:
    # A session made by the test client (second factor passed), handed to the browser: the
    # policy is what is tested.
    client = SecondFactorClient()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def watch_console(page: Page) -> list[str]:
    reports: list[str] = []
    page.on(
        "console",
        lambda message: (
            reports.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: reports.append(str(error)))
    return reports


def test_the_admin_runs_its_scripts_under_the_policy(live_server, page: Page):
    call_command("seed_demo", verbosity=0)
    root = User.objects.create_superuser(username="root", password="x" * 20, email="r@x.org")
    manager = User.objects.get(username="manager")
    reports = watch_console(page)
    sign_in(page, live_server, root)

    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Site administration")
    page.goto(f"{live_server.url}/admin/setting_records/user/")
    # Ticking "select all" updates the counter only when actions.js runs.
    page.locator("#action-toggle").check()
    count = User.objects.count()
    expect(page.locator(".action-counter")).to_contain_text(f"{count} of {count} selected")
    page.goto(f"{live_server.url}/admin/setting_records/user/{manager.pk}/change/")
    page.goto(f"{live_server.url}/admin/setting_records/user/add/")
    page.goto(f"{live_server.url}/admin/setting_records/setting/")

    assert reports == []


def test_the_app_pages_report_nothing_blocked(live_server, page: Page):
    call_command("seed_demo", verbosity=0)
    reports = watch_console(page)
    sign_in(page, live_server, User.objects.get(username="manager"))

    for path in ["/", "/children/", "/access-requests/", "/grants/"]:
        page.goto(f"{live_server.url}{path}")
    page.goto(f"{live_server.url}/children/")
    page.locator("main a[href^='/children/']").first.click()
    page.goto(f"{live_server.url}/access-requests/")
    page.locator("main a[href^='/access-requests/']").first.click()

    assert reports == []
