import base64

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from setting_records.demo import DEMO_TOTP_SECRET
from tests.conftest import current_code

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


def test_demo_manager_gives_a_code_after_the_password(live_server, page: Page):
    call_command("seed_demo", verbosity=0)

    page.goto(f"{live_server.url}/children/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/children/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill("demo-pass-2026")
    page.get_by_role("button", name="Log in").click()

    # Past the password only: the code page, with no way round it.
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    page.get_by_label("Code").fill(current_code(base64.b32decode(DEMO_TOTP_SECRET)))
    page.get_by_role("button", name="Continue").click()

    # On to the page the login was for.
    expect(page).to_have_url(f"{live_server.url}/children/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Children")
