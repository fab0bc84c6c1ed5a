import datetime
import io

from django.utils import timezone
from pypdf import PdfReader

from access_requests import services
from access_requests.models import AccessRequest, State
from setting_records.models import AccessLogEntry


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_manager_records_a_request(client, manager, child, mother):
    client.force_login(manager)
    response = client.post(
        "/access-requests/new/",
        {
            "child": child.pk,
            "requester": mother.pk,
            "received_on": timezone.localdate().isoformat(),
            "channel": "letter",
        },
    )
    item = AccessRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/access-requests/{item.pk}/"
    assert "AR-" in client.get(response["Location"]).content.decode()


def test_a_request_from_someone_without_pr_is_recorded_and_the_page_says_so(
    client, manager, child, grandmother
):
    client.force_login(manager)
    response = client.post(
        "/access-requests/new/",
        {
            "child": child.pk,
            "requester": grandmother.pk,
            "received_on": timezone.localdate().isoformat(),
            "channel": "letter",
        },
        follow=True,
    )
    # Recorded, to be answered with a refusal (UK GDPR Art. 12(4)), not turned away at the form.
    assert AccessRequest.objects.get().requester == grandmother
    assert "does not hold parental responsibility" in response.content.decode()


def test_a_future_receipt_date_is_refused(client, manager, child, mother):
    client.force_login(manager)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        "/access-requests/new/",
        {"child": child.pk, "requester": mother.pk, "received_on": tomorrow, "channel": "letter"},
    )
    assert "This date is in the future" in response.content.decode()
    assert not AccessRequest.objects.exists()


def test_steps_explain_bad_input_and_change_nothing(client, manager, request_received):
    client.force_login(manager)
    url = f"/access-requests/{request_received.pk}/verify-identity/"
    response = client.post(url, {"method": ""}, follow=True)
    assert "This field is required" in response.content.decode()
    request_received.refresh_from_db()
    assert request_received.state == State.RECEIVED
    response = client.post(
        f"/access-requests/{request_received.pk}/release/",
        {"recipient": f"person-{request_received.requester_id}", "route": "at_meeting"},
        follow=True,
    )
    assert "only after the meeting" in response.content.decode()
    client.post(url, {"method": "Passport seen"})
    request_received.refresh_from_db()
    assert request_received.state == State.IDENTITY_VERIFIED


def test_unknown_step_is_404(client, manager, request_received):
    client.force_login(manager)
    assert client.post(f"/access-requests/{request_received.pk}/launch/").status_code == 404


def test_overdue_requests_stand_out(client, manager, child, mother):
    services.request_create(
        child=child,
        requester=mother,
        received_on=timezone.localdate() - datetime.timedelta(days=40),
        channel="email",
        actor=manager,
    )
    client.force_login(manager)
    page = client.get("/access-requests/").content.decode()
    assert 'class="overdue"' in page
    assert "Overdue by" in page


def test_working_copy_is_watermarked_and_holds_only_this_child(
    client, manager, request_received, third_party_record, setting
):
    from children import services as children_services
    from tests.children.conftest import write

    other = children_services.child_create(
        setting=setting,
        actor=manager,
        first_name="Other",
        last_name="Child",
        date_of_birth=datetime.date(2022, 1, 1),
        started_on=datetime.date(2023, 1, 1),
    )
    write(other, manager, title="About someone else entirely")
    services.identity_verify(request=request_received, method="Passport", actor=manager)
    services.preparation_start(request=request_received, actor=manager)
    entry = request_received.entries.get(record=third_party_record)
    services.entry_decide(
        entry=entry,
        included=True,
        disclosure="withhold",
        withhold_reason="third_party",
        withhold_note="Shared in confidence.",
        actor=manager,
    )
    client.force_login(manager)
    response = client.get(f"/access-requests/{request_received.pk}/preview.pdf")
    text = pdf_text(response.content)
    assert "Working copy" in text
    assert "Health visitor's report" not in text  # a withheld entry's title is not printed
    assert "withheld" in text
    assert "Confidential words from the health visitor" not in text
    assert "Jane Doe" not in text  # a withheld third party is not named either
    assert "About someone else entirely" not in text
    assert AccessLogEntry.objects.filter(action="pack_previewed").count() == 1


def test_parents_copy_serves_the_released_bytes_and_logs_each_download(
    client, manager, request_released
):
    client.force_login(manager)
    first = client.get(f"/access-requests/{request_released.pk}/pack.pdf").content
    second = client.get(f"/access-requests/{request_released.pk}/pack.pdf").content
    stored = services.pack_path(request_released.release.file_name).read_bytes()
    assert first == second == stored
    text = pdf_text(first)
    assert "Farah Khan" in text
    assert "Working copy" not in text
    assert AccessLogEntry.objects.filter(action="pack_downloaded").count() == 2


def test_release_through_the_page_happens_once(client, manager, request_held):
    client.force_login(manager)
    url = f"/access-requests/{request_held.pk}/release/"
    data = {"recipient": f"person-{request_held.requester_id}", "route": "at_meeting"}
    client.post(url, data)
    response = client.post(url, data, follow=True)
    assert "already been released" in response.content.decode()
    request_held.refresh_from_db()
    assert request_held.state == State.COPY_RELEASED


def test_an_altered_stored_copy_is_not_served(client, manager, request_released):
    path = services.pack_path(request_released.release.file_name)
    path.write_bytes(path.read_bytes() + b"%tampered")
    client.force_login(manager)
    response = client.get(f"/access-requests/{request_released.pk}/pack.pdf")
    assert response.status_code == 409
    assert "does not match the fingerprint" in response.content.decode()
    assert not AccessLogEntry.objects.filter(action="pack_downloaded").exists()


def test_a_missing_stored_copy_is_explained(client, manager, request_released):
    services.pack_path(request_released.release.file_name).unlink()
    client.force_login(manager)
    response = client.get(f"/access-requests/{request_released.pk}/pack.pdf")
    assert response.status_code == 409
