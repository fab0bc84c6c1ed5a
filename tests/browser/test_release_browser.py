import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from access_requests.models import AccessRequest, PackRelease, State
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_releases_a_copy_once_after_the_meeting(
    live_server, page: Page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", verbosity=0)
    ready = next(
        r for r in AccessRequest.objects.filter(state=State.MEETING_HELD) if not r.flags.exists()
    )

    log_in(page, live_server.url, "manager")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Access requests").click()
    page.get_by_role("link", name=ready.reference).click()
    expect(page.get_by_text("Nothing stands in the way")).to_be_visible()
    page.get_by_role("button", name="Release the copy").click()

    expect(page.get_by_text("Copy released.")).to_be_visible()
    expect(page.get_by_role("button", name="Release the copy")).to_have_count(0)
    with page.expect_download() as download:
        page.evaluate(
            "url => { const a = document.createElement('a'); a.href = url; a.download = ''; "
            "document.body.appendChild(a); a.click(); }",
            f"/access-requests/{ready.pk}/pack.pdf",
        )
    assert download.value.path().read_bytes().startswith(b"%PDF")
    assert PackRelease.objects.filter(request=ready).count() == 1
