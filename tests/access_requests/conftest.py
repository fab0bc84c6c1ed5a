# The children, staff and records of tests/children are the world requests are made in.
from tests.children.conftest import *  # noqa: F403, I001

import datetime

import pytest
from django.utils import timezone

from access_requests import services
from children import services as children_services
from children.models import Person
from tests.children.conftest import write


def register(child, manager, first, relationship, pr=True, restriction=""):
    return children_services.connection_add(
        child=child,
        person=Person(first_name=first, last_name="Khan"),
        relationship=relationship,
        actor=manager,
        has_parental_responsibility=pr,
        pr_evidence="birth_certificate" if pr else "",
        restriction=restriction,
    ).person


@pytest.fixture
def mother(child, manager):
    # mother holds parental responsibility and may ask for the records and attend.
    return register(child, manager, "Farah", "mother")


@pytest.fixture
def father(child, manager):
    # father holds parental responsibility but is under a prohibited steps order.
    return register(child, manager, "Dan", "father", restriction="Prohibited steps order")


@pytest.fixture
def grandmother(child, manager):
    # grandmother collects the child but holds no parental responsibility.
    return register(child, manager, "Nadia", "grandparent", pr=False)


@pytest.fixture
def third_party_record(child, keyperson):
    return write(
        child,
        keyperson,
        "sensitive",
        title="Health visitor's report",
        body="Confidential words from the health visitor.",
        source="third_party",
        third_party_name="Jane Doe",
        third_party_organisation="NHS",
        sharer_confidential=True,
        subject_confidential=False,
    )


@pytest.fixture
def request_received(child, mother, manager):
    return services.request_create(
        child=child,
        requester=mother,
        received_on=timezone.localdate() - datetime.timedelta(days=3),
        channel="letter",
        actor=manager,
    )


@pytest.fixture
def request_preparing(request_received, manager, general_record, sensitive_record):
    services.identity_verify(request=request_received, method="Passport seen", actor=manager)
    return services.preparation_start(request=request_received, actor=manager)


def disclose_reviewed(request, manager):
    """Disclose every entry that waits for a decision (sensitive, third-party, naming)."""
    for entry in request.entries.select_related("record"):
        if entry.needs_review:
            services.entry_decide(
                entry=entry,
                disclosure="reasonable" if entry.record.is_third_party else "disclose",
                actor=manager,
            )


@pytest.fixture
def request_held(request_preparing, manager, mother):
    disclose_reviewed(request_preparing, manager)
    services.ready_for_meeting(request=request_preparing, actor=manager)
    services.meeting_schedule(
        request=request_preparing,
        scheduled_at=timezone.now() - datetime.timedelta(hours=2),
        place="Office",
        actor=manager,
    )
    services.attendee_add(request=request_preparing, person=mother, actor=manager)
    services.meeting_record_held(
        request=request_preparing,
        held_at=timezone.now() - datetime.timedelta(hours=1),
        contents_explained=True,
        actor=manager,
    )
    request_preparing.refresh_from_db()
    return request_preparing


@pytest.fixture
def request_released(request_held, manager):
    services.pack_release(
        request=request_held, recipient_person=request_held.requester, actor=manager
    )
    request_held.refresh_from_db()
    return request_held


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
