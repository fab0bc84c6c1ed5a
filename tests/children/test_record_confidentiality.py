"""Confidential third-party information is sensitive: never "general", seen by the whole care team
(policy P2 and P6)."""

import datetime

import pytest
from django.utils import timezone

from children.forms import RecordForm
from children.models import Record
from setting_records.errors import WorkflowError
from tests.children.conftest import write

THIRD_PARTY = {
    "source": "third_party",
    "third_party_name": "Jane Doe",
    "third_party_organisation": "NHS",
}


def test_the_service_refuses_confidential_third_party_information_as_general(child, keyperson):
    with pytest.raises(WorkflowError, match="mark the entry sensitive"):
        write(child, keyperson, "general", sharer_confidential=True, **THIRD_PARTY)
    with pytest.raises(WorkflowError, match="mark the entry sensitive"):
        write(child, keyperson, "general", subject_confidential=True, **THIRD_PARTY)
    assert not Record.objects.exists()
    # Sensitive is fine; so is general when neither party needs it kept confidential.
    write(child, keyperson, "sensitive", sharer_confidential=True, **THIRD_PARTY)
    write(
        child,
        keyperson,
        "general",
        sharer_confidential=False,
        subject_confidential=False,
        **THIRD_PARTY,
    )


def test_the_service_refuses_an_update_to_general(child, keyperson, manager):
    from children import services

    record = write(child, keyperson, "sensitive", subject_confidential=True, **THIRD_PARTY)
    with pytest.raises(WorkflowError, match="mark the entry sensitive"):
        services.record_update(
            record=record,
            actor=manager,
            reason="Share with the team",
            kind=record.kind,
            sensitivity="general",
            nature=record.nature,
            title=record.title,
            body=record.body,
            occurred_at=record.occurred_at,
            **THIRD_PARTY,
        )
    record.refresh_from_db()
    assert record.sensitivity == "sensitive"


def form_data(**changes):
    return {
        "kind": "observation",
        "sensitivity": "general",
        "nature": "fact",
        "title": "Health visitor's call",
        "body": "Words.",
        "occurred_at": (timezone.localtime() - datetime.timedelta(days=1)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "subject_confidential": "yes",
        **THIRD_PARTY,
    } | changes


def test_the_form_says_so_beside_the_sensitivity(db):
    form = RecordForm(form_data())
    assert not form.is_valid()
    assert "mark the entry sensitive" in " ".join(form.errors["sensitivity"])
    assert RecordForm(form_data(sensitivity="sensitive")).is_valid(), RecordForm(
        form_data(sensitivity="sensitive")
    ).errors
