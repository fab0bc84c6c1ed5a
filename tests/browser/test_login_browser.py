import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_keyperson_logs_in_and_sees_their_home_page(live_server, page: Page):
    call_command("seed_demo", verbosity=0)

    page.goto(f"{live_server.url}/")
    # Not logged in: every page leads to the login form first.
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")

    page.get_by_label("Username").fill("keyperson")
    page.get_by_label("Password").fill("demo-pass-2026")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Kirsty")
    expect(page.locator(".site-header__setting")).to_have_text("Little Acorns Nursery")
    expect(page.get_by_text("Practitioner")).to_be_visible()

    # The stylesheet is served from the app itself, not fetched from elsewhere.
    background = page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(31, 95, 139)"

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
