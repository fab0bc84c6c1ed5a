# The children, staff, records and requests of tests/access_requests are the world hostile
# input is tried in.
from tests.access_requests.conftest import *  # noqa: F403, I001

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from access_requests import services
from access_requests.models import State
from tests.access_requests.conftest import disclose_reviewed


@pytest.fixture
def postgresql_only(db):
    """Skip, saying so, where the test needs concurrent connections to a real server."""
    if connection.vendor != "postgresql":
        pytest.skip("Needs concurrent connections to a real server; runs in CI's PostgreSQL pass")


def bring_to(state: str, request, manager, mother) -> None:
    """Move a request just received to ``state`` through the services, the way a manager
    would: identity, preparation, the pack fixed, the meeting, release or an ending."""
    now = timezone.now()
    today = timezone.localdate()
    if state == State.REFUSED:
        services.request_refuse(
            request=request,
            reason="Manifestly unfounded",
            ground="other",
            told_on=today,
            told_how="letter",
            told_of_rights=True,
            actor=manager,
        )
        return
    if state == State.RECEIVED:
        return
    services.identity_verify(request=request, method="Passport seen", actor=manager)
    if state == State.IDENTITY_VERIFIED:
        return
    services.preparation_start(request=request, actor=manager)
    if state == State.WITHDRAWN:
        services.request_withdraw(request=request, reason="Changed their mind", actor=manager)
    if state in {State.PREPARING, State.WITHDRAWN}:
        return
    disclose_reviewed(request, manager)
    services.ready_for_meeting(request=request, actor=manager)
    services.meeting_schedule(
        request=request,
        scheduled_at=now - datetime.timedelta(hours=2),
        place="Office",
        actor=manager,
    )
    services.attendee_add(request=request, person=mother, actor=manager)
    if state == State.READY_FOR_MEETING:
        return
    if state == State.MEETING_DECLINED:
        services.meeting_record_declined(
            request=request,
            offered_on=today,
            offered_how="letter",
            declined_on=today,
            actor=manager,
        )
        return
    services.meeting_record_held(
        request=request,
        held_at=now - datetime.timedelta(hours=1),
        contents_explained=True,
        actor=manager,
    )
    if state == State.COPY_RELEASED:
        services.pack_release(request=request, recipient_person=mother, actor=manager)
    if state == State.CLOSED:
        services.request_close(request=request, actor=manager)
