"""The complaint pages (policy P10): the list by the 28-day clock, logging a complaint (by any
member of staff, from an entry, or as a one-step referral of a request), and the complaint's
page step by step, with the investigation kept to the managers and every view of it logged."""

import datetime
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from access_requests import services as request_services
from children import services as children_services
from complaints import services
from complaints.models import Complaint, ComplaintNote
from setting_records.models import AccessAction, AccessLogEntry
from tests.access_requests.conftest import decide_kept, rectify
from tests.children.test_query_counts import FRAME, log_write
from tests.complaints.conftest import advance, log_complaint


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def step_url(item, step: str) -> str:
    return reverse("complaints:step", args=[item.pk, step])


def step_forms(html: str, item) -> set[str]:
    """The steps whose forms the page shows."""
    return set(re.findall(rf'action="/complaints/{item.pk}/([a-z-]+)/"', html))


def state_of(item) -> str:
    return Complaint.objects.get(pk=item.pk).state


def viewed(item) -> int:
    return AccessLogEntry.objects.filter(
        action=AccessAction.COMPLAINT_INVESTIGATION_VIEWED, detail__complaint=item.pk
    ).count()


# The list.


def test_the_list_puts_the_overdue_first_then_the_one_due_soonest(client, setting, manager):
    soon = log_complaint(setting, manager, received_on=days_ago(25), complainant_name="Soon")
    later = log_complaint(setting, manager, received_on=days_ago(1), complainant_name="Later")
    overdue = log_complaint(setting, manager, received_on=days_ago(30), complainant_name="Late")
    today = log_complaint(setting, manager, received_on=days_ago(28), complainant_name="Today")
    oral = log_complaint(
        setting, manager, received_how="phone", on_clock=False, complainant_name="Oral"
    )
    client.force_login(manager)
    response = client.get("/complaints/")
    html = html_of(response)
    assert response.context["awaiting"] == [overdue, today, soon, later, oral]
    # The words say it, not the colour alone: a badge with its own class and the words in it.
    assert re.search(r'class="badge clock clock--overdue">.*Overdue by 2 days</span>', html)
    assert 'class="badge clock clock--today">Due today</span>' in html
    assert 'class="badge clock clock--running">3 days left</span>' in html
    assert 'class="badge clock clock--running">27 days left</span>' in html
    assert "Not on the 28-day clock" in html
    assert html.count('<tr class="overdue">') == 1
    # UK dates.
    assert overdue.due_on.strftime("%-d %B %Y") in html


def test_the_ended_are_listed_newest_first_with_whether_the_28_days_were_met(
    client, setting, manager
):
    on_time = advance(log_complaint(setting, manager, received_on=days_ago(5)), manager, "closed")
    late = advance(
        log_complaint(setting, manager, received_on=days_ago(40)), manager, "outcome_notified"
    )
    client.force_login(manager)
    response = client.get("/complaints/")
    html = html_of(response)
    assert response.context["awaiting"] == []
    assert response.context["ended"] == [on_time, late]
    assert 'class="badge clock clock--met">Told within 28 days</span>' in html
    assert re.search(r'class="badge clock clock--late">.*Told late', html)
    assert "Upheld, told" in html


def test_a_member_of_staff_lists_what_they_logged_and_no_outcome(
    client, setting, manager, practitioner, complaint, logged_by_practitioner
):
    advance(logged_by_practitioner, manager, "outcome_notified")
    client.force_login(practitioner)
    response = client.get("/complaints/")
    html = html_of(response)
    assert list(response.context["page"].object_list) == [logged_by_practitioner]
    assert complaint.reference not in html
    assert logged_by_practitioner.reference in html
    assert "Upheld" not in html
    assert "28 days" in html  # the rule, said once above the list
    assert "Told within" not in html
    assert 'href="/complaints/new/"' in html


def test_every_member_of_staff_has_complaints_in_the_menu(client, outsider):
    client.force_login(outsider)
    assert 'href="/complaints/">Complaints</a>' in html_of(client.get("/"))


# Logging a complaint.


def log_data(**extra) -> dict[str, str]:
    return {
        "received_on": str(days_ago(1)),
        "received_how": "in_person",
        "about": "care",
        "complainant_name": "Sam Patel",
        "complainant_contact": "07700 900456",
        "summary": "My son came home with wet clothes again.",
        "submission_key": str(uuid.uuid4()),
    } | extra


def test_a_member_of_staff_logs_a_complaint_and_goes_back_to_their_list(
    client, setting, practitioner
):
    client.force_login(practitioner)
    html = html_of(client.get("/complaints/new/"))
    # One setting: not asked.
    assert 'name="setting"' not in html
    assert "EYFS statutory framework (section 3" in html
    response = client.post("/complaints/new/", log_data())
    item = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == "/complaints/"
    assert item.logged_by == practitioner
    assert item.setting == setting
    assert item.complainant_name == "Sam Patel"
    # Made in person and not ticked: off the clock.
    assert not item.on_clock
    assert item.due_on is None
    html = html_of(client.get("/complaints/"))
    assert f"Complaint {item.reference} logged." in html


def test_a_manager_logs_one_from_the_register_and_goes_to_its_page(
    client, manager, mother, child, keyperson
):
    client.force_login(manager)
    response = client.post(
        "/complaints/new/",
        log_data(
            complainant="",
            complainant_name="",
            complainant_contact="",
            received_how="in_person",
            on_clock="on",
            child=str(child.pk),
            staff_concerned=str(keyperson.pk),
            about="staff_conduct",
        )
        | {"complainant": str(mother.pk)},
    )
    item = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == item.get_absolute_url()
    assert (item.complainant, item.child, item.staff_concerned) == (mother, child, keyperson)
    # Ticked: an oral complaint on the clock, due 28 days after it was received.
    assert item.on_clock
    assert item.due_on == days_ago(1) + datetime.timedelta(days=28)


def test_a_written_complaint_is_on_the_clock_even_unticked(client, manager):
    client.force_login(manager)
    client.post("/complaints/new/", log_data(received_how="email"))
    item = Complaint.objects.get()
    assert item.on_clock
    assert item.due_on == days_ago(1) + datetime.timedelta(days=28)


def test_a_refused_complaint_is_shown_again_as_typed_with_the_error_beside_the_field(
    client, manager
):
    client.force_login(manager)
    words = "The nappy was not changed all afternoon."
    future = str(timezone.localdate() + datetime.timedelta(days=2))
    response = client.post(
        "/complaints/new/",
        log_data(complainant_name="", summary=words, received_on=future),
    )
    html = html_of(response)
    assert not Complaint.objects.exists()
    assert words in html
    assert re.search(r'id="id_complainant_name_error">.*Say who made the complaint', html, re.S)
    assert re.search(r'id="id_received_on_error">.*This date is in the future', html, re.S)


def test_the_log_form_keeps_its_key_when_shown_again_so_a_resend_logs_once(client, manager):
    client.force_login(manager)
    data = log_data()
    html = html_of(client.post("/complaints/new/", data | {"summary": ""}))
    assert f'value="{data["submission_key"]}"' in html
    first = client.post("/complaints/new/", data)
    second = client.post("/complaints/new/", data)
    item = Complaint.objects.get()
    assert first["Location"] == second["Location"] == item.get_absolute_url()


def test_a_complaint_about_an_entry_is_logged_from_the_entry(
    client, manager, general_record, mother
):
    client.force_login(manager)
    entry_page = html_of(client.get(general_record.get_absolute_url()))
    url = f"/complaints/new/?record={general_record.pk}"
    assert url in entry_page
    html = html_of(client.get(url))
    # The entry and the child are facts on the page, not fields.
    assert general_record.title in html
    assert "Mara (Amara) Khan" in html
    assert 'name="child"' not in html
    assert 'name="about"' not in html
    response = client.post(url, log_data(complainant_name="") | {"complainant": mother.pk})
    item = Complaint.objects.get()
    assert response.status_code == 302
    assert (item.about, item.record, item.child) == ("entry", general_record, general_record.child)


def test_a_key_person_logs_a_complaint_about_an_entry_from_the_entry(
    client, keyperson, general_record
):
    """Anyone who may see the entry may log a complaint about it (review item 5), not only the
    manager; it is linked to the entry, and they go back to their list."""
    client.force_login(keyperson)
    entry_page = html_of(client.get(general_record.get_absolute_url()))
    url = f"/complaints/new/?record={general_record.pk}"
    assert url in entry_page
    # The correction request stays the manager's.
    assert "A parent says this is wrong" not in entry_page
    response = client.post(url, log_data())
    item = Complaint.objects.get()
    assert response["Location"] == "/complaints/"
    assert (item.about, item.record, item.logged_by) == ("entry", general_record, keyperson)


def test_the_general_form_tells_a_member_of_staff_what_they_can_do(client, practitioner, manager):
    """The request pages' referral is the managers': a member of staff is told to choose
    "Something else" instead."""
    client.force_login(practitioner)
    html = html_of(client.get("/complaints/new/"))
    assert "choose “Something else” and say which" in html
    assert "Refer to the complaints procedure" not in html
    assert "Log a complaint about this entry" in html
    client.force_login(manager)
    html = html_of(client.get("/complaints/new/"))
    assert "Refer to the complaints procedure" in html
    assert "choose “Something else”" not in html


def test_the_labels_say_how_not_by_whom(client, manager, complaint):
    client.force_login(manager)
    html = html_of(client.get("/complaints/new/"))
    assert ">How it was received</label>" in html
    assert "Received by" not in html
    html = html_of(client.get(complaint.get_absolute_url()))
    assert "How it was acknowledged" in html
    assert "Acknowledged by" not in html
    advance(complaint, manager, "investigating")
    html = html_of(client.get(complaint.get_absolute_url()))
    assert "How they were told" in html
    assert "Told by" not in html


@pytest.mark.parametrize("value", ["abc", "-1", "99999999999999999999", ""])
def test_a_bad_entry_id_is_a_404(client, manager, value):
    client.force_login(manager)
    assert client.get(f"/complaints/new/?record={value}").status_code == 404


def test_an_entry_the_user_may_not_see_is_a_404(client, outsider, sensitive_record):
    client.force_login(outsider)
    assert client.get(f"/complaints/new/?record={sensitive_record.pk}").status_code == 404


# The one-step referral (policy P10).


def test_an_access_request_is_referred_in_one_step(client, manager, request_received, mother):
    client.force_login(manager)
    url = reverse("complaints:from_access_request", args=[request_received.pk])
    assert url in html_of(client.get(request_received.get_absolute_url()))
    html = html_of(client.get(url))
    assert request_received.reference in html
    assert "Farah Khan" in html
    assert 'name="complainant' not in html
    assert 'name="child"' not in html
    response = client.post(
        url,
        {
            "received_on": str(timezone.localdate()),
            "received_how": "letter",
            "summary": "You took too long.",
        },
    )
    item = Complaint.objects.get()
    assert response["Location"] == item.get_absolute_url()
    assert item.about == "access_request"
    assert (item.access_request, item.complainant, item.child) == (
        request_received,
        mother,
        request_received.child,
    )
    # The request lists it; the complaint links back.
    assert item.get_absolute_url() in html_of(client.get(request_received.get_absolute_url()))
    assert request_received.get_absolute_url() in html_of(client.get(item.get_absolute_url()))


def test_a_rectification_is_referred_once_decided(client, manager, rectification_verified, mother):
    client.force_login(manager)
    url = reverse("complaints:from_rectification", args=[rectification_verified.pk])
    assert url not in html_of(client.get(rectification_verified.get_absolute_url()))
    assert client.get(url).status_code == 403
    assert client.post(url, {"summary": "x"}).status_code == 403
    decided = decide_kept(rectification_verified, manager)
    assert url in html_of(client.get(decided.get_absolute_url()))
    html = html_of(client.get(url))
    assert "Farah Khan" in html
    response = client.post(
        url,
        {
            "received_on": str(timezone.localdate()),
            "received_how": "email",
            "summary": "The entry is still wrong.",
        },
    )
    item = Complaint.objects.get()
    assert response["Location"] == item.get_absolute_url()
    assert (item.about, item.rectification, item.complainant, item.child) == (
        "rectification",
        decided,
        mother,
        decided.child,
    )


def test_a_refused_rectification_may_be_referred(client, manager, general_record, mother):
    item = rectify(general_record, mother, manager)
    request_services.rectification_refuse(
        rectification=item,
        actor=manager,
        ground="manifestly_unfounded",
        reason="The same request for the fifth time this month.",
        told_on=timezone.localdate(),
        told_how="letter",
        told_of_rights=True,
    )
    client.force_login(manager)
    url = reverse("complaints:from_rectification", args=[item.pk])
    assert url in html_of(client.get(item.get_absolute_url()))
    assert client.get(url).status_code == 200


# The complaint's page: the manager's.


def test_each_step_through_the_web(client, manager, complaint):
    client.force_login(manager)
    html = html_of(client.get(complaint.get_absolute_url()))
    assert step_forms(html, complaint) == {"acknowledge"}
    assert "Next step: Acknowledge the complaint" in html
    today = str(timezone.localdate())

    def post(step, data):
        response = client.post(step_url(complaint, step), data)
        assert response.status_code == 302, response.content.decode()
        assert response["Location"] == complaint.get_absolute_url()

    post("acknowledge", {"acknowledged_on": today, "acknowledged_how": "email"})
    assert state_of(complaint) == "acknowledged"
    post("investigate", {"started_on": today})
    assert state_of(complaint) == "investigating"
    post("add-note", {"text": "Spoke to the room leader.", "submission_key": str(uuid.uuid4())})
    assert ComplaintNote.objects.get().text == "Spoke to the room leader."
    post(
        "outcome",
        {
            "findings": "The gate latch was loose.",
            "outcome": "partly_upheld",
            "actions_taken": "The latch was mended.",
            "notified_on": today,
            "notified_how": "letter",
        },
    )
    assert state_of(complaint) == "outcome_notified"
    post(
        "taken-further",
        {"taken_further_to": "ofsted", "taken_further_on": today, "taken_further_outcome": ""},
    )
    # Closing is asked twice: the first post shows the confirmation and changes nothing.
    html = html_of(client.post(step_url(complaint, "close"), {}))
    assert "Are you sure?" in html
    assert state_of(complaint) == "outcome_notified"
    post("close", {"confirmed": "yes"})
    item = Complaint.objects.get(pk=complaint.pk)
    assert item.state == "closed"
    assert item.taken_further_to == "ofsted"
    html = html_of(client.get(complaint.get_absolute_url()))
    assert "Partly upheld" in html
    assert "The gate latch was loose." in html
    assert "To Ofsted on" in html
    assert "Told within 28 days" in html
    assert "Outcome told: partly upheld" in html  # the history, with its reasons


def test_the_dates_default_to_today(client, manager, complaint):
    client.force_login(manager)
    html = html_of(client.get(complaint.get_absolute_url()))
    assert f'name="acknowledged_on" value="{timezone.localdate():%Y-%m-%d}"' in html


def test_a_refused_step_is_shown_again_as_typed_with_its_error(client, manager, complaint):
    advance(complaint, manager, "investigating")
    client.force_login(manager)
    response = client.post(
        step_url(complaint, "outcome"),
        {
            "findings": "We found the gate open at 3pm.",
            "outcome": "upheld",
            "actions_taken": "",
            "notified_on": str(timezone.localdate()),
            "notified_how": "letter",
        },
    )
    html = html_of(response)
    assert "Say what was done about it." in html
    assert "We found the gate open at 3pm." in html
    assert state_of(complaint) == "investigating"


def test_a_step_its_state_does_not_allow_is_refused_with_the_rule(client, manager, complaint):
    client.force_login(manager)
    html = html_of(client.post(step_url(complaint, "close"), {"confirmed": "yes"}))
    assert "cannot become" in html
    assert state_of(complaint) == "received"
    html = html_of(client.post(step_url(complaint, "add-note"), {"text": "Too early"}))
    assert "notes are added from its acknowledgement" in html
    assert not ComplaintNote.objects.exists()


def test_withdrawing_asks_for_confirmation_first_keeping_the_reason(client, manager, complaint):
    client.force_login(manager)
    html = html_of(client.get(f"{complaint.get_absolute_url()}?step=withdraw"))
    assert "Are you sure?" in html
    assert step_forms(html, complaint) == {"withdraw"}
    html = html_of(client.post(step_url(complaint, "withdraw"), {"reason": "Sorted out."}))
    assert "Are you sure?" in html
    assert "Sorted out." in html
    assert state_of(complaint) == "received"
    response = client.post(
        step_url(complaint, "withdraw"), {"reason": "Sorted out.", "confirmed": "yes"}
    )
    assert response.status_code == 302
    assert state_of(complaint) == "withdrawn"
    html = html_of(client.get(complaint.get_absolute_url()))
    assert step_forms(html, complaint) == set()
    assert "Sorted out." in html


def test_other_actions_are_behind_a_disclosure(client, manager, complaint):
    advance(complaint, manager, "acknowledged")
    client.force_login(manager)
    html = html_of(client.get(complaint.get_absolute_url()))
    assert '<details class="card other-actions">' in html
    assert 'href="?step=add-note#step"' in html
    assert 'href="?step=withdraw#step"' in html
    # One form on the page: the step that comes next.
    assert step_forms(html, complaint) == {"investigate"}


def test_a_get_on_a_step_goes_to_the_page_and_an_unknown_step_is_a_404(client, manager, complaint):
    client.force_login(manager)
    response = client.get(step_url(complaint, "acknowledge"))
    assert response.status_code == 302
    assert response["Location"] == complaint.get_absolute_url()
    assert client.post(step_url(complaint, "reopen"), {}).status_code == 404
    assert state_of(complaint) == "received"


@pytest.mark.parametrize(
    ("step", "data", "state"),
    [
        ("acknowledge", {"acknowledged_how": "email"}, "acknowledged"),
        ("close", {"confirmed": "yes"}, "closed"),
    ],
)
def test_a_state_step_posted_twice_says_it_was_already_recorded(
    client, manager, complaint, step, data, state
):
    """A double click: the second post finds the complaint already where the step leads, and
    goes back to the page with a plain message, not an error, changing nothing."""
    if step == "close":
        advance(complaint, manager, "outcome_notified")
    data = {"acknowledged_on": str(timezone.localdate())} | data
    client.force_login(manager)
    first = client.post(step_url(complaint, step), data)
    assert first.status_code == 302
    assert state_of(complaint) == state
    history = Complaint.history.count()
    log = AccessLogEntry.objects.count()
    second = client.post(step_url(complaint, step), data)
    assert second.status_code == 302
    assert second["Location"] == complaint.get_absolute_url()
    assert (Complaint.history.count(), AccessLogEntry.objects.count()) == (history, log)
    html = html_of(client.get(complaint.get_absolute_url()))
    assert "This was already recorded." in html
    assert "cannot become" not in html


def test_the_taken_further_form_starts_from_what_is_recorded(client, manager, complaint):
    """Adding what came of it later: the form holds what is recorded, and the rest is kept."""
    advance(complaint, manager, "investigating")
    went_on = timezone.localdate() - datetime.timedelta(days=1)
    services.complaint_taken_further(
        complaint=complaint,
        actor=manager,
        taken_further_to="ico",
        taken_further_on=went_on,
        taken_further_outcome="The ICO asked for our policy.",
    )
    client.force_login(manager)
    html = html_of(client.get(f"{complaint.get_absolute_url()}?step=taken-further"))
    assert step_forms(html, complaint) == {"taken-further"}
    assert re.search(r'value="ico"[^>]*checked', html)
    assert f'name="taken_further_on" value="{went_on:%Y-%m-%d}"' in html
    assert "The ICO asked for our policy.</textarea>" in html
    # Still being investigated: shown on its own card, not under the outcome.
    assert "To The Information Commissioner&#x27;s Office (ICO) on" in html
    response = client.post(
        step_url(complaint, "taken-further"),
        {
            "taken_further_to": "ico",
            "taken_further_on": f"{went_on:%Y-%m-%d}",
            "taken_further_outcome": "The ICO closed it: no further action.",
        },
    )
    assert response.status_code == 302
    item = Complaint.objects.get(pk=complaint.pk)
    assert (item.state, item.taken_further_on, item.taken_further_outcome) == (
        "investigating",
        went_on,
        "The ICO closed it: no further action.",
    )


@pytest.mark.parametrize("state", ["received", "investigating", "closed", "withdrawn"])
def test_taken_further_is_offered_in_every_state(client, manager, complaint, state):
    if state == "withdrawn":
        services.complaint_withdraw(complaint=complaint, actor=manager, reason="Went to Ofsted.")
    else:
        advance(complaint, manager, state)
    client.force_login(manager)
    html = html_of(client.get(complaint.get_absolute_url()))
    assert 'href="?step=taken-further#step"' in html


# Putting an oral complaint on the clock (the complainant put it in writing later).


def test_an_oral_complaint_is_put_on_the_clock_from_the_day_given(
    client, manager, logged_by_practitioner
):
    item = advance(logged_by_practitioner, manager, "acknowledged")
    client.force_login(manager)
    html = html_of(client.get(item.get_absolute_url()))
    assert 'href="?step=put-on-clock#step"' in html
    html = html_of(client.get(f"{item.get_absolute_url()}?step=put-on-clock"))
    assert step_forms(html, item) == {"put-on-clock"}
    assert "Received in writing on" in html
    clock_from = days_ago(2)
    response = client.post(step_url(item, "put-on-clock"), {"clock_from": str(clock_from)})
    assert response.status_code == 302
    item = Complaint.objects.get(pk=item.pk)
    assert (item.on_clock, item.due_on) == (True, clock_from + datetime.timedelta(days=28))
    html = html_of(client.get(item.get_absolute_url()))
    assert f"On the clock from</dt><dd>{clock_from:%-d %B %Y}" in html
    assert "26 days left" in html
    # On the clock now: no longer offered.
    assert "?step=put-on-clock" not in html


def test_putting_on_the_clock_before_receipt_is_shown_again_with_the_rule(
    client, manager, logged_by_practitioner
):
    client.force_login(manager)
    before = str(logged_by_practitioner.received_on - datetime.timedelta(days=1))
    html = html_of(
        client.post(step_url(logged_by_practitioner, "put-on-clock"), {"clock_from": before})
    )
    assert "cannot be before the complaint was received" in html
    assert f'value="{before}"' in html
    assert not Complaint.objects.get(pk=logged_by_practitioner.pk).on_clock


def test_a_complaint_on_the_clock_is_not_offered_the_clock(client, manager, complaint):
    client.force_login(manager)
    assert "put-on-clock" not in html_of(client.get(complaint.get_absolute_url()))


# Overdue, said at the top of the page.


def test_an_overdue_complaint_says_so_under_its_heading(client, setting, manager):
    item = log_complaint(setting, manager, received_on=days_ago(30))
    client.force_login(manager)
    html = html_of(client.get(item.get_absolute_url()))
    due = days_ago(2)
    banner = re.search(r'<p class="notice notice--overdue" role="status">(.*?)</p>', html, re.S)
    assert banner is not None
    assert f"Overdue: the outcome was due on {due:%-d %B %Y}" in banner.group(1)
    assert "overdue by 2 days" in banner.group(1)
    # Right under the heading, before the progress and the cards.
    assert html.index("</h1>") < banner.start() < html.index('class="progress"')


@pytest.mark.parametrize("received", [28, 3])
def test_no_overdue_banner_while_within_the_28_days(client, setting, manager, received):
    item = log_complaint(setting, manager, received_on=days_ago(received))
    client.force_login(manager)
    assert "notice--overdue" not in html_of(client.get(item.get_absolute_url()))


def test_no_overdue_banner_once_told_even_late(client, setting, manager):
    item = advance(log_complaint(setting, manager, received_on=days_ago(30)), manager, "closed")
    client.force_login(manager)
    html = html_of(client.get(item.get_absolute_url()))
    assert "notice--overdue" not in html
    assert "Told late" in html


def test_a_double_submitted_note_is_recorded_once(client, manager, complaint):
    advance(complaint, manager, "investigating")
    client.force_login(manager)
    data = {"text": "Called the parent back.", "submission_key": str(uuid.uuid4())}
    assert client.post(step_url(complaint, "add-note"), data).status_code == 302
    assert client.post(step_url(complaint, "add-note"), data).status_code == 302
    assert ComplaintNote.objects.count() == 1


def test_the_note_form_keeps_its_key_when_shown_again(client, manager, complaint):
    advance(complaint, manager, "investigating")
    client.force_login(manager)
    key = str(uuid.uuid4())
    html = html_of(
        client.post(step_url(complaint, "add-note"), {"text": "", "submission_key": key})
    )
    assert f'value="{key}"' in html


def test_each_view_of_the_investigation_is_logged_once(client, manager, complaint):
    client.force_login(manager)
    # Nothing of the investigation yet: nothing to log.
    html_of(client.get(complaint.get_absolute_url()))
    assert viewed(complaint) == 0
    advance(complaint, manager, "acknowledged")
    services.complaint_note_add(complaint=complaint, actor=manager, text="Asked the room.")
    html_of(client.get(complaint.get_absolute_url()))
    assert viewed(complaint) == 1
    html_of(client.get(complaint.get_absolute_url()))
    assert viewed(complaint) == 2
    row = AccessLogEntry.objects.filter(action=AccessAction.COMPLAINT_INVESTIGATION_VIEWED).last()
    assert row.actor == manager
    assert row.detail["via"] == "complaint page"


# The complaint's page: the member of staff who logged it.


def test_the_member_of_staff_sees_what_they_logged_and_its_state_only(
    client, manager, practitioner, logged_by_practitioner
):
    item = advance(logged_by_practitioner, manager, "investigating")
    services.complaint_note_add(complaint=item, actor=manager, text="A private note.")
    advance(item, manager, "outcome_notified")
    client.force_login(practitioner)
    html = html_of(client.get(item.get_absolute_url()))
    assert "The garden gate was left open at pick-up time." in html
    assert "Outcome told" in html
    for hidden in [
        "A private note.",
        "The gate latch was faulty.",
        "The latch was replaced",
        "Upheld",
        "History",
        "Investigation notes",
        "Other actions",
    ]:
        assert hidden not in html
    assert step_forms(html, item) == set()
    assert '<form method="post" action="/complaints/' not in html
    assert viewed(item) == 0


def test_the_member_of_staff_may_not_take_a_step(client, practitioner, logged_by_practitioner):
    client.force_login(practitioner)
    url = step_url(logged_by_practitioner, "acknowledge")
    data = {"acknowledged_on": str(timezone.localdate()), "acknowledged_how": "email"}
    assert client.post(url, data).status_code == 403
    assert state_of(logged_by_practitioner) == "received"


# Exact query counts.


@pytest.mark.parametrize("count", [1, 12])
def test_the_managers_list_costs_the_same_whatever_it_holds(
    client, setting, manager, child, count, django_assert_num_queries
):
    for number in range(count):
        log_complaint(setting, manager, child=child, complainant_name=f"Parent {number}")
        advance(log_complaint(setting, manager), manager, "closed")
    client.force_login(manager)
    client.get("/complaints/")
    # the settings the user manages; the complaints awaiting the outcome with complainant and
    # child; the count of the rest and their page
    with django_assert_num_queries(FRAME + 4):
        assert client.get("/complaints/").status_code == 200


@pytest.mark.parametrize("count", [1, 12])
def test_the_staff_list_costs_the_same_whatever_it_holds(
    client, setting, practitioner, count, django_assert_num_queries
):
    for _number in range(count):
        log_complaint(setting, practitioner)
    client.force_login(practitioner)
    client.get("/complaints/")
    # the settings the user manages (none); the count of what they logged, and its page
    with django_assert_num_queries(FRAME + 3):
        assert client.get("/complaints/").status_code == 200


@pytest.mark.parametrize("notes", [1, 10])
def test_the_managers_page_costs_the_same_whatever_it_holds(
    client, manager, complaint, notes, django_assert_num_queries
):
    advance(complaint, manager, "investigating")
    for number in range(notes):
        services.complaint_note_add(complaint=complaint, actor=manager, text=f"Note {number}")
    client.force_login(manager)
    client.get(complaint.get_absolute_url())
    # the complaint with whether the user manages it, its setting, child, complainant, who
    # logged it, the staff concerned and the investigator; its notes with their writers; its
    # history; the users in it; then the access-log row for the investigation shown
    with django_assert_num_queries(FRAME + 4 + log_write()):
        assert client.get(complaint.get_absolute_url()).status_code == 200


def test_the_managers_page_of_a_linked_complaint(
    client, manager, request_received, django_assert_num_queries
):
    item = services.complaint_log(
        setting=request_received.child.setting,
        actor=manager,
        received_on=timezone.localdate(),
        received_how="letter",
        about="access_request",
        summary="Too slow.",
        complainant=request_received.requester,
        access_request=request_received,
    )
    client.force_login(manager)
    client.get(item.get_absolute_url())
    # the complaint; its notes (none); its history; the users in it; the access request it is
    # about, through the policy. Nothing of the investigation shown: no access-log row
    with django_assert_num_queries(FRAME + 5):
        assert client.get(item.get_absolute_url()).status_code == 200


def test_the_staff_page_costs(
    client, manager, practitioner, child, setting, django_assert_num_queries
):
    item = log_complaint(setting, practitioner, child=child)
    advance(item, manager, "investigating")
    services.complaint_note_add(complaint=item, actor=manager, text="A private note.")
    client.force_login(practitioner)
    client.get(item.get_absolute_url())
    # the complaint; whether the child is still one they may see. No notes, no history, no log
    with django_assert_num_queries(FRAME + 2):
        html = html_of(client.get(item.get_absolute_url()))
    assert "Mara (Amara) Khan" in html


def test_the_staff_page_does_not_name_a_child_they_no_longer_see(
    client, manager, practitioner, child, setting
):
    item = log_complaint(setting, practitioner, child=child)
    children_services.care_team_set(child=child, members=[], actor=manager)
    client.force_login(practitioner)
    html = html_of(client.get(item.get_absolute_url()))
    assert "Khan" not in html
