"""The demo's complaints (seed_demo): one in every state, one overdue, one taken to Ofsted, one
a practitioner logged, and the two linked to an access request and a correction decision."""

import pytest
from django.core.management import call_command

from access_requests.models import RectificationState
from complaints.models import Complaint, ComplaintNote, ComplaintState
from setting_records import access_log
from setting_records.models import AccessAction, AccessLogEntry, Setting, User


@pytest.fixture
def demo(db, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    # Run what seed_demo's commit would (the access log's anchor): the test never commits.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)


@pytest.fixture
def first_setting(demo):
    return Setting.objects.get(name="Little Acorns Nursery")


def test_the_demo_complaints(first_setting):
    """One run of seed_demo (several seconds) for every check of its complaints."""
    check_the_demo_has_a_complaint_in_every_state(first_setting)
    check_the_demo_has_an_overdue_complaint(first_setting)
    check_the_demo_has_one_taken_to_ofsted_after_the_outcome(first_setting)
    check_the_demo_has_an_oral_complaint_logged_by_the_practitioner(first_setting)
    check_the_demo_links_one_to_an_access_request_and_one_to_a_correction_decision(first_setting)
    check_the_closed_complaint_met_the_deadline_with_findings_and_actions(first_setting)
    check_every_demo_complaint_and_note_names_who_made_each_change(first_setting)
    check_every_demo_complaint_was_logged_in_the_access_log(first_setting)


def check_the_demo_has_a_complaint_in_every_state(first_setting):
    states = set(Complaint.objects.filter(setting=first_setting).values_list("state", flat=True))
    assert states == set(ComplaintState.values)


def check_the_demo_has_an_overdue_complaint(first_setting):
    overdue = [c for c in Complaint.objects.filter(setting=first_setting) if c.is_overdue()]
    assert len(overdue) == 1
    [complaint] = overdue
    assert complaint.outcome_notified_on is None
    assert complaint.days_left() < 0
    assert complaint.notes.count() == 2


def check_the_demo_has_one_taken_to_ofsted_after_the_outcome(first_setting):
    complaint = Complaint.objects.get(setting=first_setting, taken_further_to="ofsted")
    assert complaint.state == ComplaintState.OUTCOME_NOTIFIED
    assert complaint.outcome == "partly_upheld"
    assert complaint.taken_further_on > complaint.outcome_notified_on
    assert complaint.met_deadline() is True


def check_the_demo_has_an_oral_complaint_logged_by_the_practitioner(first_setting):
    practitioner = User.objects.get(username="practitioner")
    [complaint] = Complaint.objects.filter(setting=first_setting, logged_by=practitioner)
    assert complaint.received_how in {"in_person", "phone"}
    assert complaint.about in {"staff_conduct", "care"}
    assert complaint.history.get().history_user == practitioner


def check_the_demo_links_one_to_an_access_request_and_one_to_a_correction_decision(first_setting):
    about_request = Complaint.objects.get(setting=first_setting, about="access_request")
    assert about_request.access_request.child == about_request.child
    assert about_request.complainant == about_request.access_request.requester
    about_decision = Complaint.objects.get(setting=first_setting, about="rectification")
    decided = about_decision.rectification
    assert decided.outcome
    assert decided.state == RectificationState.CLOSED
    assert about_decision.complainant == decided.requester
    assert about_decision.child == decided.child


def check_the_closed_complaint_met_the_deadline_with_findings_and_actions(first_setting):
    complaint = Complaint.objects.get(setting=first_setting, state=ComplaintState.CLOSED)
    assert complaint.met_deadline() is True
    assert complaint.findings
    assert complaint.actions_taken
    assert complaint.notes.exists()


def check_every_demo_complaint_and_note_names_who_made_each_change(first_setting):
    manager = User.objects.get(username="manager")
    assert Complaint.history.exists()
    assert not Complaint.history.filter(history_user_id__isnull=True).exists()
    assert not ComplaintNote.history.filter(history_user_id__isnull=True).exists()
    # Everything after logging was the manager's.
    assert set(
        Complaint.history.exclude(history_type="+").values_list("history_user_id", flat=True)
    ) == {manager.pk}


def check_every_demo_complaint_was_logged_in_the_access_log(first_setting):
    logged = AccessLogEntry.objects.filter(action=AccessAction.COMPLAINT_LOGGED)
    assert sorted(row.detail["complaint"] for row in logged) == sorted(
        Complaint.objects.values_list("pk", flat=True)
    )
    assert access_log.verify().intact
