# The children, staff and records of tests/children are the world requests are made in.
from tests.children.conftest import *  # noqa: F403, I001

import datetime

import pytest
from django.utils import timezone

from access_requests import services
from children import services as children_services
from children.models import Person
from setting_records.history import save_as
from tests.children.conftest import share, write


def register(child, manager, first, relationship, pr=True, restriction=""):
    return children_services.connection_add(
        child=child,
        person=Person(first_name=first, last_name="Khan"),
        relationship=relationship,
        actor=manager,
        has_parental_responsibility=pr,
        pr_evidence="birth_certificate" if pr else "",
        restriction=restriction,
        # A restriction is an order of some type (``children.register.connection_problems``).
        restriction_type="prohibited_steps" if restriction else "",
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
    """Disclose every entry that waits for a decision (sensitive, third-party, naming), and
    include every parent's statement and recipient that waits for one."""
    for entry in request.entries.select_related("record"):
        if entry.needs_review:
            services.entry_decide(
                entry=entry,
                disclosure="reasonable" if entry.record.is_third_party else "disclose",
                actor=manager,
            )
    include_extras(request, manager)


def include_extras(request, manager, **decisions):
    """Decide every statement and recipient not yet decided through the review service:
    include, unless ``decisions`` maps the prepared row's ``("s" or "r", pk)`` to an
    ``ExtraDecision``'s fields."""

    def decided(prefix, rows):
        return [
            services.ExtraDecision(
                extra_id=row.pk, **decisions.get(f"{prefix}{row.pk}", {"decision": "include"})
            )
            for row in rows
            if not row.decision or f"{prefix}{row.pk}" in decisions
        ]

    statements = decided("s", request.prepared_statements.all())
    recipients = decided("r", request.prepared_recipients.all())
    if statements or recipients:
        services.entries_review(
            request=request,
            decisions=[],
            statements=statements,
            recipients=recipients,
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


# Rectification requests (policy P11): a parent says an entry is wrong.


def share_entry(record, manager, organisation="Children's Services", on=None):
    """A past recipient of ``record`` in the sharing log, through the sharing log's service.
    An entry a parent is disputing goes with the reason the service asks for (Art. 18(2))."""
    record.refresh_from_db(fields=["disputed"])
    reasons = {record.pk: "A safeguarding referral that could not wait."} if record.disputed else {}
    return share(
        record.child,
        manager,
        [record],
        recipient_organisation=organisation,
        decided_on=on or timezone.localdate(),
        disputed_reasons=reasons,
    )


def written_long_ago(record, days=120):
    """Back-date an entry, so a request about it can have been received on an earlier day."""
    record.created_at = record.occurred_at = timezone.now() - datetime.timedelta(days=days)
    save_as(record, actor=record.author, reason="Back-dated for the test")
    return record


def rectify(record, requester, manager, days_ago=3, **extra):
    if timezone.localtime(record.occurred_at).date() > timezone.localdate() - datetime.timedelta(
        days=days_ago
    ):
        written_long_ago(record)
    fields = {
        "what_is_wrong": "It says she was collected at 5pm; it was 4pm.",
        "what_it_should_say": "Collected at 4pm.",
        "channel": "letter",
    }
    return services.rectification_create(
        record=record,
        requester=requester,
        received_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        actor=manager,
        **(fields | extra),
    )


def decide_corrected(rectification, manager, **extra):
    record = rectification.record
    fields = {
        "outcome": "corrected",
        "found_nature": record.nature,
        "misclassified": False,
        "reasons": "The signing-out sheet says 4pm.",
        "corrected_title": record.title,
        "corrected_body": "Collected at 4pm.",
    }
    return services.rectification_decide(
        rectification=rectification, actor=manager, **(fields | extra)
    )


def decide_kept(rectification, manager, **extra):
    record = rectification.record
    fields = {
        "outcome": "kept",
        "found_nature": record.nature,
        "misclassified": False,
        "reasons": "The key person's judgement; the parent sees it differently.",
        "statement_words": "I do not agree: she was just tired that day.",
        "statement_made_on": timezone.localdate(),
        "statement_taken_how": "meeting",
    }
    return services.rectification_decide(
        rectification=rectification, actor=manager, **(fields | extra)
    )


def verify(rectification, manager):
    return services.identity_verify(request=rectification, method="Known to staff", actor=manager)


@pytest.fixture
def rectification_received(general_record, mother, manager):
    return rectify(general_record, mother, manager)


@pytest.fixture
def rectification_verified(rectification_received, manager):
    return verify(rectification_received, manager)
