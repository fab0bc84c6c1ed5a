"""Logging in through the real pages, as a person does: password, then the app's code."""

import base64

from playwright.sync_api import Page, expect

from setting_records.demo import DEFAULT_PASSWORD, DEMO_TOTP_SECRET
from tests.conftest import current_code

# The demo's managers have an authenticator app set up with the documented key.
DEMO_MANAGERS = {"manager", "othermanager"}


def log_in(page: Page, base_url: str, username: str, password: str = DEFAULT_PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    if username in DEMO_MANAGERS:
        expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
        page.get_by_label("Code").fill(current_code(base64.b32decode(DEMO_TOTP_SECRET)))
        page.get_by_role("button", name="Continue").click()
