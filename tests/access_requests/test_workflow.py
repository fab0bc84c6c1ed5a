import datetime
import hashlib
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from access_requests import services
from access_requests.models import PackRelease, State
from setting_records.errors import WorkflowError
from setting_records.models import AccessLogEntry
from tests.access_requests.conftest import disclose_reviewed, write


def test_reference_and_due_date(request_received):
    assert request_received.reference == f"AR-{request_received.received_on.year}-0001"
    assert request_received.state == State.RECEIVED
    due = request_received.due_on()
    assert due > request_received.received_on
    assert (
        due.day == request_received.received_on.day
        or due.month != request_received.received_on.month
    )


def test_someone_without_parental_responsibility_is_recorded_but_cannot_go_on(
    child, grandmother, manager
):
    request = services.request_create(
        child=child,
        requester=grandmother,
        received_on=timezone.localdate(),
        channel="email",
        actor=manager,
    )
    assert request.state == State.RECEIVED
    with pytest.raises(WorkflowError, match="does not hold parental responsibility"):
        services.identity_verify(request=request, method="Passport", actor=manager)
    request.refresh_from_db()
    assert request.state == State.RECEIVED


def test_a_restricted_requester_is_flagged_before_anything_is_prepared(child, father, manager):
    request = services.request_create(
        child=child,
        requester=father,
        received_on=timezone.localdate(),
        channel="letter",
        actor=manager,
    )
    flag = request.flags.get()
    assert "court order restriction" in flag.note


def test_only_managers_handle_requests(child, mother, keyperson):
    with pytest.raises(WorkflowError, match="Only the setting's manager"):
        services.request_create(
            child=child,
            requester=mother,
            received_on=timezone.localdate(),
            channel="letter",
            actor=keyperson,
        )


@pytest.mark.parametrize(
    ("step", "kwargs", "message"),
    [
        (services.preparation_start, {}, "preparation starts once identity is verified"),
        (services.ready_for_meeting, {}, "cannot become “Ready for meeting”"),
        (services.request_close, {}, "cannot become “Closed”"),
    ],
)
def test_illegal_transitions_are_refused(request_received, manager, step, kwargs, message):
    with pytest.raises(WorkflowError, match=message):
        step(request=request_received, actor=manager, **kwargs)
    request_received.refresh_from_db()
    assert request_received.state == State.RECEIVED


def test_withdrawn_needs_a_reason_and_ends_the_request(request_received, manager):
    with pytest.raises(WorkflowError, match="Give the reason"):
        services.request_withdraw(request=request_received, reason=" ", actor=manager)
    services.request_withdraw(request=request_received, reason="Parent changed mind", actor=manager)
    with pytest.raises(WorkflowError, match="identity is verified once"):
        services.identity_verify(request=request_received, method="x", actor=manager)


def test_preparing_selects_every_record(request_preparing, general_record, sensitive_record):
    assert set(request_preparing.entries.values_list("record_id", flat=True)) == {
        general_record.pk,
        sensitive_record.pk,
    }


def test_third_party_entries_need_a_decision_before_the_meeting(
    request_received, manager, third_party_record
):
    services.identity_verify(request=request_received, method="Passport", actor=manager)
    services.preparation_start(request=request_received, actor=manager)
    with pytest.raises(WorkflowError, match="1 entry still need"):
        services.ready_for_meeting(request=request_received, actor=manager)
    entry = request_received.entries.get(record=third_party_record)
    with pytest.raises(WorkflowError, match="reason for withholding"):
        services.entry_decide(
            entry=entry, included=True, disclosure="withhold", withhold_reason="", actor=manager
        )
    services.entry_decide(
        entry=entry,
        included=True,
        disclosure="withhold",
        withhold_reason="third_party",
        withhold_note="Jane Doe shared it in confidence and did not consent.",
        actor=manager,
    )
    services.ready_for_meeting(request=request_received, actor=manager)
    request_received.refresh_from_db()
    assert request_received.state == State.READY_FOR_MEETING


def test_attendees_are_checked(request_preparing, manager, mother, father, grandmother):
    services.meeting_schedule(
        request=request_preparing, scheduled_at=timezone.now(), place="Office", actor=manager
    )
    with pytest.raises(WorkflowError, match="does not hold parental responsibility"):
        services.attendee_add(request=request_preparing, person=grandmother, actor=manager)
    with pytest.raises(WorkflowError, match="court order restriction"):
        services.attendee_add(request=request_preparing, person=father, actor=manager)
    services.attendee_add(request=request_preparing, person=mother, actor=manager)
    interpreter = services.helper_add(
        request=request_preparing,
        name="Ola Nowak",
        role="interpreter",
        organisation="",
        actor=manager,
    )
    services.attendee_add(request=request_preparing, helper=interpreter, actor=manager)
    assert request_preparing.meeting.attendees.count() == 2


def test_meeting_counts_as_held_only_when_contents_explained(request_preparing, manager, mother):
    disclose_reviewed(request_preparing, manager)
    services.ready_for_meeting(request=request_preparing, actor=manager)
    services.meeting_schedule(
        request=request_preparing, scheduled_at=timezone.now(), place="Office", actor=manager
    )
    with pytest.raises(WorkflowError, match="Record who attended"):
        services.meeting_record_held(
            request=request_preparing,
            held_at=timezone.now(),
            contents_explained=True,
            actor=manager,
        )
    services.attendee_add(request=request_preparing, person=mother, actor=manager)
    with pytest.raises(WorkflowError, match="must be explained"):
        services.meeting_record_held(
            request=request_preparing,
            held_at=timezone.now(),
            contents_explained=False,
            actor=manager,
        )
    request_preparing.refresh_from_db()
    assert request_preparing.state == State.READY_FOR_MEETING


def test_release_refused_before_meeting(request_preparing, manager):
    with pytest.raises(WorkflowError, match="only after the meeting"):
        services.pack_release(
            request=request_preparing, recipient_person=request_preparing.requester, actor=manager
        )
    assert not PackRelease.objects.exists()


def test_legal_gate_blocks_release_until_advice_allows(request_held, manager):
    flag = services.flag_raise(
        request=request_held, kind="appeal", note="Appeal lodged", actor=manager
    )
    with pytest.raises(WorkflowError, match="record legal advice first"):
        services.pack_release(
            request=request_held, recipient_person=request_held.requester, actor=manager
        )
    today = timezone.localdate()
    services.legal_advice_record(
        request=request_held,
        flags=[flag],
        adviser="LA legal",
        advised_on=today,
        summary="No",
        outcome="do_not_release",
        actor=manager,
    )
    with pytest.raises(WorkflowError, match="not to release"):
        services.pack_release(
            request=request_held, recipient_person=request_held.requester, actor=manager
        )
    services.legal_advice_record(
        request=request_held,
        flags=[flag],
        adviser="LA legal",
        advised_on=today,
        summary="Yes",
        outcome="release",
        actor=manager,
    )
    services.pack_release(
        request=request_held, recipient_person=request_held.requester, actor=manager
    )
    assert PackRelease.objects.count() == 1


def test_release_stores_the_bytes_and_their_hash_once(request_released, manager):
    release = request_released.release
    stored = services.pack_path(release.file_name).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == release.sha256
    assert release.size == len(stored)
    assert request_released.state == State.COPY_RELEASED
    assert AccessLogEntry.objects.filter(action="pack_released").count() == 1
    with pytest.raises(WorkflowError, match="already been released"):
        services.pack_release(
            request=request_released, recipient_person=request_released.requester, actor=manager
        )
    assert PackRelease.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_releases_make_exactly_one(request_held, manager):
    if connection.vendor != "postgresql":
        pytest.skip("Needs concurrent connections to a real server; runs in CI's PostgreSQL pass")
    start = threading.Barrier(4)
    outcomes = []

    def release() -> None:
        try:
            start.wait()
            services.pack_release(
                request=request_held, recipient_person=request_held.requester, actor=manager
            )
            outcomes.append("released")
        except WorkflowError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=release) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["refused", "refused", "refused", "released"]
    assert PackRelease.objects.count() == 1
    assert AccessLogEntry.objects.filter(action="pack_released").count() == 1


def test_clock_stops_while_waiting_and_extension_rules(request_received, manager):
    before = request_received.due_on()
    services.pause_start(
        request=request_received,
        reason="Proof of address",
        started_on=request_received.received_on,
        actor=manager,
    )
    assert request_received.due_on() is None
    services.pause_end(request=request_received, ended_on=timezone.localdate(), actor=manager)
    assert request_received.due_on() == before + (
        timezone.localdate() - request_received.received_on
    )
    with pytest.raises(WorkflowError, match="cannot be in the future"):
        services.extension_record(
            request=request_received,
            months=2,
            reason="Many records",
            told_on=request_received.received_on + datetime.timedelta(days=40),
            reasons_told=True,
            actor=manager,
        )
    services.extension_record(
        request=request_received,
        months=2,
        reason="Many records",
        told_on=timezone.localdate(),
        reasons_told=True,
        actor=manager,
    )
    request_received.refresh_from_db()
    assert request_received.extension_months == 2


def test_other_children_are_not_in_the_request(request_preparing, setting, manager):
    from children import services as children_services

    other = children_services.child_create(
        setting=setting,
        actor=manager,
        first_name="Other",
        last_name="Child",
        date_of_birth=datetime.date(2022, 1, 1),
        started_on=datetime.date(2023, 1, 1),
    )
    other_record = write(other, manager, title="Not about Amara")
    assert not request_preparing.entries.filter(record=other_record).exists()


def test_every_transition_is_in_history_and_the_access_log(request_released, manager):
    moves = list(
        AccessLogEntry.objects.filter(action="request_state_changed")
        .order_by("id")
        .values_list("detail", flat=True)
    )
    assert [(m["from"], m["to"]) for m in moves] == [
        ("received", "identity_verified"),
        ("identity_verified", "preparing"),
        ("preparing", "ready_for_meeting"),
        ("ready_for_meeting", "meeting_held"),
        ("meeting_held", "copy_released"),
    ]
    states = list(request_released.history.order_by("history_id").values_list("state", flat=True))
    assert states[-1] == "copy_released"
    assert {"identity_verified", "preparing", "ready_for_meeting", "meeting_held"} <= set(states)
    assert not request_released.history.filter(history_user_id__isnull=True).exists()


def test_the_page_says_what_each_state_waits_for(
    request_received, manager, mother, third_party_record
):
    def says():
        request_received.refresh_from_db()
        return " ".join(services.next_step(request_received))

    assert "Verify the requester's identity" in says()
    services.identity_verify(request=request_received, method="Passport", actor=manager)
    assert "Start preparing" in says()
    services.preparation_start(request=request_received, actor=manager)
    assert "Decide on 1 entry in the review list" in says()
    assert "Arrange the meeting" in says()
    entry = request_received.entries.get(record=third_party_record)
    services.entry_decide(
        entry=entry, included=True, disclosure="professional", withhold_reason="", actor=manager
    )
    assert "Mark the information ready" in says()
    services.ready_for_meeting(request=request_received, actor=manager)
    services.meeting_schedule(
        request=request_received, scheduled_at=timezone.now(), place="Office", actor=manager
    )
    assert "Record who attends" in says()
    services.attendee_add(request=request_received, person=mother, actor=manager)
    assert "Record the meeting as held" in says()
    services.meeting_record_held(
        request=request_received, held_at=timezone.now(), contents_explained=True, actor=manager
    )
    assert "Release the copy" in says()
    services.pause_start(
        request=request_received,
        reason="Clarification",
        started_on=timezone.localdate(),
        actor=manager,
    )
    assert "The clock is stopped" in says()
