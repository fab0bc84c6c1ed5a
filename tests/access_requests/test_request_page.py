"""The request page, step by step: one form at a time, errors in place, confirmations, banners,
the list in due order and the two-step new-request form."""

import datetime
import re

import pytest
from django.utils import timezone

from access_requests import services
from access_requests.models import AccessRequest, State
from complaints import services as complaint_services
from setting_records.history import save_as
from tests.access_requests.conftest import disclose_reviewed, register


def step_forms(html: str, item) -> set[str]:
    """The steps the page has a form for (entry decisions aside)."""
    return set(re.findall(rf'action="/access-requests/{item.pk}/([a-z-]+)/"', html))


def current_stage(html: str) -> str:
    match = re.search(r'<li class="[^"]*" aria-current="step">(.*?)</li>', html, re.S)
    assert match, "no current step marked"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def stages(html: str) -> list[str]:
    found = re.findall(r'<li class="progress__step[^>]*>(.*?)</li>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in found]


def page(client, item, query=""):
    response = client.get(f"{item.get_absolute_url()}{query}")
    assert response.status_code == 200
    return response.content.decode()


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


# What each state shows: the one step form, and the progress line's current stage.


def test_a_received_request_shows_only_the_identity_form(client, manager, request_received):
    client.force_login(manager)
    html = page(client, request_received)
    assert step_forms(html, request_received) == {"verify-identity"}
    assert current_stage(html) == "Received (now)"
    for other in ["Stop the clock", "Extend the deadline", "Withdrawn by the requester"]:
        # Offered behind the disclosure as links, not as forms.
        assert other in html
    assert "<details" in html


def test_a_request_being_prepared_shows_the_review_and_only_the_ready_form(
    client, manager, request_preparing
):
    client.force_login(manager)
    html = page(client, request_preparing)
    # The review list's one "Save all" form, and the step's own button.
    assert step_forms(html, request_preparing) == {"review", "ready"}
    assert 'id="review"' in html
    assert current_stage(html) == "Preparing (now)"
    assert stages(html) == [
        "✓ Received (done)",
        "✓ Identity (done)",
        "Preparing (now)",
        "Ready for the meeting",
        "Meeting held",
        "Copy released",
        "Closed",
    ]
    assert "Built a tall tower" in html  # the review partial lists the entries
    assert f"/access-requests/{request_preparing.pk}/review/" in html  # its "Save all"


def test_ready_for_the_meeting_asks_first_for_the_meeting(client, manager, request_preparing):
    disclose_reviewed(request_preparing, manager)
    services.ready_for_meeting(request=request_preparing, actor=manager)
    client.force_login(manager)
    html = page(client, request_preparing)
    assert step_forms(html, request_preparing) == {"meeting"}
    assert current_stage(html) == "Ready for the meeting (now)"


def test_after_the_meeting_only_the_release_form(client, manager, request_held):
    client.force_login(manager)
    html = page(client, request_held)
    assert step_forms(html, request_held) == {"release"}
    assert current_stage(html) == "Meeting held (now)"
    assert "Nothing stands in the way" in html


def test_a_released_request_offers_the_download_and_history_only(client, manager, request_released):
    client.force_login(manager)
    html = page(client, request_released)
    assert step_forms(html, request_released) == set()
    assert current_stage(html) == "Copy released (now)"
    assert f"/access-requests/{request_released.pk}/pack.pdf" in html
    assert "History" in html
    assert "<details" not in html  # no stop the clock, extend, withdraw or refuse
    assert "day left" not in html
    assert "days left" not in html


def test_an_ended_request_shows_no_countdown_and_no_overdue(client, manager, child, mother):
    item = services.request_create(
        child=child, requester=mother, received_on=days_ago(60), channel="email", actor=manager
    )
    services.request_withdraw(request=item, reason="Parent no longer wants it", actor=manager)
    client.force_login(manager)
    html = page(client, item)
    assert step_forms(html, item) == set()
    assert "overdue" not in html.lower()
    assert "days left" not in html
    assert current_stage(html) == "Withdrawn (now)"
    assert "Parent no longer wants it" in html


# Errors shown in place, with what was typed.


def test_a_step_with_bad_input_is_shown_again_with_the_text_typed(
    client, manager, request_received
):
    client.force_login(manager)
    response = client.post(
        f"/access-requests/{request_received.pk}/pause/",
        {"reason": "Asked which years the parent means", "started_on": "31/31/2026"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Asked which years the parent means" in html
    error = re.search(r'id="id_started_on_error">(.*?)</div>', html, re.S)
    assert error
    assert "Enter a valid date" in error.group(1)
    assert step_forms(html, request_received) == {"pause"}
    assert not request_received.pauses.exists()


def test_a_broken_rule_is_shown_beside_the_form(client, manager, request_received):
    client.force_login(manager)
    before_receipt = request_received.received_on - datetime.timedelta(days=5)
    response = client.post(
        f"/access-requests/{request_received.pk}/pause/",
        {"reason": "Which years?", "started_on": before_receipt.isoformat()},
    )
    assert response.status_code == 200
    html = response.content.decode()
    summary = re.search(r'class="error-summary"[^>]*>(.*?)</div>', html, re.S)
    assert summary
    assert "between receipt and today" in summary.group(1)
    assert 'value="Which years?"' in html
    assert not request_received.pauses.exists()


# Ending a request asks first.


@pytest.mark.parametrize("step", ["withdraw", "refuse"])
def test_withdraw_and_refuse_ask_for_confirmation(client, manager, request_received, step):
    client.force_login(manager)
    url = f"/access-requests/{request_received.pk}/{step}/"
    assert step not in step_forms(page(client, request_received), request_received)
    html = page(client, request_received, f"?step={step}")
    assert "Are you sure?" in html
    assert step_forms(html, request_received) == {step}
    assert 'name="confirmed" value="yes"' in html
    # A post that skips the confirmation only shows it, with the reason kept.
    data = {"reason": "The parent phoned"}
    if step == "refuse":
        today = timezone.localdate().isoformat()
        data |= {"ground": "excessive", "told_on": today, "told_how": "phone"}
        data |= {"told_of_rights": "on"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Are you sure?" in response.content.decode()
    assert "The parent phoned" in response.content.decode()
    request_received.refresh_from_db()
    assert request_received.state == State.RECEIVED
    client.post(url, data | {"confirmed": "yes"})
    request_received.refresh_from_db()
    assert request_received.state == (State.WITHDRAWN if step == "withdraw" else State.REFUSED)


def test_closing_asks_for_confirmation(client, manager, request_released):
    client.force_login(manager)
    url = f"/access-requests/{request_released.pk}/close/"
    html = page(client, request_released)
    assert "close" not in step_forms(html, request_released)
    assert "?step=close" in html
    assert "Are you sure?" in page(client, request_released, "?step=close")
    client.post(url)
    request_released.refresh_from_db()
    assert request_released.state == State.COPY_RELEASED
    client.post(url, {"confirmed": "yes"})
    request_released.refresh_from_db()
    assert request_released.state == State.CLOSED


def test_a_step_not_offered_cannot_be_asked_for_by_query(client, manager, request_received):
    client.force_login(manager)
    html = page(client, request_received, "?step=release")
    assert step_forms(html, request_received) == {"verify-identity"}


# Interpreter need and court orders, at the top of both pages.


def test_interpreter_need_and_restriction_banners(client, manager, child, mother, father):
    mother.interpreter_needed = True
    mother.preferred_language = "Urdu"
    save_as(mother, actor=manager, reason="test")
    item = services.request_create(
        child=child, requester=mother, received_on=days_ago(1), channel="email", actor=manager
    )
    client.force_login(manager)
    for html in [page(client, item), client.get(child.get_absolute_url()).content.decode()]:
        banners = re.findall(r'<p class="banner[^"]*" role="note">(.*?)</p>', html, re.S)
        text = " ".join(" ".join(re.sub(r"<[^>]+>", " ", b).split()) for b in banners)
        assert "Interpreter needed: Farah Khan" in text
        assert "(Urdu)" in text
        assert "Court order restriction" in text
        assert "Prohibited steps order" in text
        # At the top: before the page's first section of details.
        assert html.index('class="banner') < html.index('class="columns"')


# The list.


def test_the_list_puts_overdue_first_then_by_due_date_and_filters(
    client, manager, child, mother, father, other_child
):
    def make(days, requester=mother):
        return services.request_create(
            child=child,
            requester=requester,
            received_on=days_ago(days),
            channel="email",
            actor=manager,
        )

    soon, overdue, later = make(20), make(45), make(2, father)
    ended = make(50)
    services.request_withdraw(request=ended, reason="No longer wanted", actor=manager)
    client.force_login(manager)
    html = client.get("/access-requests/").content.decode()
    order = re.findall(r">(AR-\d{4}-\d{4})<", html)
    assert order == [overdue.reference, soon.reference, later.reference]
    assert 'href="?show=open" aria-current="page"' in html
    assert f'<a href="{child.get_absolute_url()}">{child.display_name}</a>' in html
    ended_html = client.get("/access-requests/?show=ended").content.decode()
    assert re.findall(r">(AR-\d{4}-\d{4})<", ended_html) == [ended.reference]
    assert "Overdue" not in ended_html


# The new-request form, in two steps.


def test_choosing_the_child_narrows_the_requesters_to_its_register(
    client, manager, child, mother, grandmother, setting
):
    from children import services as children_services

    sibling = children_services.child_create(
        setting=setting,
        actor=manager,
        first_name="Zara",
        last_name="Ali",
        date_of_birth=datetime.date(2022, 1, 1),
        started_on=datetime.date(2023, 1, 1),
    )
    register(sibling, manager, "Someone", "father")
    client.force_login(manager)
    first = client.get("/access-requests/new/").content.decode()
    assert 'name="child"' in first
    assert 'name="requester"' not in first
    second = client.get(f"/access-requests/new/?child={child.pk}").content.decode()
    labels = re.findall(r'<label for="id_requester_\d+">.*?>\s*(.*?)</label>', second, re.S)
    labels = [" ".join(label.split()) for label in labels]
    assert "Farah Khan — mother, parental responsibility: yes" in labels
    assert "Nadia Khan — grandparent, parental responsibility: no" in labels
    assert not any("Someone" in label for label in labels)
    assert 'type="radio"' in second


def post_new(client, child, requester, **extra):
    data = {
        "child": child.pk,
        "requester": requester.pk,
        "received_on": timezone.localdate().isoformat(),
        "channel": "letter",
    }
    return client.post("/access-requests/new/", data | extra)


def test_a_second_open_request_for_the_same_person_needs_confirming(
    client, manager, child, mother, request_received
):
    client.force_login(manager)
    response = post_new(client, child, mother, representative_name="Ms Solicitor")
    html = response.content.decode()
    assert response.status_code == 200
    assert "already has an open request" in html
    assert request_received.reference in html
    assert 'type="checkbox" name="confirm_duplicate"' in html
    assert 'value="Ms Solicitor"' in html  # what was typed is kept
    assert AccessRequest.objects.count() == 1
    response = post_new(
        client,
        child,
        mother,
        confirm_duplicate="on",
        representative_name="Ms Solicitor",
        representative_authority="Signed authority",
    )
    assert response.status_code == 302
    assert AccessRequest.objects.count() == 2


def test_a_received_date_over_a_year_ago_needs_confirming(client, manager, child, mother):
    client.force_login(manager)
    long_ago = days_ago(400).isoformat()
    response = post_new(client, child, mother, received_on=long_ago)
    html = response.content.decode()
    assert response.status_code == 200
    assert "more than a year ago" in html
    assert 'type="checkbox" name="confirm_old_date"' in html
    assert f'value="{long_ago}"' in html
    assert not AccessRequest.objects.exists()
    response = post_new(client, child, mother, received_on=long_ago, confirm_old_date="on")
    assert response.status_code == 302
    assert AccessRequest.objects.get().received_on.isoformat() == long_ago


def test_a_request_closed_without_a_copy_does_not_show_one_released(client, manager, request_held):
    services.request_close(request=request_held, actor=manager)
    client.force_login(manager)
    html = page(client, request_held)
    assert stages(html)[-2:] == ["No copy released", "Closed (now)"]
    assert step_forms(html, request_held) == set()
    assert "pack.pdf" not in html


# The complaints about the request, listed through the complaints policy (policy P10).


def test_the_page_lists_the_complaints_about_this_request_only(
    client, manager, child, mother, request_received
):
    other = services.request_create(
        child=child, requester=mother, received_on=days_ago(1), channel="email", actor=manager
    )

    def complaint_about(item, received_days_ago, summary):
        return complaint_services.complaint_log(
            setting=child.setting,
            actor=manager,
            received_on=days_ago(received_days_ago),
            received_how="letter",
            about="access_request",
            summary=summary,
            complainant=mother,
            access_request=item,
        )

    older = complaint_about(request_received, 2, "Too slow.")
    newer = complaint_about(request_received, 1, "Still nothing.")
    elsewhere = complaint_about(other, 1, "About the other request.")
    unlinked = complaint_services.complaint_log(
        setting=child.setting,
        actor=manager,
        received_on=days_ago(1),
        received_how="letter",
        about="other",
        summary="The gate.",
        complainant=mother,
    )
    client.force_login(manager)
    html = page(client, request_received)
    listed = re.findall(r'<a href="/complaints/(\d+)/">Complaint ', html)
    assert listed == [str(newer.pk), str(older.pk)]
    for absent in [elsewhere, unlinked]:
        assert f"Complaint {absent.reference}<" not in html
    assert re.findall(r'<a href="/complaints/(\d+)/">Complaint ', page(client, other)) == [
        str(elsewhere.pk)
    ]
