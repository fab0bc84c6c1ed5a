"""The correction request pages: the list in due order, the new-request form from the entry
page, and the request page step by step (one form at a time, errors beside their fields)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from access_requests import services
from access_requests.models import RectificationRequest
from children.models import Record
from complaints import services as complaint_services
from setting_records.models import AccessAction, AccessLogEntry
from tests.access_requests.conftest import (
    decide_corrected,
    decide_kept,
    rectify,
    share_entry,
    verify,
)
from tests.children.conftest import share, write


def step_forms(html: str, item) -> set[str]:
    return set(re.findall(rf'action="/rectifications/{item.pk}/([a-z-]+)/"', html))


def page(client, item, query=""):
    response = client.get(f"{item.get_absolute_url()}{query}")
    assert response.status_code == 200
    return response.content.decode()


def post(client, item, step, data):
    return client.post(reverse("access_requests:rectification_step", args=[item.pk, step]), data)


def today() -> str:
    return str(timezone.localdate())


# The entry page.


def test_the_entry_page_offers_a_correction_request_to_the_manager_only(
    client, manager, keyperson, general_record
):
    new = reverse("access_requests:rectification_new", args=[general_record.pk])
    client.force_login(manager)
    assert new in client.get(general_record.get_absolute_url()).content.decode()
    client.force_login(keyperson)
    assert new not in client.get(general_record.get_absolute_url()).content.decode()


def test_a_disputed_entry_says_so_with_a_link_for_the_manager(
    client, manager, keyperson, rectification_received
):
    record = rectification_received.record
    client.force_login(manager)
    html = client.get(record.get_absolute_url()).content.decode()
    assert "A parent has asked for this entry to be corrected (received" in html
    assert "its use is restricted until the parent has been told the decision" in html
    assert "not yet decided" in html
    assert rectification_received.get_absolute_url() in html
    assert "Disputed" in html
    client.force_login(keyperson)
    html = client.get(record.get_absolute_url()).content.decode()
    assert "A parent has asked for this entry to be corrected" in html
    assert rectification_received.get_absolute_url() not in html
    # The child's page marks the entry in its list.
    child_html = client.get(record.child.get_absolute_url()).content.decode()
    assert "Disputed" in child_html


def test_the_entrys_history_shows_when_it_became_disputed_and_why(
    client, keyperson, rectification_received
):
    record = rectification_received.record
    client.force_login(keyperson)
    html = client.get(f"/records/{record.pk}/history/").content.decode()
    # The version the request made: the field that changed, and the request named as the reason.
    assert "Disputed by a parent" in html
    assert f"correction request {rectification_received.pk}" in html


def test_a_decided_entry_stays_disputed_until_the_parent_is_told(
    client, manager, keyperson, rectification_verified
):
    """UK GDPR Art. 18(3): the banner says the decision is made and the parent is to be told;
    telling them lifts the restriction, and the banner goes."""
    decide_kept(rectification_verified, manager)
    record = rectification_verified.record
    client.force_login(manager)
    html = client.get(record.get_absolute_url()).content.decode()
    assert "a decision has been made and the parent is to be told" in html
    assert rectification_verified.get_absolute_url() in html
    html = page(client, rectification_verified)
    assert "Telling the parent lifts the restriction on the entry" in html
    response = post(
        client,
        rectification_verified,
        "tell",
        {"told_on": today(), "told_how": "letter", "told_of_rights": "on"},
    )
    assert response.status_code == 302
    html = client.get(record.get_absolute_url()).content.decode()
    assert "A parent has asked for this entry to be corrected" not in html
    assert "Disputed by a parent" not in html


# Recording a request.


def test_a_request_is_recorded_from_the_entry(client, manager, general_record, mother):
    client.force_login(manager)
    url = reverse("access_requests:rectification_new", args=[general_record.pk])
    html = client.get(url).content.decode()
    assert "Farah Khan" in html
    general_record.occurred_at = timezone.now() - datetime.timedelta(days=10)
    general_record.save()
    response = client.post(
        url,
        {
            "requester": mother.pk,
            "received_on": str(timezone.localdate() - datetime.timedelta(days=2)),
            "channel": "email",
            "what_is_wrong": "The time is wrong.",
            "what_it_should_say": "4pm",
        },
    )
    item = RectificationRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == item.get_absolute_url()
    assert Record.objects.get(pk=general_record.pk).disputed


def test_a_refused_request_is_shown_again_as_typed(client, manager, general_record, grandmother):
    client.force_login(manager)
    url = reverse("access_requests:rectification_new", args=[general_record.pk])
    response = client.post(
        url,
        {
            "requester": grandmother.pk,
            "received_on": today(),
            "channel": "email",
            "what_is_wrong": "The time is wrong, typed by hand.",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "does not hold parental responsibility" in html
    assert "The time is wrong, typed by hand." in html
    assert not RectificationRequest.objects.exists()


# The request page.


def test_a_received_request_shows_the_entry_and_only_the_identity_form(
    client, manager, sensitive_record, mother
):
    item = rectify(sensitive_record, mother, manager)
    client.force_login(manager)
    before = AccessLogEntry.objects.filter(action=AccessAction.RECORD_VIEWED).count()
    html = page(client, item)
    assert step_forms(html, item) == {"verify-identity"}
    assert sensitive_record.body in html
    # No clarification pause on a correction request (UK GDPR Art. 12A(3)-(5)).
    assert "Stop the clock" not in html
    assert "Extend the deadline" in html
    assert "Withdrawn by the parent" in html
    assert "Refuse" in html
    assert "Due" in html
    # Showing a sensitive entry's text is a read, logged.
    rows = AccessLogEntry.objects.filter(action=AccessAction.RECORD_VIEWED).order_by("id")
    assert rows.count() == before + 1
    assert rows.last().detail["rectification"] == item.pk


def test_the_decision_form_starts_from_the_entry(client, manager, rectification_verified):
    client.force_login(manager)
    html = page(client, rectification_verified)
    assert step_forms(html, rectification_verified) == {"decide"}
    record = rectification_verified.record
    assert re.search(r'value="fact"[^>]*checked', html)
    assert f'value="{record.title}"' in html
    assert "ico.org.uk/make-a-complaint" in html
    assert "complaints procedure" in html


def test_a_decision_with_errors_is_shown_again_as_typed(client, manager, rectification_verified):
    client.force_login(manager)
    response = post(
        client,
        rectification_verified,
        "decide",
        {
            "found_nature": "fact",
            "outcome": "corrected",
            "reasons": "Reasons typed by the manager.",
            "corrected_title": "",
            "corrected_body": "A corrected body typed by the manager.",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Give the corrected wording." in html
    assert "A corrected body typed by the manager." in html
    assert "Reasons typed by the manager." in html
    rectification_verified.refresh_from_db()
    assert rectification_verified.state == "identity_verified"


def test_deciding_a_correction_then_telling_the_parent(client, manager, rectification_verified):
    record = rectification_verified.record
    sharing = share_entry(record, manager)
    client.force_login(manager)
    response = post(
        client,
        rectification_verified,
        "decide",
        {
            "found_nature": "fact",
            "outcome": "corrected",
            "reasons": "The register says 4pm.",
            "corrected_title": record.title,
            "corrected_body": "Collected at 4pm.",
        },
    )
    assert response.status_code == 302
    html = page(client, rectification_verified)
    assert step_forms(html, rectification_verified) == {"tell"}
    assert "Collected at 4pm." in html
    assert "not yet told" in html
    assert f"?step=notice&amp;sharing={sharing.pk}" in html
    html = page(client, rectification_verified, f"?step=notice&sharing={sharing.pk}")
    assert step_forms(html, rectification_verified) == {"notice"}
    response = post(
        client,
        rectification_verified,
        "notice",
        {"sharing": sharing.pk, "outcome": "notified", "done_on": today(), "method": "phone"},
    )
    assert response.status_code == 302
    response = post(
        client,
        rectification_verified,
        "tell",
        {"told_on": today(), "told_how": "letter"},
    )
    assert "Tell the parent of their right to complain" in response.content.decode()
    response = post(
        client,
        rectification_verified,
        "tell",
        {"told_on": today(), "told_how": "letter", "told_of_rights": "on"},
    )
    assert response.status_code == 302
    html = page(client, rectification_verified)
    assert "answered on time" in html
    assert "Told of the correction" in html
    assert not step_forms(html, rectification_verified)


def test_a_kept_entry_shows_the_parents_statement(client, manager, rectification_verified):
    decide_kept(rectification_verified, manager)
    client.force_login(manager)
    html = page(client, rectification_verified)
    assert "I do not agree: she was just tired that day." in html
    assert "Past recipients" not in html


def test_withdrawing_asks_to_confirm(client, manager, rectification_received):
    client.force_login(manager)
    response = post(client, rectification_received, "withdraw", {"reason": "Sorted out"})
    assert response.status_code == 200
    assert "Are you sure?" in response.content.decode()
    rectification_received.refresh_from_db()
    assert rectification_received.state == "received"
    response = post(
        client, rectification_received, "withdraw", {"reason": "Sorted out", "confirmed": "yes"}
    )
    assert response.status_code == 302
    rectification_received.refresh_from_db()
    assert rectification_received.state == "withdrawn"


def test_refusing_asks_to_confirm_and_records_the_notice(client, manager, rectification_received):
    client.force_login(manager)
    html = page(client, rectification_received, "?step=refuse")
    assert "Are you sure?" in html
    data = {
        "ground": "excessive",
        "reason": "The fourth request about this entry this month.",
        "told_on": today(),
        "told_how": "letter",
    }
    response = post(client, rectification_received, "refuse", data | {"confirmed": "yes"})
    assert response.status_code == 200
    assert "ask a court to enforce their rights" in response.content.decode()
    rectification_received.refresh_from_db()
    assert rectification_received.state == "received"
    response = post(
        client,
        rectification_received,
        "refuse",
        data | {"told_of_rights": "on", "confirmed": "yes"},
    )
    assert response.status_code == 302
    rectification_received.refresh_from_db()
    assert rectification_received.state == "refused"
    assert not Record.objects.get(pk=rectification_received.record_id).disputed
    html = page(client, rectification_received)
    assert "Excessive" in html
    assert "The fourth request about this entry this month." in html
    assert not step_forms(html, rectification_received)
    listing = client.get(reverse("access_requests:rectification_list")).content.decode()
    assert "Refused; parent told" in listing


def test_a_requester_without_parental_responsibility_is_offered_the_refusal(
    client, manager, rectification_received, mother
):
    connection = mother.connections.get()
    connection.has_parental_responsibility = False
    connection.save()
    client.force_login(manager)
    html = page(client, rectification_received)
    # The refusal is the next step (it asks to confirm): identity is not verified for them.
    assert "Next step: Refuse" in html
    assert not step_forms(html, rectification_received)
    assert "?step=refuse#step" in html


def test_summary_disclosures_are_listed_to_be_checked(client, manager, rectification_verified):
    record = rectification_verified.record
    decide_corrected(rectification_verified, manager)
    client.force_login(manager)
    html = page(client, rectification_verified)
    assert "The entry was not shared with anyone: there is nobody to tell." in html
    summary = share(
        record.child,
        manager,
        summary="How she has settled in.",
        decided_on=timezone.localdate(),
        recipient_organisation="Health visiting",
    )
    html = page(client, rectification_verified)
    assert "nobody to tell" not in html
    assert "some were recorded as a written summary only" in html
    assert "check whether this disclosure included the entry" in html
    assert f"?step=notice&amp;sharing={summary.pk}" in html
    html = page(client, rectification_verified, f"?step=notice&sharing={summary.pk}")
    assert "a written summary on" in html
    response = post(
        client,
        rectification_verified,
        "notice",
        {
            "sharing": summary.pk,
            "outcome": "not_included",
            "done_on": today(),
            "note": "It was about her speech only.",
        },
    )
    assert response.status_code == 302
    html = page(client, rectification_verified)
    assert "Checked: the summary did not include the entry" in html
    assert "check whether this disclosure included the entry" not in html


def test_a_step_not_offered_is_refused_in_place(client, manager, rectification_received):
    client.force_login(manager)
    response = post(
        client,
        rectification_received,
        "tell",
        {"told_on": today(), "told_how": "letter", "told_of_rights": "on"},
    )
    assert response.status_code == 200
    assert "the parent is told once the request is decided" in response.content.decode()


def test_an_unknown_step_is_404(client, manager, rectification_received):
    client.force_login(manager)
    assert post(client, rectification_received, "explode", {}).status_code == 404


# The list.


def test_the_list_shows_open_requests_overdue_first_then_ended(
    client, manager, child, keyperson, mother
):
    late = rectify(write(child, keyperson, title="Late one"), mother, manager, days_ago=40)
    soon = rectify(write(child, keyperson, title="Soon one"), mother, manager, days_ago=20)
    done = verify(rectify(write(child, keyperson, title="Done one"), mother, manager), manager)
    decide_corrected(done, manager)
    services.rectification_tell(
        rectification=done,
        actor=manager,
        told_on=timezone.localdate(),
        told_how="letter",
        told_of_rights=True,
    )
    client.force_login(manager)
    html = client.get(reverse("access_requests:rectification_list")).content.decode()
    assert html.index("Late one") < html.index("Soon one") < html.index("Ended")
    assert html.index("Ended") < html.index("Done one")
    assert "Overdue by" in html
    assert "(on time)" in html
    assert late.get_absolute_url() in html
    assert soon.get_absolute_url() in html


@pytest.mark.parametrize("count", [1, 20])
def test_the_list_costs_the_same_whatever_it_holds(
    client, manager, child, keyperson, mother, django_assert_num_queries, count
):
    for number in range(count):
        rectify(write(child, keyperson, title=f"Entry {number}"), mother, manager)
    ended = rectify(write(child, keyperson, title="Ended"), mother, manager)
    services.rectification_withdraw(rectification=ended, actor=manager, reason="Sorted")
    client.force_login(manager)
    url = reverse("access_requests:rectification_list")
    # session, user, two-factor device, managed settings, open requests (with entry, child
    # and requester), ended count, ended page, the menu's membership, and the session saved
    # (savepoint, update, release); a correction request has no pauses to fetch
    with django_assert_num_queries(11):
        assert client.get(url).status_code == 200


# The complaints about the request, listed through the complaints policy (policy P10).


def test_the_page_lists_the_complaints_about_this_request_only(
    client, manager, child, keyperson, mother
):
    def refused(title):
        item = rectify(write(child, keyperson, title=title), mother, manager)
        return services.rectification_refuse(
            rectification=item,
            actor=manager,
            ground="excessive",
            reason="The fourth request about this entry this month.",
            told_on=timezone.localdate(),
            told_how="letter",
            told_of_rights=True,
        )

    def complaint_about(item, received_days_ago, summary):
        return complaint_services.complaint_log(
            setting=child.setting,
            actor=manager,
            received_on=timezone.localdate() - datetime.timedelta(days=received_days_ago),
            received_how="letter",
            about="rectification",
            summary=summary,
            complainant=mother,
            rectification=item,
        )

    first, second = refused("First entry"), refused("Second entry")
    older = complaint_about(first, 2, "The entry is still wrong.")
    newer = complaint_about(first, 0, "And I was not listened to.")
    elsewhere = complaint_about(second, 1, "About the other entry.")
    client.force_login(manager)
    listed = re.findall(r'<a href="/complaints/(\d+)/">Complaint ', page(client, first))
    assert listed == [str(newer.pk), str(older.pk)]
    listed = re.findall(r'<a href="/complaints/(\d+)/">Complaint ', page(client, second))
    assert listed == [str(elsewhere.pk)]
