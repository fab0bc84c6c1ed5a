"""Refusals: recorded with the reasons and the requester's rights (UK GDPR Art. 12(4))."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from access_requests import services
from access_requests.models import AccessRequest, State
from children.models import ChildPerson
from setting_records.errors import WorkflowError
from setting_records.history import save_as


@pytest.fixture
def from_grandmother(child, grandmother, manager):
    return services.request_create(
        child=child,
        requester=grandmother,
        received_on=timezone.localdate() - datetime.timedelta(days=2),
        channel="email",
        actor=manager,
    )


def refuse(request, manager, **changes):
    fields = {
        "reason": "Nadia does not hold parental responsibility for Amara.",
        "ground": "no_parental_responsibility",
        "told_on": timezone.localdate(),
        "told_how": "email",
        "told_of_rights": True,
    }
    return services.request_refuse(request=request, actor=manager, **(fields | changes))


def test_a_request_without_parental_responsibility_is_recorded_and_the_page_says_what_to_do(
    from_grandmother,
):
    assert from_grandmother.state == State.RECEIVED
    assert "does not hold parental responsibility" in " ".join(services.next_step(from_grandmother))
    assert "Refuse the request" in " ".join(services.next_step(from_grandmother))


def test_it_can_only_be_refused_or_withdrawn_unless_the_register_is_corrected(
    from_grandmother, manager, child, grandmother
):
    with pytest.raises(WorkflowError, match="can only be refused"):
        services.identity_verify(request=from_grandmother, method="Passport", actor=manager)
    connection = ChildPerson.objects.get(child=child, person=grandmother)
    connection.has_parental_responsibility = True
    connection.pr_evidence = "special_guardianship_order"
    save_as(connection, actor=manager, reason="Special guardianship order seen")
    services.identity_verify(request=from_grandmother, method="Passport", actor=manager)
    from_grandmother.refresh_from_db()
    assert from_grandmother.state == State.IDENTITY_VERIFIED


def test_a_refusal_records_the_reasons_and_that_the_rights_were_told(from_grandmother, manager):
    with pytest.raises(WorkflowError, match="right to complain to the ICO and to go to court"):
        refuse(from_grandmother, manager, told_of_rights=False)
    with pytest.raises(WorkflowError, match="between receipt and today"):
        refuse(from_grandmother, manager, told_on=timezone.localdate() + datetime.timedelta(1))
    with pytest.raises(WorkflowError, match="Give the reason"):
        refuse(from_grandmother, manager, reason=" ")
    from_grandmother.refresh_from_db()
    assert from_grandmother.state == State.RECEIVED

    refuse(from_grandmother, manager)
    from_grandmother.refresh_from_db()
    assert from_grandmother.state == State.REFUSED
    assert from_grandmother.refusal_ground == "no_parental_responsibility"
    assert from_grandmother.refusal_told_on == timezone.localdate()
    assert from_grandmother.told_of_rights
    notice = " ".join(services.refusal_notice(from_grandmother))
    assert "does not hold parental responsibility" in notice
    assert "Information Commissioner" in notice
    assert "court" in notice


def test_any_refusal_needs_the_notice(request_received, manager):
    with pytest.raises(WorkflowError, match="right to complain"):
        refuse(request_received, manager, ground="excessive", told_of_rights=False)
    refuse(request_received, manager, ground="excessive", reason="A repeat request.")
    request_received.refresh_from_db()
    assert request_received.state == State.REFUSED


def test_the_refuse_form_requires_the_rights_to_have_been_told(client, manager, from_grandmother):
    client.force_login(manager)
    url = f"/access-requests/{from_grandmother.pk}/refuse/"
    data = {
        "ground": "no_parental_responsibility",
        "reason": "No parental responsibility.",
        "told_on": timezone.localdate().isoformat(),
        "told_how": "email",
        "confirmed": "yes",
    }
    client.post(url, data)
    from_grandmother.refresh_from_db()
    assert from_grandmother.state == State.RECEIVED
    client.post(url, data | {"told_of_rights": "on"})
    from_grandmother.refresh_from_db()
    assert from_grandmother.state == State.REFUSED
    page = client.get(f"/access-requests/{from_grandmother.pk}/").content.decode()
    assert "Refusal notice" in page
    assert "Information Commissioner" in page


def test_the_demo_shows_a_refusal_with_its_notice_and_a_declined_meeting(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", verbosity=0)
    refused = AccessRequest.objects.get(refusal_ground="no_parental_responsibility")
    assert refused.state == State.REFUSED
    assert refused.told_of_rights
    assert not ChildPerson.objects.get(
        child=refused.child, person=refused.requester
    ).has_parental_responsibility
    assert "Information Commissioner" in " ".join(services.refusal_notice(refused))
    declined = AccessRequest.objects.get(state=State.MEETING_DECLINED)
    assert declined.meeting.declined_on is not None
    assert services.release_blockers(declined) == []


def test_the_demo_release_works_through_the_page_as_the_browser_test_does(
    db, settings, tmp_path, client
):
    # tests/browser/test_release_browser.py needs Chromium; this walks the same path.
    from setting_records.models import User

    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", verbosity=0)
    ready = next(
        r for r in AccessRequest.objects.filter(state=State.MEETING_HELD) if not r.flags.exists()
    )
    client.force_login(User.objects.get(username="manager"))
    page = client.get(f"/access-requests/{ready.pk}/").content.decode()
    assert "Nothing stands in the way" in page
    assert "Release the copy" in page
    response = client.post(
        f"/access-requests/{ready.pk}/release/",
        {"recipient": f"person-{ready.requester_id}", "route": "at_meeting"},
        follow=True,
    )
    assert "Copy released." in response.content.decode()
    ready.refresh_from_db()
    assert ready.state == State.COPY_RELEASED


def test_long_reasons_are_kept_whole_on_the_request(from_grandmother, manager):
    # The request and its history both keep the reasons the requester was given in full.
    reasons = "Nadia does not hold parental responsibility. " * 8
    refuse(from_grandmother, manager, reason=reasons)
    from_grandmother.refresh_from_db()
    assert from_grandmother.outcome_reason == reasons.strip()
    assert from_grandmother.history.first().history_change_reason == f"Refused: {reasons.strip()}"
