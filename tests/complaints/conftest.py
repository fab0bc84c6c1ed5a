import datetime

import pytest
from django.utils import timezone

from complaints import services as complaint_services

# The world of tests/access_requests (children, staff, records, parents, requests) is the
# world complaints are made in.
from tests.access_requests.conftest import *  # noqa: F403


def log_complaint(setting, actor, **extra):
    """A complaint logged by ``actor`` at ``setting``: a written one received three days ago
    from a named person outside the register, about the care of a child, unless told
    otherwise."""
    fields = {
        "received_on": timezone.localdate() - datetime.timedelta(days=3),
        "received_how": "letter",
        "about": "other",
        "summary": "The garden gate was left open at pick-up time.",
        "complainant_name": "Pat Jones",
        "complainant_contact": "07700 900123",
    }
    return complaint_services.complaint_log(setting=setting, actor=actor, **(fields | extra))


def advance(complaint, manager, to):
    """Move ``complaint`` on through the states, by ``manager``, until it is ``to``."""
    today = timezone.localdate()
    order = ["received", "acknowledged", "investigating", "outcome_notified", "closed"]
    for state in order[order.index(complaint.state) + 1 : order.index(to) + 1]:
        if state == "acknowledged":
            complaint = complaint_services.complaint_acknowledge(
                complaint=complaint, actor=manager, acknowledged_on=today, acknowledged_how="email"
            )
        elif state == "investigating":
            complaint = complaint_services.complaint_investigate(
                complaint=complaint, actor=manager, started_on=today
            )
        elif state == "outcome_notified":
            complaint = complaint_services.complaint_notify_outcome(
                complaint=complaint,
                actor=manager,
                findings="The gate latch was faulty.",
                outcome="upheld",
                actions_taken="The latch was replaced and staff reminded to check it.",
                notified_on=today,
                notified_how="letter",
            )
        elif state == "closed":
            complaint = complaint_services.complaint_close(complaint=complaint, actor=manager)
    return complaint


@pytest.fixture
def complaint(setting, manager):
    # A written complaint, received three days ago, logged by the manager.
    return log_complaint(setting, manager)


@pytest.fixture
def logged_by_practitioner(setting, practitioner):
    # A complaint the practitioner received and logged: they see what they logged, no more.
    return log_complaint(setting, practitioner, received_how="in_person", on_clock=False)
