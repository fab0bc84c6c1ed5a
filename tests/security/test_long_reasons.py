"""Reasons are kept in full in history, however long: simple-history's default reason column
is varchar(100), which PostgreSQL refuses to overflow (a 500) while SQLite stores it silently."""

import datetime

from django.utils import timezone

from access_requests import services
from access_requests.models import AccessRequest, State

LONG = "The parent asked for this in writing, and " * 30  # about 1,300 characters


def test_an_edit_reason_of_500_characters_is_kept_in_full(client, keyperson, general_record):
    reason = ("Corrected after the parent pointed out the wrong date. " * 10)[:500]
    client.force_login(keyperson)
    response = client.post(
        f"/records/{general_record.pk}/edit/",
        {
            "kind": general_record.kind,
            "sensitivity": general_record.sensitivity,
            "nature": general_record.nature,
            "title": general_record.title,
            "body": general_record.body + " Amended.",
            "occurred_at": timezone.localtime(general_record.occurred_at).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "source": "setting",
            "reason": reason,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = general_record.history.latest()
    assert latest.history_change_reason == reason
    assert latest.body.endswith("Amended.")


def test_a_withdrawal_reason_of_over_1000_characters_is_kept_in_full(
    client, manager, request_received
):
    client.force_login(manager)
    response = client.post(
        f"/access-requests/{request_received.pk}/withdraw/",
        {"reason": LONG, "confirmed": "yes"},
    )
    assert response.status_code == 302
    request = AccessRequest.objects.get(pk=request_received.pk)
    assert request.state == State.WITHDRAWN
    assert request.outcome_reason == LONG.strip()
    assert request.history.latest().history_change_reason == f"Withdrawn: {LONG.strip()}"


def test_a_refusal_reason_of_over_1000_characters_is_kept_in_full(manager, request_received):
    services.request_refuse(
        request=request_received,
        reason=LONG,
        ground="other",
        told_on=timezone.localdate(),
        told_how="letter",
        told_of_rights=True,
        actor=manager,
    )
    kept = request_received.history.latest().history_change_reason
    assert kept == f"Refused: {LONG.strip()}"
    assert len(kept) > 1000


def test_a_rearranged_meeting_keeps_the_whole_reason(manager, request_preparing):
    first = timezone.now() + datetime.timedelta(days=2)
    services.meeting_schedule(
        request=request_preparing, scheduled_at=first, place="Office", actor=manager
    )
    meeting = services.meeting_schedule(
        request=request_preparing,
        scheduled_at=first + datetime.timedelta(days=1),
        place="Office",
        reason=LONG,
        actor=manager,
    )
    assert meeting.history.latest().history_change_reason.endswith(LONG.strip())
