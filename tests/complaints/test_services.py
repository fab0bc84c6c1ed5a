"""The complaints procedure's services (policy P10): the EYFS 28-day clock, every state change
and every refusal, and what each change leaves behind (one history row, one access-log row).

The EYFS statutory framework, section 3 "Complaints": a written complaint is investigated and
the complainant told the outcome within 28 days of receipt.
"""

import datetime
import inspect
import threading
import uuid

import pytest
from django.db import connection, connections
from django.utils import timezone

from children import services as children_services
from complaints import deadlines, services
from complaints.models import Complaint, ComplaintNote, ComplaintState
from setting_records.errors import WorkflowError
from setting_records.models import AccessAction, AccessLogEntry
from setting_records.services import membership_add
from tests.access_requests.conftest import decide_kept
from tests.complaints.conftest import advance, log_complaint
from tests.conftest import make_staff

S = ComplaintState
TODAY = timezone.localdate


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def footprint(complaint: Complaint | None = None) -> dict:
    """Everything a service could leave behind: rows, history, the log, and the complaint."""
    found = {
        "complaints": Complaint.objects.count(),
        "notes": ComplaintNote.objects.count(),
        "history": Complaint.history.count() + ComplaintNote.history.count(),
        "log": AccessLogEntry.objects.count(),
    }
    if complaint is not None:
        found["row"] = Complaint.objects.filter(pk=complaint.pk).values().get()
    return found


def refused(call, complaint: Complaint | None = None, match: str | None = None) -> None:
    """``call`` raises a WorkflowError (saying ``match``) and changes nothing."""
    before = footprint(complaint)
    with pytest.raises(WorkflowError, match=match):
        call()
    assert footprint(complaint) == before


def new_log_rows(since: int) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(id__gt=since).order_by("id"))


def last_log_id() -> int:
    return AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


# The clock, as pure functions (complaints/deadlines.py).


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (datetime.date(2026, 3, 2), datetime.date(2026, 3, 30)),
        # Across the end of a short month, and of a year.
        (datetime.date(2026, 1, 31), datetime.date(2026, 2, 28)),
        (datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)),
        (datetime.date(2026, 12, 10), datetime.date(2027, 1, 7)),
        # In a leap year the 28 days end on 29 February.
        (datetime.date(2028, 2, 1), datetime.date(2028, 2, 29)),
        (datetime.date(2028, 2, 10), datetime.date(2028, 3, 9)),
    ],
)
def test_the_outcome_is_due_28_days_after_receipt(received, due):
    assert deadlines.due_on(received=received, on_clock=True) == due


def test_off_the_clock_there_is_no_due_date():
    assert deadlines.due_on(received=datetime.date(2026, 3, 2), on_clock=False) is None


def test_days_left_counts_down_through_zero_to_overdue():
    due = datetime.date(2026, 3, 30)
    assert deadlines.days_left(due=due, today=datetime.date(2026, 3, 2)) == 28
    assert deadlines.days_left(due=due, today=due) == 0
    assert deadlines.days_left(due=due, today=datetime.date(2026, 4, 2)) == -3
    assert not deadlines.overdue(due=due, notified=None, today=due)
    assert deadlines.overdue(due=due, notified=None, today=due + days(1))
    assert not deadlines.overdue(due=due, notified=due + days(5), today=due + days(9))
    assert not deadlines.overdue(due=None, notified=None, today=due + days(99))


def test_met_only_when_told_by_the_due_day():
    due = datetime.date(2026, 3, 30)
    assert deadlines.met(due=due, notified=due) is True
    assert deadlines.met(due=due, notified=due - days(10)) is True
    assert deadlines.met(due=due, notified=due + days(1)) is False
    assert deadlines.met(due=due, notified=None) is None
    assert deadlines.met(due=None, notified=due) is None


# The clock on a complaint.


@pytest.mark.parametrize("how", ["letter", "email"])
def test_a_written_complaint_is_always_on_the_clock(setting, manager, how):
    received = TODAY() - days(3)
    complaint = log_complaint(setting, manager, received_how=how, on_clock=False)
    assert complaint.on_clock
    assert complaint.due_on == received + days(28)
    assert complaint.days_left() == 25


@pytest.mark.parametrize("how", ["in_person", "phone"])
def test_an_oral_complaint_is_on_the_clock_by_choice(setting, manager, how):
    chosen = log_complaint(setting, manager, received_how=how, on_clock=True)
    assert chosen.on_clock
    assert chosen.due_on == TODAY() - days(3) + days(28)
    not_chosen = log_complaint(setting, manager, received_how=how)
    assert not not_chosen.on_clock
    assert not_chosen.due_on is None
    assert not_chosen.days_left() is None
    assert not not_chosen.is_overdue(TODAY() + days(400))
    assert not_chosen.met_deadline() is None


def test_overdue_while_the_outcome_is_awaited_then_recorded_as_late(setting, manager):
    complaint = log_complaint(setting, manager, received_on=TODAY() - days(30))
    assert complaint.days_left() == -2
    assert complaint.is_overdue()
    assert not complaint.is_overdue(TODAY() - days(2))
    assert complaint.met_deadline() is None
    complaint = advance(complaint, manager, "outcome_notified")
    # Told: the clock has stopped, late.
    assert complaint.days_left() is None
    assert not complaint.is_overdue()
    assert complaint.met_deadline() is False


def test_told_within_the_28_days_meets_the_deadline(complaint, manager):
    complaint = advance(complaint, manager, "closed")
    assert complaint.met_deadline() is True
    assert complaint.days_left() is None


def test_a_withdrawn_complaint_is_neither_overdue_nor_met(setting, manager):
    complaint = log_complaint(setting, manager, received_on=TODAY() - days(40))
    complaint = services.complaint_withdraw(
        complaint=complaint, actor=manager, reason="Sorted out with the key person."
    )
    assert not complaint.is_overdue()
    assert complaint.days_left() is None
    assert complaint.met_deadline() is None


# Logging a complaint.


def test_logging_writes_one_history_row_and_one_log_row(setting, practitioner):
    since = last_log_id()
    complaint = log_complaint(setting, practitioner, received_how="phone", about="care")
    assert complaint.state == S.RECEIVED
    assert complaint.logged_by == practitioner
    [row] = complaint.history.all()
    assert (row.history_type, row.history_user, row.history_change_reason) == (
        "+",
        practitioner,
        "Complaint received",
    )
    [entry] = new_log_rows(since)
    assert entry.action == AccessAction.COMPLAINT_LOGGED
    assert (entry.actor, entry.setting, entry.child) == (practitioner, setting, None)
    assert entry.detail == {"complaint": complaint.pk, "about": "care"}


def test_a_complainant_from_the_register_and_the_child_concerned(setting, manager, child, mother):
    since = last_log_id()
    complaint = log_complaint(
        setting,
        manager,
        complainant=mother,
        complainant_name="",
        complainant_contact="",
        about="care",
        child=child,
    )
    assert complaint.complainant == mother
    assert complaint.complainant_display == str(mother)
    assert complaint.child == child
    [entry] = new_log_rows(since)
    assert entry.child == child


def test_references_count_per_setting_and_year(setting, manager, other_setting, othermanager):
    year = TODAY().year
    first = log_complaint(setting, manager)
    second = log_complaint(setting, manager)
    theirs = log_complaint(other_setting, othermanager)
    last_year = log_complaint(setting, manager, received_on=datetime.date(year - 1, 12, 30))
    assert first.reference == f"C-{year}-0001"
    assert second.reference == f"C-{year}-0002"
    assert theirs.reference == f"C-{year}-0001"
    assert last_year.reference == f"C-{year - 1}-0001"
    assert log_complaint(setting, manager).reference == f"C-{year}-0003"


def test_the_same_submission_key_twice_logs_one_complaint(setting, practitioner):
    key = uuid.uuid4()
    first = log_complaint(setting, practitioner, submission_key=key)
    after_first = footprint()
    again = log_complaint(setting, practitioner, submission_key=key, summary="Sent again.")
    assert again.pk == first.pk
    assert footprint() == after_first


def test_the_same_submission_key_from_another_user_is_refused(setting, practitioner, manager):
    key = uuid.uuid4()
    log_complaint(setting, practitioner, submission_key=key)
    refused(
        lambda: log_complaint(setting, manager, submission_key=key),
        match="already been sent",
    )


def test_only_staff_of_the_setting_log_complaints_there(
    setting, other_setting, practitioner, othermanager, outsider
):
    for actor, at in [(practitioner, other_setting), (othermanager, setting)]:
        refused(
            lambda actor=actor, at=at: log_complaint(at, actor),
            match="only at a setting you work at",
        )
    # Anyone working at the setting may: the outsider cares for no child, but received it.
    assert log_complaint(setting, outsider).logged_by == outsider


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"received_on": TODAY() + days(1)}, "cannot be in the future"),
        ({"received_how": "pigeon"}, "how the complaint was received"),
        ({"about": "weather"}, "what the complaint is about"),
        ({"summary": "   "}, "in the complainant's words"),
        ({"complainant_name": " "}, "Say who made the complaint"),
    ],
)
def test_logging_refuses_what_is_missing_or_wrong(setting, manager, fields, match):
    refused(lambda: log_complaint(setting, manager, **fields), match=match)


def test_a_complainant_is_from_the_register_or_named_not_both(setting, manager, mother):
    refused(
        lambda: log_complaint(setting, manager, complainant=mother),
        match="not both",
    )


def test_a_complainant_the_actor_cannot_see_is_refused(setting, outsider, mother):
    refused(
        lambda: log_complaint(setting, outsider, complainant=mother, complainant_name=""),
        match="cannot choose that person",
    )


def test_a_member_of_staff_concerned_from_another_setting_is_refused(
    setting, manager, othermanager
):
    refused(
        lambda: log_complaint(
            setting, manager, about="staff_conduct", staff_concerned=othermanager
        ),
        match="does not work at",
    )


def test_about_an_access_request_needs_the_request(setting, manager):
    refused(
        lambda: log_complaint(setting, manager, about="access_request"),
        match="Say which access request",
    )


def test_linked_to_the_request_with_its_child(setting, manager, request_received, child):
    complaint = log_complaint(
        setting, manager, about="access_request", access_request=request_received
    )
    assert complaint.access_request == request_received
    assert complaint.child == child


def test_a_link_is_only_to_what_it_is_about(setting, manager, request_received):
    refused(
        lambda: log_complaint(setting, manager, about="care", access_request=request_received),
        match="linked only to what it is about",
    )


def test_a_link_the_actor_may_not_see_is_refused(setting, practitioner, request_received):
    # Access requests are the managers' alone: the practitioner cannot link one.
    refused(
        lambda: log_complaint(
            setting, practitioner, about="access_request", access_request=request_received
        ),
        match="cannot link the complaint to that",
    )


def test_a_link_to_another_settings_request_is_refused(
    request_received, other_setting, othermanager
):
    refused(
        lambda: log_complaint(
            other_setting, othermanager, about="access_request", access_request=request_received
        ),
        match="cannot link the complaint to that",
    )


def test_a_child_of_another_setting_is_refused(setting, manager, other_child):
    refused(
        lambda: log_complaint(setting, manager, about="care", child=other_child),
        match="cannot link the complaint to that child",
    )


def test_a_child_the_member_of_staff_does_not_care_for_is_refused(setting, outsider, child):
    refused(
        lambda: log_complaint(setting, outsider, about="care", child=child),
        match="cannot link the complaint to that child",
    )


def test_a_child_that_disagrees_with_the_linked_request_is_refused(
    setting, manager, request_received
):
    sibling = children_services.child_create(
        setting=setting,
        actor=manager,
        first_name="Zain",
        last_name="Khan",
        date_of_birth=datetime.date(2024, 1, 5),
        started_on=datetime.date(2025, 1, 6),
    )
    refused(
        lambda: log_complaint(
            setting,
            manager,
            about="access_request",
            access_request=request_received,
            child=sibling,
        ),
        match="not Zain Khan",
    )


def test_linked_to_a_decided_correction_request(setting, manager, rectification_verified):
    # Before the decision there is nothing to complain about: refused, nothing written.
    refused(
        lambda: log_complaint(
            setting, manager, about="rectification", rectification=rectification_verified
        ),
        match="no decision yet",
    )
    decide_kept(rectification_verified, manager)
    complaint = log_complaint(
        setting, manager, about="rectification", rectification=rectification_verified
    )
    assert complaint.rectification == rectification_verified
    assert complaint.child == rectification_verified.child


def test_about_an_entry_needs_an_entry_the_actor_may_see(
    setting, manager, outsider, general_record
):
    refused(lambda: log_complaint(setting, manager, about="entry"), match="Say which entry")
    refused(
        lambda: log_complaint(setting, outsider, about="entry", record=general_record),
        match="cannot link the complaint to that",
    )
    assert log_complaint(setting, manager, about="entry", record=general_record).record == (
        general_record
    )


# Every service that moves a complaint on, with the states that allow it. The arguments would
# do in an allowed state; every other state must refuse.


def _acknowledge(c, actor):
    return services.complaint_acknowledge(
        complaint=c, actor=actor, acknowledged_on=TODAY(), acknowledged_how="letter"
    )


def _investigate(c, actor):
    return services.complaint_investigate(complaint=c, actor=actor, started_on=TODAY())


def _note(c, actor):
    return services.complaint_note_add(
        complaint=c, actor=actor, text="Spoke to the room leader about the gate."
    )


def _notify(c, actor):
    return services.complaint_notify_outcome(
        complaint=c,
        actor=actor,
        findings="The latch was stiff and did not always catch.",
        outcome="partly_upheld",
        actions_taken="The latch was replaced.",
        notified_on=TODAY(),
        notified_how="email",
    )


def _close(c, actor):
    return services.complaint_close(complaint=c, actor=actor)


def _withdraw(c, actor):
    return services.complaint_withdraw(complaint=c, actor=actor, reason="Resolved informally.")


def _taken_further(c, actor):
    return services.complaint_taken_further(
        complaint=c, actor=actor, taken_further_to="ofsted", taken_further_on=TODAY()
    )


def _put_on_clock(c, actor):
    return services.complaint_put_on_clock(complaint=c, actor=actor, clock_from=TODAY())


OPEN = {S.RECEIVED, S.ACKNOWLEDGED, S.INVESTIGATING, S.OUTCOME_NOTIFIED}
TABLE = {
    "complaint_acknowledge": (_acknowledge, {S.RECEIVED}),
    "complaint_investigate": (_investigate, {S.ACKNOWLEDGED}),
    "complaint_note_add": (_note, {S.ACKNOWLEDGED, S.INVESTIGATING, S.OUTCOME_NOTIFIED}),
    "complaint_notify_outcome": (_notify, {S.INVESTIGATING}),
    "complaint_close": (_close, {S.OUTCOME_NOTIFIED}),
    "complaint_withdraw": (_withdraw, OPEN),
    # A complainant may go to Ofsted or the ICO at any time, also after withdrawing.
    "complaint_taken_further": (_taken_further, set(S)),
    # Only while the outcome is awaited (the table's complaint is an oral one, off the clock).
    "complaint_put_on_clock": (_put_on_clock, {S.RECEIVED, S.ACKNOWLEDGED, S.INVESTIGATING}),
}
# What each change leaves in the access log, and the history reason it gives.
LOGGED = {
    "complaint_acknowledge": (AccessAction.COMPLAINT_STATE_CHANGED, "Complaint acknowledged"),
    "complaint_investigate": (AccessAction.COMPLAINT_STATE_CHANGED, "Investigation started"),
    "complaint_note_add": (AccessAction.COMPLAINT_NOTE_ADDED, "Investigation note on "),
    "complaint_notify_outcome": (AccessAction.COMPLAINT_STATE_CHANGED, "Outcome told: partly "),
    "complaint_close": (AccessAction.COMPLAINT_STATE_CHANGED, "Complaint closed"),
    "complaint_withdraw": (AccessAction.COMPLAINT_STATE_CHANGED, "Withdrawn: Resolved"),
    "complaint_taken_further": (AccessAction.COMPLAINT_CHANGED, "Taken further to Ofsted"),
    "complaint_put_on_clock": (AccessAction.COMPLAINT_CHANGED, "Put on the 28-day clock from"),
}


@pytest.fixture
def oral(setting, manager):
    # Made by phone three days ago and not put on the clock: every service may act on it, in
    # the states that allow it (putting it on the clock included).
    return log_complaint(setting, manager, received_how="phone", on_clock=False)


def test_every_complaint_service_is_in_the_table():
    steps = {
        name
        for name, obj in inspect.getmembers(services, inspect.isfunction)
        if obj.__module__ == services.__name__
        and not name.startswith("_")
        and "complaint" in inspect.signature(obj).parameters
        and "actor" in inspect.signature(obj).parameters
    }
    # investigation_viewed changes nothing: it only logs a view.
    assert steps - {"investigation_viewed"} == set(TABLE)
    assert set(LOGGED) == set(TABLE)


def bring_to(state: str, complaint: Complaint, manager) -> Complaint:
    if state == S.WITHDRAWN:
        return services.complaint_withdraw(
            complaint=complaint, actor=manager, reason="Changed their mind."
        )
    return advance(complaint, manager, state)


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("name", sorted(TABLE))
def test_each_service_acts_only_in_the_states_that_allow_it(oral, manager, name, state):
    call, allowed = TABLE[name]
    complaint = bring_to(state, oral, manager)
    if state in allowed:
        call(complaint, manager)
    else:
        refused(lambda: call(complaint, manager), complaint)


def _allowed_state(name: str) -> str:
    return next(state for state in S if state in TABLE[name][1])


@pytest.mark.parametrize("name", sorted(TABLE))
def test_each_change_writes_one_history_row_and_one_log_row(oral, manager, name):
    call, _allowed = TABLE[name]
    action, reason = LOGGED[name]
    complaint = bring_to(_allowed_state(name), oral, manager)
    history = Complaint.history.count() + ComplaintNote.history.count()
    since = last_log_id()
    result = call(complaint, manager)
    assert Complaint.history.count() + ComplaintNote.history.count() == history + 1
    row = result.history.latest()
    assert row.history_user == manager
    assert row.history_change_reason.startswith(reason)
    [entry] = new_log_rows(since)
    assert (entry.action, entry.actor, entry.setting) == (action, manager, complaint.setting)
    assert entry.detail["complaint"] == complaint.pk
    if action == AccessAction.COMPLAINT_STATE_CHANGED:
        complaint.refresh_from_db()
        assert entry.detail["to"] == complaint.state
        assert entry.detail["from"] != complaint.state
    if name == "complaint_note_add":
        assert entry.detail["note"] == result.pk
        assert result.written_by == manager
    if name == "complaint_taken_further":
        assert entry.detail["taken_further_to"] == "ofsted"
    if name == "complaint_put_on_clock":
        assert entry.detail["on_clock_from"] == TODAY().isoformat()
        assert entry.detail["due_on"] == (TODAY() + days(28)).isoformat()


@pytest.mark.parametrize("who", ["practitioner", "othermanager", "keyperson"])
@pytest.mark.parametrize("name", sorted(TABLE))
def test_only_the_settings_managers_move_a_complaint_on(
    logged_by_practitioner, manager, request, who, name
):
    """Even the member of staff who logged it: everything after logging is the managers'."""
    actor = request.getfixturevalue(who)
    call, _allowed = TABLE[name]
    complaint = bring_to(_allowed_state(name), logged_by_practitioner, manager)
    refused(
        lambda: call(complaint, actor),
        complaint,
        match="Only the setting's manager handles complaints",
    )


@pytest.mark.parametrize(
    ("name", "field", "what"),
    [
        ("complaint_acknowledge", "acknowledged_on", "acknowledged"),
        ("complaint_investigate", "started_on", "the investigation started"),
        ("complaint_notify_outcome", "notified_on", "the outcome was told"),
        ("complaint_taken_further", "taken_further_on", "it was taken further"),
        ("complaint_put_on_clock", "clock_from", "it was received in writing"),
    ],
)
def test_dates_are_neither_in_the_future_nor_before_receipt(oral, manager, name, field, what):
    complaint = bring_to(_allowed_state(name), oral, manager)
    service = getattr(services, name)
    # The service's other arguments, as would do on the day.
    arguments = {
        "complaint_acknowledge": {"acknowledged_how": "letter"},
        "complaint_investigate": {},
        "complaint_notify_outcome": {
            "findings": "Found.",
            "outcome": "not_upheld",
            "actions_taken": "",
            "notified_how": "letter",
        },
        "complaint_taken_further": {"taken_further_to": "ico"},
        "complaint_put_on_clock": {},
    }[name]
    for day, match in [
        (TODAY() + days(1), f"The date {what} cannot be in the future"),
        (complaint.received_on - days(1), f"The date {what} cannot be before the complaint"),
    ]:
        refused(
            lambda day=day: service(
                complaint=complaint, actor=manager, **{field: day}, **arguments
            ),
            complaint,
            match=match,
        )


def test_the_investigation_does_not_start_before_the_acknowledgement(complaint, manager):
    complaint = services.complaint_acknowledge(
        complaint=complaint, actor=manager, acknowledged_on=TODAY(), acknowledged_how="phone"
    )
    refused(
        lambda: services.complaint_investigate(
            complaint=complaint, actor=manager, started_on=TODAY() - days(1)
        ),
        complaint,
        match="before the acknowledgement",
    )


def test_the_outcome_is_not_told_before_the_investigation_started(complaint, manager):
    complaint = advance(complaint, manager, "investigating")
    refused(
        lambda: services.complaint_notify_outcome(
            complaint=complaint,
            actor=manager,
            findings="Found.",
            outcome="not_upheld",
            actions_taken="",
            notified_on=TODAY() - days(1),
            notified_how="letter",
        ),
        complaint,
        match="before the investigation started",
    )


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"findings": "  "}, "what the investigation found"),
        ({"outcome": ""}, "whether the complaint was upheld"),
        ({"outcome": "maybe"}, "whether the complaint was upheld"),
        ({"notified_how": "carrier"}, "how the complainant was told"),
        ({"outcome": "upheld", "actions_taken": " "}, "what was done about it"),
        ({"outcome": "partly_upheld", "actions_taken": ""}, "what was done about it"),
    ],
)
def test_the_outcome_needs_findings_an_outcome_and_for_upheld_the_actions(
    complaint, manager, fields, match
):
    complaint = advance(complaint, manager, "investigating")
    arguments = {
        "findings": "The gate was left open by a visitor.",
        "outcome": "upheld",
        "actions_taken": "A sign on the gate.",
        "notified_on": TODAY(),
        "notified_how": "letter",
    }
    refused(
        lambda: services.complaint_notify_outcome(
            complaint=complaint, actor=manager, **(arguments | fields)
        ),
        complaint,
        match=match,
    )


def test_not_upheld_needs_no_actions_and_keeps_what_was_found(complaint, manager):
    complaint = advance(complaint, manager, "investigating")
    complaint = services.complaint_notify_outcome(
        complaint=complaint,
        actor=manager,
        findings="  The gate was shut; the signing-in book shows it.  ",
        outcome="not_upheld",
        actions_taken="",
        notified_on=TODAY(),
        notified_how="in_person",
    )
    complaint.refresh_from_db()
    assert complaint.state == S.OUTCOME_NOTIFIED
    assert complaint.findings == "The gate was shut; the signing-in book shows it."
    assert (complaint.outcome_notified_on, complaint.outcome_notified_how) == (
        TODAY(),
        "in_person",
    )


def test_acknowledging_records_the_day_and_how(complaint, manager):
    services.complaint_acknowledge(
        complaint=complaint,
        actor=manager,
        acknowledged_on=complaint.received_on,
        acknowledged_how="email",
    )
    complaint.refresh_from_db()
    assert complaint.state == S.ACKNOWLEDGED
    assert (complaint.acknowledged_on, complaint.acknowledged_how) == (
        complaint.received_on,
        "email",
    )
    another = log_complaint(complaint.setting, manager)
    refused(
        lambda: services.complaint_acknowledge(
            complaint=another, actor=manager, acknowledged_on=TODAY(), acknowledged_how=""
        ),
        another,
        match="how the complaint was acknowledged",
    )


def test_the_investigation_is_led_by_the_manager_who_starts_it(complaint, manager):
    complaint = advance(complaint, manager, "investigating")
    complaint.refresh_from_db()
    assert complaint.investigated_by == manager
    assert complaint.investigation_started_on == TODAY()


def test_withdrawing_needs_a_reason(complaint, manager):
    refused(
        lambda: services.complaint_withdraw(complaint=complaint, actor=manager, reason="  "),
        complaint,
        match="why the complaint was withdrawn",
    )


def test_withdrawn_keeps_what_the_complainant_said(complaint, manager):
    services.complaint_withdraw(
        complaint=complaint, actor=manager, reason="  Talked it through at pick-up.  "
    )
    complaint.refresh_from_db()
    assert complaint.state == S.WITHDRAWN
    assert complaint.withdrawn_reason == "Talked it through at pick-up."


def test_taken_further_needs_where_and_keeps_the_outcome_there(complaint, manager):
    complaint = advance(complaint, manager, "closed")
    refused(
        lambda: services.complaint_taken_further(
            complaint=complaint,
            actor=manager,
            taken_further_to="the press",
            taken_further_on=TODAY(),
        ),
        complaint,
        match="who the complainant went to",
    )
    services.complaint_taken_further(
        complaint=complaint,
        actor=manager,
        taken_further_to="ico",
        taken_further_on=TODAY(),
        taken_further_outcome=" No further action. ",
    )
    complaint.refresh_from_db()
    # Recording it leaves the complaint closed.
    assert complaint.state == S.CLOSED
    assert (complaint.taken_further_to, complaint.taken_further_outcome) == (
        "ico",
        "No further action.",
    )


def test_taken_further_while_investigating_and_after_withdrawing(complaint, manager):
    """A parent may go to Ofsted or the ICO at any time: recorded without moving the complaint."""
    complaint = advance(complaint, manager, "investigating")
    _taken_further(complaint, manager)
    complaint.refresh_from_db()
    assert (complaint.state, complaint.taken_further_to) == (S.INVESTIGATING, "ofsted")
    services.complaint_withdraw(complaint=complaint, actor=manager, reason="Went to Ofsted.")
    services.complaint_taken_further(
        complaint=complaint,
        actor=manager,
        taken_further_to="ofsted",
        taken_further_on=TODAY(),
        taken_further_outcome="Ofsted took no action.",
    )
    complaint.refresh_from_db()
    assert (complaint.state, complaint.taken_further_outcome) == (
        S.WITHDRAWN,
        "Ofsted took no action.",
    )


def test_what_came_of_it_left_empty_keeps_what_was_recorded(complaint, manager):
    services.complaint_taken_further(
        complaint=complaint,
        actor=manager,
        taken_further_to="ico",
        taken_further_on=TODAY() - days(1),
        taken_further_outcome="The ICO asked for our records policy.",
    )
    services.complaint_taken_further(
        complaint=complaint, actor=manager, taken_further_to="ico", taken_further_on=TODAY()
    )
    complaint.refresh_from_db()
    assert (complaint.taken_further_on, complaint.taken_further_outcome) == (
        TODAY(),
        "The ICO asked for our records policy.",
    )


def test_a_second_body_replaces_the_first_which_the_history_keeps(complaint, manager):
    """One body per complaint: the ICO after Ofsted replaces Ofsted, and its outcome there is
    not carried over to the ICO; the history has both, and says what was replaced."""
    services.complaint_taken_further(
        complaint=complaint,
        actor=manager,
        taken_further_to="ofsted",
        taken_further_on=TODAY() - days(2),
        taken_further_outcome="Ofsted took no action.",
    )
    services.complaint_taken_further(
        complaint=complaint, actor=manager, taken_further_to="ico", taken_further_on=TODAY()
    )
    complaint.refresh_from_db()
    assert (complaint.taken_further_to, complaint.taken_further_outcome) == ("ico", "")
    latest, earlier = complaint.history.order_by("-history_id")[:2]
    assert latest.history_change_reason == (
        "Taken further to The Information Commissioner's Office (ICO) (was Ofsted)"
    )
    assert (earlier.taken_further_to, earlier.taken_further_outcome) == (
        "ofsted",
        "Ofsted took no action.",
    )


# Putting an oral complaint on the clock after it was logged (EYFS: 28 days from receipt of
# the written complaint).


def test_put_on_the_clock_the_28_days_run_from_the_day_given(oral, manager):
    oral = advance(oral, manager, "acknowledged")
    clock_from = TODAY() - days(1)
    services.complaint_put_on_clock(complaint=oral, actor=manager, clock_from=clock_from)
    oral.refresh_from_db()
    assert (oral.on_clock, oral.due_on, oral.clock_from) == (True, TODAY() + days(27), clock_from)
    # What was logged stays as it was: made by phone, received three days ago.
    assert (oral.state, oral.received_how, oral.received_on) == (
        S.ACKNOWLEDGED,
        "phone",
        TODAY() - days(3),
    )
    assert oral.days_left(TODAY()) == 27
    assert oral.history.latest().history_change_reason == (
        f"Put on the 28-day clock from {clock_from:%-d %B %Y}, the day it was received in writing"
    )


def test_put_on_the_clock_from_long_ago_it_is_overdue(setting, manager):
    oral = log_complaint(
        setting, manager, received_how="in_person", on_clock=False, received_on=TODAY() - days(40)
    )
    services.complaint_put_on_clock(complaint=oral, actor=manager, clock_from=TODAY() - days(30))
    oral.refresh_from_db()
    assert oral.is_overdue(TODAY())
    assert oral.days_left(TODAY()) == -2


def test_a_complaint_already_on_the_clock_is_not_put_on_it_again(complaint, oral, manager):
    refused(
        lambda: _put_on_clock(complaint, manager),
        complaint,
        match="already on the 28-day clock",
    )
    _put_on_clock(oral, manager)
    refused(lambda: _put_on_clock(oral, manager), oral, match="already on the 28-day clock")


@pytest.mark.parametrize("state", [S.OUTCOME_NOTIFIED, S.CLOSED, S.WITHDRAWN])
def test_once_the_outcome_is_told_or_it_ended_it_is_not_put_on_the_clock(oral, manager, state):
    oral = bring_to(state, oral, manager)
    refused(
        lambda: _put_on_clock(oral, manager),
        oral,
        match="only while the outcome is still to be told",
    )


def test_an_empty_note_is_refused(complaint, manager):
    complaint = advance(complaint, manager, "acknowledged")
    refused(
        lambda: services.complaint_note_add(complaint=complaint, actor=manager, text=" \n "),
        complaint,
        match="Write the note",
    )


def test_the_same_note_key_twice_adds_one_note(complaint, manager):
    complaint = advance(complaint, manager, "acknowledged")
    key = uuid.uuid4()
    first = services.complaint_note_add(
        complaint=complaint, actor=manager, text="Rang the parent.", submission_key=key
    )
    after_first = footprint()
    again = services.complaint_note_add(
        complaint=complaint, actor=manager, text="Rang the parent.", submission_key=key
    )
    assert again.pk == first.pk
    assert footprint() == after_first


def test_a_view_of_the_investigation_is_logged(complaint, manager):
    since = last_log_id()
    services.investigation_viewed(complaint=complaint, actor=manager, via="complaint page")
    [entry] = new_log_rows(since)
    assert entry.action == AccessAction.COMPLAINT_INVESTIGATION_VIEWED
    assert entry.actor == manager
    assert entry.detail == {"complaint": complaint.pk, "via": "complaint page"}


def test_a_manager_of_two_settings_handles_each_at_its_own_setting(
    setting, other_setting, manager, othermanager
):
    """The manager of both settings handles a complaint at either; the other setting's manager
    still handles only theirs."""
    both = make_staff(other_setting, "groupmanager", "manager")
    membership_add(user=both, setting=setting, role="manager", actor=None)
    here = log_complaint(setting, manager)
    there = log_complaint(other_setting, othermanager)
    _acknowledge(here, both)
    _acknowledge(there, both)
    third = log_complaint(setting, manager)
    refused(lambda: _acknowledge(third, othermanager), third, match="Only the setting's manager")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_complaints_logged_at_once_get_different_references(setting, manager, practitioner):
    """The setting's row is locked while the number is taken: no two complaints share one."""
    if connection.vendor != "postgresql":
        pytest.skip("Needs concurrent connections to a real server; runs in CI's PostgreSQL pass")
    count = 8
    start = threading.Barrier(count)
    references: list[str] = []
    errors: list[BaseException] = []

    def log(actor) -> None:
        try:
            start.wait()
            references.append(log_complaint(setting, actor).reference)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    workers = [
        threading.Thread(target=log, args=(manager if n % 2 else practitioner,))
        for n in range(count)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    year = TODAY().year
    assert sorted(references) == [f"C-{year}-{n:04d}" for n in range(1, count + 1)]
