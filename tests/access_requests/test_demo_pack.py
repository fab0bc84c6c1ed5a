"""The demo's released copy shows what a parent receives when something is withheld."""

import io

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from access_requests import services
from access_requests.models import PackRelease, Redaction


@pytest.fixture
def released(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", verbosity=0)
    return PackRelease.objects.select_related("request").get()


def test_the_released_demo_copy_has_a_withheld_entry_and_a_redacted_passage(released):
    pdf = services.released_bytes(released)
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    withheld = released.request.entries.select_related("record").filter(disclosure="withhold")
    assert withheld.exists()
    for entry in withheld:
        assert entry.record.is_third_party
        assert entry.record.title not in text
        assert entry.record.body[:40] not in text
    assert "[withheld — it is information about another person" in text
    redaction = Redaction.objects.select_related("entry__record").get(
        entry__request=released.request
    )
    assert redaction.entry.record.title in text
    assert redaction.passage in redaction.entry.record.body  # the record is unchanged
    before = redaction.entry.record.body.split(redaction.passage)[0].split()[-3:]
    assert f"{' '.join(before)} [withheld — it is information about another person" in text
    assert "Your rights" in text
