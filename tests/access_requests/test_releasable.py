"""One rule for when a copy may go out (P9, P12): the release service's blockers, in words,
and ``access_requests.models.releasable``, the same rule in SQL behind the dashboard's "Copies
ready to release". Requests are walked through each blocking case; at every step the service,
the SQL rule and the manager's dashboard must agree."""

import datetime

import pytest
from django.utils import timezone

from access_requests import services
from access_requests.models import AccessRequest, releasable
from children.models import ChildPerson
from setting_records.history import save_as
from tests.access_requests.conftest import disclose_reviewed

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)
TOMORROW = TODAY + datetime.timedelta(days=1)


def verdicts(client, manager, request: AccessRequest) -> tuple[bool, bool, bool]:
    """(the service, the SQL rule, the dashboard): may this copy go out?"""
    request.refresh_from_db()
    service = services.release_blockers(request) == []
    rule = AccessRequest.objects.filter(releasable(), pk=request.pk).exists()
    client.force_login(manager)
    response = client.get("/")
    assert response.status_code == 200
    shown = request.pk in [item.pk for item in response.context["dashboard"].ready.items]
    return service, rule, shown


def agree(client, manager, request: AccessRequest, *, ready: bool, blocker: str = "") -> None:
    assert verdicts(client, manager, request) == (ready, ready, ready)
    if blocker:
        assert any(blocker in line for line in services.release_blockers(request))


def advise(request, manager, flags, outcome, *, on=None, redactions=""):
    return services.legal_advice_record(
        request=request,
        flags=flags,
        adviser="LA legal",
        advised_on=on or timezone.localdate(),
        summary="Advice",
        outcome=outcome,
        redactions_requested=redactions,
        actor=manager,
    )


def test_legal_advice_the_latest_on_each_flag_decides(client, manager, request_held):
    agree(client, manager, request_held, ready=True)
    flag = services.flag_raise(request=request_held, kind="court_case", note="", actor=manager)
    agree(client, manager, request_held, ready=False, blocker="record legal advice first")
    advise(request_held, manager, [flag], "do_not_release")
    agree(client, manager, request_held, ready=False, blocker="is not to release")
    # Later advice to release decides.
    advise(request_held, manager, [flag], "release")
    agree(client, manager, request_held, ready=True)
    # A second flag, answered with redactions to make: held until they are confirmed.
    second = services.flag_raise(request=request_held, kind="appeal", note="", actor=manager)
    redact = advise(request_held, manager, [second], "release_redacted", redactions="An address")
    agree(client, manager, request_held, ready=False, blocker="confirm they are done")
    services.advice_redactions_confirm(request=request_held, advice=redact, actor=manager)
    agree(client, manager, request_held, ready=True)
    # Unconfirmed redactions superseded by later advice to release: no longer block...
    third = services.flag_raise(request=request_held, kind="legal_action", note="", actor=manager)
    advise(request_held, manager, [third], "release_redacted", redactions="A name")
    agree(client, manager, request_held, ready=False, blocker="confirm they are done")
    advise(request_held, manager, [third], "release")
    agree(client, manager, request_held, ready=True)
    # ...and advice for one flag says nothing of another.
    advise(request_held, manager, [second], "do_not_release")
    agree(client, manager, request_held, ready=False, blocker="is not to release")


def test_the_latest_advice_is_the_latest_advised_not_the_latest_recorded(
    client, manager, request_held
):
    flag = services.flag_raise(request=request_held, kind="court_case", note="", actor=manager)
    flag.raised_at = timezone.now() - datetime.timedelta(days=5)
    save_as(flag, actor=manager, reason="test: flagged earlier")
    advise(request_held, manager, [flag], "do_not_release")
    # Recorded afterwards, but given two days before: it does not overturn the later advice.
    advise(
        request_held, manager, [flag], "release", on=timezone.localdate() - datetime.timedelta(2)
    )
    agree(client, manager, request_held, ready=False, blocker="is not to release")


def test_the_contents_must_have_been_explained(client, manager, request_held):
    meeting = request_held.meeting
    meeting.contents_explained = False
    save_as(meeting, actor=manager, reason="test: recorded wrongly")
    agree(client, manager, request_held, ready=False, blocker="contents have not been explained")


def test_a_declined_meeting_needs_no_explanation(client, manager, request_preparing):
    disclose_reviewed(request_preparing, manager)
    services.ready_for_meeting(request=request_preparing, actor=manager)
    agree(client, manager, request_preparing, ready=False, blocker="meeting is recorded as held")
    today = timezone.localdate()
    services.meeting_record_declined(
        request=request_preparing,
        offered_on=today,
        offered_how="phone",
        declined_on=today,
        actor=manager,
    )
    agree(client, manager, request_preparing, ready=True)


def test_the_pack_must_be_fixed_for_the_meeting(client, manager, request_held):
    frozen = request_held.frozen_packs.get(superseded_at__isnull=True)
    frozen.superseded_at = timezone.now()
    save_as(frozen, actor=manager, reason="test: superseded")
    agree(client, manager, request_held, ready=False, blocker="not fixed for the meeting")


@pytest.mark.parametrize(
    ("change", "blocker"),
    [
        ({"has_parental_responsibility": False}, "does not hold parental responsibility"),
        (
            {"restriction_type": "prohibited_steps", "restriction": "Prohibited steps order"},
            "court order restriction",
        ),
        ({"restriction_type": "other", "restriction": "\n Order \t"}, "court order restriction"),
        # An order in force has a type (``ChildPerson.is_restricted``): words alone are not one.
        ({"restriction": "Prohibited steps order"}, ""),
        # In force from the day it is made to the day it ends, both included.
        ({"restriction_type": "other", "restriction_starts_on": TODAY}, "court order"),
        ({"restriction_type": "other", "restriction_ends_on": TODAY}, "court order"),
        ({"restriction_type": "other", "restriction_starts_on": TOMORROW}, ""),
        ({"restriction_type": "other", "restriction_ends_on": YESTERDAY}, ""),
        # An ended connection is no connection: the requester is no longer in the register.
        ({"ended_on": TODAY, "end_reason": "Moved away"}, "is not in"),
    ],
)
def test_the_requester_must_still_be_allowed_to_receive(
    client, manager, request_held, change, blocker
):
    connection = ChildPerson.objects.get(child=request_held.child, person=request_held.requester)
    for field, value in change.items():
        setattr(connection, field, value)
    save_as(connection, actor=manager, reason="test: the register changes")
    agree(client, manager, request_held, ready=not blocker, blocker=blocker)


def test_a_requester_no_longer_in_the_register(client, manager, request_held):
    ChildPerson.objects.filter(child=request_held.child, person=request_held.requester).delete()
    agree(client, manager, request_held, ready=False, blocker="is not in")


def test_a_released_copy_is_no_longer_ready(client, manager, request_held):
    services.pack_release(
        request=request_held, recipient_person=request_held.requester, actor=manager
    )
    request_held.refresh_from_db()
    service_blockers = services.release_blockers(request_held)
    assert service_blockers
    assert verdicts(client, manager, request_held) == (False, False, False)
