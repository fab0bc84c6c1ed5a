import re

import pytest

from access_requests import services
from access_requests.models import AccessRequest, PackRelease, State
from setting_records import access_log
from setting_records.errors import WorkflowError


@pytest.fixture
def demo(demo_files):
    # seed_demo runs once for this module (tests/conftest.py: seeded_demo, which also runs what
    # its commit would: the access log's anchor); each test reads it in its own savepoint, with
    # its own copy of the released packs and the anchor.
    return demo_files


def test_demo_has_a_request_in_every_state(demo):
    states = set(AccessRequest.objects.values_list("state", flat=True))
    assert states == set(State.values)


def test_demo_release_came_after_its_meeting(demo):
    release = PackRelease.objects.get()
    meeting = release.request.meeting
    assert meeting.held_at < release.released_at
    assert meeting.contents_explained
    assert services.pack_path(release.file_name).exists()


def test_demo_has_a_meeting_not_yet_held_and_one_blocked_by_a_flag(demo):
    ready = AccessRequest.objects.get(state=State.READY_FOR_MEETING)
    assert ready.meeting.held_at is None
    blocked = [
        r
        for r in AccessRequest.objects.filter(state=State.MEETING_HELD)
        if r.flags.exists() and not r.advice.exists()
    ]
    assert blocked
    assert "record legal advice first" in " ".join(services.release_blockers(blocked[0]))


def test_demo_log_verifies(demo):
    assert access_log.verify().intact


def test_demo_shows_an_identity_wait_a_restarted_month_and_a_stopped_clock(demo):
    waiting = [r for r in AccessRequest.objects.all() if r.waiting_for_identity]
    assert len(waiting) == 1
    assert waiting[0].state == State.RECEIVED
    assert waiting[0].due_on() is None
    assert "Waiting for proof of identity" in " ".join(services.next_step(waiting[0]))
    restarted = AccessRequest.objects.get(identity_received_on__isnull=False)
    assert restarted.deadline().start == restarted.identity_received_on > restarted.received_on
    assert any(r.deadline().clock_stopped for r in AccessRequest.objects.all())


def test_the_demo_request_being_prepared_waits_for_a_third_party_check(demo):
    """Its child has third-party information not yet checked for confidentiality (P6): the
    review list flags it, and the request cannot be made ready for the meeting."""
    preparing = AccessRequest.objects.get(state=State.PREPARING)
    unchecked = [e for e in preparing.entries.all() if e.record.third_party_unchecked]
    assert unchecked
    manager = preparing.created_by
    with pytest.raises(WorkflowError, match=re.escape(unchecked[0].record.title)):
        services.ready_for_meeting(request=preparing, actor=manager)
