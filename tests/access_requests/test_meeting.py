"""The meeting (P8), controversy flags and advice (P12), and the release to the right person."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from access_requests import services
from access_requests.models import Attendee, Meeting, PackRelease, State
from children.models import ChildPerson
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from tests.access_requests.conftest import disclose_reviewed, register

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def ready(request_preparing, manager):
    disclose_reviewed(request_preparing, manager)
    services.ready_for_meeting(request=request_preparing, actor=manager)
    request_preparing.refresh_from_db()
    return request_preparing


@pytest.fixture
def arranged(ready, manager):
    services.meeting_schedule(
        request=ready, scheduled_at=timezone.now() - 2 * HOUR, place="Office", actor=manager
    )
    return ready


@pytest.fixture
def stepfather(child, manager):
    # stepfather holds parental responsibility (by order) but is not the one asking.
    return register(child, manager, "Sam", "step_parent")


def held(request, manager, at=None):
    return services.meeting_record_held(
        request=request,
        held_at=at or timezone.now() - HOUR,
        contents_explained=True,
        actor=manager,
    )


def interpreter_for(request, manager):
    return services.helper_add(
        request=request, name="Ola Nowak", role="interpreter", organisation="", actor=manager
    )


# Who makes a meeting


def test_an_interpreter_alone_does_not_make_a_meeting(arranged, manager):
    services.attendee_add(
        request=arranged, helper=interpreter_for(arranged, manager), actor=manager
    )
    with pytest.raises(WorkflowError, match="an interpreter alone is not enough"):
        held(arranged, manager)
    arranged.refresh_from_db()
    assert arranged.state == State.READY_FOR_MEETING


def test_the_legal_representative_makes_a_meeting(arranged, manager):
    solicitor = services.helper_add(
        request=arranged,
        name="R. Patel",
        role="legal_representative",
        organisation="Patel & Co",
        actor=manager,
    )
    services.attendee_add(request=arranged, helper=solicitor, actor=manager)
    held(arranged, manager)
    arranged.refresh_from_db()
    assert arranged.state == State.MEETING_HELD


def test_another_pr_holder_attends_only_with_the_requesters_agreement(
    arranged, manager, stepfather
):
    with pytest.raises(WorkflowError, match="only if Farah Khan agrees"):
        services.attendee_add(request=arranged, person=stepfather, actor=manager)
    attendee = services.attendee_add(
        request=arranged, person=stepfather, requester_agreed=True, actor=manager
    )
    assert attendee.requester_agreed
    # Acting with the requester's agreement, they make the meeting.
    held(arranged, manager)
    arranged.refresh_from_db()
    assert arranged.state == State.MEETING_HELD


def test_the_same_person_cannot_be_added_twice(arranged, manager, mother):
    services.attendee_add(request=arranged, person=mother, actor=manager)
    with pytest.raises(WorkflowError, match="already recorded as attending"):
        services.attendee_add(request=arranged, person=mother, actor=manager)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendee.objects.create(meeting=arranged.meeting, person=mother)
    assert arranged.meeting.attendees.count() == 1


def test_attendees_are_checked_again_when_the_meeting_is_held(
    arranged, manager, mother, stepfather
):
    services.attendee_add(request=arranged, person=mother, actor=manager)
    services.attendee_add(request=arranged, person=stepfather, requester_agreed=True, actor=manager)
    connection = ChildPerson.objects.get(child=arranged.child, person=stepfather)
    connection.restriction_type = "prohibited_steps"
    connection.restriction = "Prohibited steps order made yesterday"
    save_as(connection, actor=manager, reason="Order received")
    with pytest.raises(WorkflowError, match="Sam Khan may no longer attend"):
        held(arranged, manager)
    arranged.refresh_from_db()
    assert arranged.state == State.READY_FOR_MEETING


# Dates


def test_meeting_not_before_receipt(ready, manager):
    with pytest.raises(WorkflowError, match="before the request was received"):
        services.meeting_schedule(
            request=ready,
            scheduled_at=timezone.now() - datetime.timedelta(days=30),
            place="Office",
            actor=manager,
        )
    assert not Meeting.objects.exists()


def test_held_not_before_the_arranged_time_nor_in_the_future(arranged, manager, mother):
    services.attendee_add(request=arranged, person=mother, actor=manager)
    with pytest.raises(WorkflowError, match="before the time it was arranged"):
        held(arranged, manager, at=timezone.now() - 3 * HOUR)
    with pytest.raises(WorkflowError, match="in the future"):
        held(arranged, manager, at=timezone.now() + HOUR)
    assert Meeting.objects.get().held_at is None


def test_rearranging_needs_a_reason_and_keeps_the_earlier_date(arranged, manager):
    first = arranged.meeting.scheduled_at
    later = timezone.now() + datetime.timedelta(days=3)
    with pytest.raises(WorkflowError, match="why the meeting is being rearranged"):
        services.meeting_schedule(
            request=arranged, scheduled_at=later, place="Office", actor=manager
        )
    services.meeting_schedule(
        request=arranged,
        scheduled_at=later,
        place="Office",
        reason="The parent is unwell",
        actor=manager,
    )
    meeting = Meeting.objects.get()
    assert meeting.scheduled_at == later
    rows = list(meeting.history.order_by("history_id"))
    assert [row.scheduled_at for row in rows] == [first, later]
    assert "rearranged" in rows[-1].history_change_reason
    assert "The parent is unwell" in rows[-1].history_change_reason


# Controversy flags and legal advice


def test_a_flag_blocks_arranging_and_holding_the_meeting(ready, manager, mother):
    flag = services.flag_raise(request=ready, kind="legal_action", note="", actor=manager)
    with pytest.raises(WorkflowError, match=r"cannot be arranged yet.*record legal advice first"):
        services.meeting_schedule(
            request=ready, scheduled_at=timezone.now() - 2 * HOUR, place="Office", actor=manager
        )
    services.legal_advice_record(
        request=ready,
        flags=[flag],
        adviser="LA legal",
        advised_on=timezone.localdate(),
        summary="Go ahead",
        outcome="release",
        actor=manager,
    )
    services.meeting_schedule(
        request=ready, scheduled_at=timezone.now() - 2 * HOUR, place="Office", actor=manager
    )
    services.attendee_add(request=ready, person=mother, actor=manager)
    services.flag_raise(request=ready, kind="appeal", note="Appeal lodged", actor=manager)
    # The earlier advice does not answer the later flag.
    with pytest.raises(WorkflowError, match=r"cannot go ahead yet.*record legal advice first"):
        held(ready, manager)


def test_advice_answers_named_flags_and_cannot_predate_them(request_held, manager):
    flag = services.flag_raise(request=request_held, kind="appeal", note="", actor=manager)
    with pytest.raises(WorkflowError, match="Choose the flags"):
        services.legal_advice_record(
            request=request_held,
            flags=[],
            adviser="LA legal",
            advised_on=timezone.localdate(),
            summary="x",
            outcome="release",
            actor=manager,
        )
    with pytest.raises(WorkflowError, match="a later flag needs its own advice"):
        services.legal_advice_record(
            request=request_held,
            flags=[flag],
            adviser="LA legal",
            advised_on=timezone.localdate() - datetime.timedelta(days=1),
            summary="x",
            outcome="release",
            actor=manager,
        )
    advice = services.legal_advice_record(
        request=request_held,
        flags=[flag],
        adviser="LA legal",
        advised_on=timezone.localdate(),
        summary="Release",
        outcome="release",
        actor=manager,
    )
    assert list(advice.flags.all()) == [flag]
    assert services.release_blockers(request_held) == []


def test_release_with_further_redactions_waits_for_them(request_held, manager):
    flag = services.flag_raise(request=request_held, kind="court_case", note="", actor=manager)
    with pytest.raises(WorkflowError, match="which further redactions"):
        services.legal_advice_record(
            request=request_held,
            flags=[flag],
            adviser="LA legal",
            advised_on=timezone.localdate(),
            summary="Redact",
            outcome="release_redacted",
            actor=manager,
        )
    advice = services.legal_advice_record(
        request=request_held,
        flags=[flag],
        adviser="LA legal",
        advised_on=timezone.localdate(),
        summary="Redact the father's new address",
        outcome="release_redacted",
        redactions_requested="The father's new address in the March incident note",
        actor=manager,
    )
    with pytest.raises(WorkflowError, match=r"further redactions.*confirm they are done"):
        services.pack_release(
            request=request_held, recipient_person=request_held.requester, actor=manager
        )
    services.advice_redactions_confirm(request=request_held, advice=advice, actor=manager)
    advice.refresh_from_db()
    assert advice.redactions_confirmed_by == manager
    services.pack_release(
        request=request_held, recipient_person=request_held.requester, actor=manager
    )
    assert PackRelease.objects.count() == 1


# The meeting declined


def test_a_declined_meeting_allows_a_secure_release_with_a_letter(ready, manager):
    today = timezone.localdate()
    services.meeting_record_declined(
        request=ready, offered_on=today, offered_how="phone", declined_on=today, actor=manager
    )
    ready.refresh_from_db()
    assert ready.state == State.MEETING_DECLINED
    assert ready.meeting.declined_on == today
    assert services.release_blockers(ready) == []
    with pytest.raises(WorkflowError, match="secure route"):
        services.pack_release(
            request=ready, recipient_person=ready.requester, route="at_meeting", actor=manager
        )
    with pytest.raises(WorkflowError, match="explanatory letter"):
        services.pack_release(
            request=ready, recipient_person=ready.requester, route="recorded_post", actor=manager
        )
    release = services.pack_release(
        request=ready,
        recipient_person=ready.requester,
        route="recorded_post",
        explanatory_letter=True,
        actor=manager,
    )
    assert (release.route, release.explanatory_letter) == ("recorded_post", True)


def test_a_decline_cannot_predate_the_offer(ready, manager):
    today = timezone.localdate()
    with pytest.raises(WorkflowError, match="after the offer"):
        services.meeting_record_declined(
            request=ready,
            offered_on=today,
            offered_how="phone",
            declined_on=today - datetime.timedelta(days=1),
            actor=manager,
        )


# Who the copy goes to


def test_the_copy_goes_only_to_the_requester_or_their_representative(
    request_held, manager, stepfather
):
    with pytest.raises(WorkflowError, match="requester or their legal representative"):
        services.pack_release(request=request_held, recipient_person=stepfather, actor=manager)
    interpreter = interpreter_for(request_held, manager)
    with pytest.raises(WorkflowError, match="requester or their legal representative"):
        services.pack_release(request=request_held, recipient_helper=interpreter, actor=manager)
    solicitor = services.helper_add(
        request=request_held,
        name="R. Patel",
        role="legal_representative",
        organisation="",
        actor=manager,
    )
    release = services.pack_release(request=request_held, recipient_helper=solicitor, actor=manager)
    assert release.recipient_helper == solicitor
    assert release.released_to == "R. Patel"


def test_parental_responsibility_is_checked_again_at_release(request_held, manager):
    connection = ChildPerson.objects.get(child=request_held.child, person=request_held.requester)
    connection.restriction_type = "prohibited_steps"
    connection.restriction = "Prohibited steps order"
    save_as(connection, actor=manager, reason="Order received")
    with pytest.raises(WorkflowError, match="court order restriction"):
        services.pack_release(
            request=request_held, recipient_person=request_held.requester, actor=manager
        )
    connection.restriction_type = ""
    connection.restriction = ""
    connection.has_parental_responsibility = False
    save_as(connection, actor=manager, reason="Register corrected")
    with pytest.raises(WorkflowError, match="does not hold parental responsibility"):
        services.pack_release(
            request=request_held, recipient_person=request_held.requester, actor=manager
        )
    assert not PackRelease.objects.exists()


def test_the_release_form_offers_only_the_people_allowed(client, manager, request_held, stepfather):
    client.force_login(manager)
    page = client.get(f"/access-requests/{request_held.pk}/").content.decode()
    assert f'value="person-{request_held.requester_id}"' in page
    assert 'name="released_to"' not in page
    response = client.post(
        f"/access-requests/{request_held.pk}/release/",
        {"recipient": f"person-{stepfather.pk}", "route": "at_meeting"},
        follow=True,
    )
    assert "Select a valid choice" in response.content.decode()
    assert not PackRelease.objects.exists()
    client.post(
        f"/access-requests/{request_held.pk}/release/",
        {"recipient": f"person-{request_held.requester_id}", "route": "at_meeting"},
    )
    assert PackRelease.objects.get().recipient_person == request_held.requester
