"""The deadline steps of a request: asking for identity, stopping the clock, extending.

Dates are the issue's own, with "today" pinned so that the checks against the future hold
whatever day the suite runs.
"""

import datetime
from datetime import date

import pytest
from django.utils import timezone

from access_requests import services
from access_requests.models import Pause, State
from setting_records.errors import WorkflowError


@pytest.fixture
def today(monkeypatch):
    """Pin the local date the services and views call "today"; return a setter."""
    real = timezone.localdate

    def pin(day: date) -> None:
        def localdate(value=None, timezone=None):
            return day if value is None else real(value, timezone)

        monkeypatch.setattr("django.utils.timezone.localdate", localdate)

    return pin


@pytest.fixture
def received(child, mother, manager):
    """A request received on the given day, by the mother (who holds parental responsibility)."""

    def make(day: date):
        return services.request_create(
            child=child, requester=mother, received_on=day, channel="letter", actor=manager
        )

    return make


# Identity restarts the month.


def test_identity_asked_for_then_received_restarts_the_month(today, received, manager):
    today(date(2026, 2, 10))
    request = received(date(2026, 1, 28))
    services.identity_request(
        request=request, requested_on=date(2026, 1, 28), asked_for="Passport", actor=manager
    )
    request.refresh_from_db()
    assert request.waiting_for_identity
    assert request.due_on() is None
    assert "Waiting for proof of identity" in " ".join(services.next_step(request))
    services.identity_verify(
        request=request,
        method="Passport copy checked",
        identity_received_on=date(2026, 1, 31),
        actor=manager,
    )
    request.refresh_from_db()
    assert request.state == State.IDENTITY_VERIFIED
    assert request.identity_received_on == date(2026, 1, 31)
    assert request.due_on() == date(2026, 2, 28)  # not 3 March
    assert request.deadline().start == date(2026, 1, 31)


def test_verifying_needs_the_day_proof_arrived_only_when_it_was_asked_for(today, received, manager):
    today(date(2026, 2, 10))
    asked = received(date(2026, 1, 28))
    services.identity_request(
        request=asked, requested_on=date(2026, 1, 29), asked_for="Passport", actor=manager
    )
    for arrived, message in [
        (None, "Give the day the proof of identity arrived"),
        (date(2026, 1, 28), "cannot arrive before it was asked for"),
        (date(2026, 2, 11), "cannot be in the future"),
    ]:
        with pytest.raises(WorkflowError, match=message):
            services.identity_verify(
                request=asked, method="Passport", identity_received_on=arrived, actor=manager
            )
    asked.refresh_from_db()
    assert asked.state == State.RECEIVED
    assert asked.identity_received_on is None


def test_a_day_proof_arrived_is_refused_when_none_was_asked_for(today, received, manager):
    today(date(2026, 2, 10))
    request = received(date(2026, 1, 28))
    with pytest.raises(WorkflowError, match="was not asked for"):
        services.identity_verify(
            request=request,
            method="Passport",
            identity_received_on=date(2026, 2, 1),
            actor=manager,
        )
    request.refresh_from_db()
    assert request.state == State.RECEIVED
    assert request.due_on() == date(2026, 2, 28)


def test_identity_cannot_be_asked_for_once_overdue_twice_or_after_verification(
    today, received, manager
):
    today(date(2026, 4, 15))
    late = received(date(2026, 3, 2))
    with pytest.raises(WorkflowError, match="due on 2 April 2026"):
        services.identity_request(
            request=late, requested_on=date(2026, 4, 10), asked_for="Passport", actor=manager
        )
    late.refresh_from_db()
    assert late.identity_requested_on is None
    assert late.due_on() == date(2026, 4, 2)

    services.identity_request(
        request=late, requested_on=date(2026, 4, 2), asked_for="Passport", actor=manager
    )
    with pytest.raises(WorkflowError, match="already asked for on 2 April 2026"):
        services.identity_request(
            request=late, requested_on=date(2026, 4, 3), asked_for="Licence", actor=manager
        )
    services.identity_verify(
        request=late, method="Passport", identity_received_on=date(2026, 4, 14), actor=manager
    )
    with pytest.raises(WorkflowError, match="before identity is verified"):
        services.identity_request(
            request=late, requested_on=date(2026, 4, 14), asked_for="More", actor=manager
        )


# Clarification stops the clock only before the due date.


def test_a_pause_after_the_due_date_is_refused(today, received, manager):
    today(date(2026, 4, 15))
    request = received(date(2026, 3, 2))
    with pytest.raises(WorkflowError, match="due on 2 April 2026 and is overdue"):
        services.pause_start(
            request=request, reason="Which years", started_on=date(2026, 4, 10), actor=manager
        )
    assert not Pause.objects.exists()
    assert request.due_on() == date(2026, 4, 2)
    assert request.deadline().overdue


def test_a_pause_on_the_due_date_stops_the_clock_with_nothing_left(today, received, manager):
    today(date(2026, 4, 15))
    request = received(date(2026, 3, 2))
    services.pause_start(
        request=request, reason="Which years", started_on=date(2026, 4, 2), actor=manager
    )
    facts = request.deadline()
    assert facts.stopped_since == date(2026, 4, 2)
    assert facts.days_left_when_stopped == 0
    assert not facts.overdue
    services.pause_end(request=request, ended_on=date(2026, 4, 14), actor=manager)
    assert request.due_on() == date(2026, 4, 14)


def test_a_late_pause_already_recorded_leaves_the_request_overdue(today, received, manager):
    # Data written before the rule: a pause from 10 to 20 April once moved the date to 12 April.
    today(date(2026, 4, 25))
    request = received(date(2026, 3, 2))
    Pause.objects.create(
        request=request,
        started_on=date(2026, 4, 10),
        ended_on=date(2026, 4, 20),
        reason="Which years",
    )
    assert request.due_on() == date(2026, 4, 2)
    open_late = received(date(2026, 3, 2))
    Pause.objects.create(request=open_late, started_on=date(2026, 4, 10), reason="Which years")
    facts = open_late.deadline()
    assert facts.due == date(2026, 4, 2)
    assert facts.overdue
    assert not facts.clock_stopped
    assert "clock is stopped" not in " ".join(services.next_step(open_late))


def test_the_clock_does_not_stop_for_identity_or_before_it_arrived(today, received, manager):
    today(date(2026, 2, 10))
    request = received(date(2026, 1, 5))
    services.identity_request(
        request=request, requested_on=date(2026, 1, 5), asked_for="Passport", actor=manager
    )
    with pytest.raises(WorkflowError, match="starts when the proof of identity arrives"):
        services.pause_start(
            request=request, reason="Which years", started_on=date(2026, 1, 6), actor=manager
        )
    services.identity_verify(
        request=request, method="Passport", identity_received_on=date(2026, 1, 15), actor=manager
    )
    with pytest.raises(WorkflowError, match="only from that day"):
        services.pause_start(
            request=request, reason="Which years", started_on=date(2026, 1, 10), actor=manager
        )
    assert not Pause.objects.exists()


def test_a_new_pause_cannot_start_inside_an_earlier_one(today, received, manager):
    today(date(2026, 3, 1))
    request = received(date(2026, 2, 2))
    services.pause_start(
        request=request, reason="Which years", started_on=date(2026, 2, 5), actor=manager
    )
    services.pause_end(request=request, ended_on=date(2026, 2, 10), actor=manager)
    with pytest.raises(WorkflowError, match="stopped until 10 February 2026"):
        services.pause_start(
            request=request, reason="Which rooms", started_on=date(2026, 2, 8), actor=manager
        )
    assert request.due_on() == date(2026, 3, 7)


# Extension.


def test_extension_told_within_the_month_from_identity_is_allowed(today, received, manager):
    # The case: received 5 January 2026, identity 15 January, told 10 February.
    today(date(2026, 2, 12))
    request = received(date(2026, 1, 5))
    services.identity_request(
        request=request, requested_on=date(2026, 1, 5), asked_for="Passport", actor=manager
    )
    services.identity_verify(
        request=request, method="Passport", identity_received_on=date(2026, 1, 15), actor=manager
    )
    services.extension_record(
        request=request,
        months=2,
        reason="Four years of records and several professionals' reports",
        told_on=date(2026, 2, 10),
        reasons_told=True,
        actor=manager,
    )
    request.refresh_from_db()
    assert request.extension_months == 2
    assert request.extension_reasons_told
    assert request.extension_told_on == date(2026, 2, 10)
    assert request.due_on() == date(2026, 4, 15)
    assert request.deadline().unextended_due == date(2026, 2, 15)


def extend(request, manager, **overrides):
    kwargs = {
        "months": 2,
        "reason": "Many records",
        "told_on": date(2026, 2, 10),
        "reasons_told": True,
    }
    services.extension_record(request=request, actor=manager, **{**kwargs, **overrides})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"told_on": date(2026, 2, 21)}, "cannot be in the future", id="future"),
        pytest.param({"told_on": date(2026, 1, 4)}, "before the request was", id="before-receipt"),
        pytest.param({"told_on": date(2026, 2, 6)}, "by 5 February 2026", id="too-late"),
        pytest.param({"reasons_told": False}, "reasons for the delay", id="reasons-not-told"),
        pytest.param({"reason": "  "}, "complex enough", id="no-reason"),
        pytest.param({"months": 3}, "one or two further months", id="three-months"),
    ],
)
def test_extension_refused(today, received, manager, overrides, message):
    today(date(2026, 2, 20))
    request = received(date(2026, 1, 5))
    with pytest.raises(WorkflowError, match=message):
        extend(request, manager, **overrides)
    request.refresh_from_db()
    assert request.extension_months == 0
    assert request.extension_told_on is None
    assert request.due_on() == date(2026, 2, 5)


@pytest.mark.parametrize("end", ["close", "withdraw", "refuse"])
def test_extension_refused_once_the_request_has_ended(manager, end, request):
    if end == "close":
        item = request.getfixturevalue("request_released")
        services.request_close(request=item, actor=manager)
    else:
        item = request.getfixturevalue("request_received")
        if end == "withdraw":
            services.request_withdraw(request=item, reason="No longer wanted", actor=manager)
        else:
            services.request_refuse(
                request=item,
                reason="A repeat of a request answered last month",
                ground="excessive",
                told_on=timezone.localdate(),
                told_how="letter",
                told_of_rights=True,
                actor=manager,
            )
    with pytest.raises(WorkflowError, match="an ended request is not extended"):
        extend(item, manager, told_on=item.received_on)
    item.refresh_from_db()
    assert item.extension_months == 0


# The pages.


def test_the_request_page_explains_an_identity_wait(client, today, received, manager):
    today(date(2026, 2, 10))
    request = received(date(2026, 1, 28))
    client.force_login(manager)
    url = f"/access-requests/{request.pk}/"
    response = client.post(
        f"{url}ask-identity/",
        {"asked_for": "A copy of a passport", "requested_on": "2026-01-29"},
        follow=True,
    )
    page = response.content.decode()
    assert "waiting for proof of identity, asked for on 29 January 2026" in page
    assert "A copy of a passport" in page
    listing = client.get("/access-requests/").content.decode()
    assert "Waiting for proof of identity" in listing
    client.post(
        f"{url}verify-identity/",
        {"method": "Passport seen", "identity_received_on": "2026-01-31"},
    )
    page = client.get(url).content.decode()
    assert "28 February 2026" in page
    assert "the day the proof of identity arrived" in page


def test_the_request_page_says_how_long_was_left_when_the_clock_stopped(
    client, today, received, manager
):
    today(date(2026, 3, 25))
    request = received(date(2026, 3, 2))
    services.pause_start(
        request=request, reason="Which years", started_on=date(2026, 3, 10), actor=manager
    )
    client.force_login(manager)
    page = client.get(f"/access-requests/{request.pk}/").content.decode()
    assert "Clock stopped since 10 March 2026" in page
    assert "23 days were left" in page


def test_the_request_page_shows_a_late_pause_and_that_it_is_overdue(
    client, today, received, manager
):
    today(date(2026, 4, 25))
    request = received(date(2026, 3, 2))
    Pause.objects.create(
        request=request, started_on=date(2026, 4, 10), ended_on=date(2026, 4, 20), reason="X"
    )
    client.force_login(manager)
    page = client.get(f"/access-requests/{request.pk}/").content.decode()
    assert "overdue by 23 days" in page
    assert "Asked after the due date: the clock did not stop." in page
    listing = client.get("/access-requests/").content.decode()
    assert "Overdue by 23 days" in listing


def test_extending_without_telling_the_reasons_changes_nothing(client, today, received, manager):
    today(date(2026, 1, 20))
    request = received(date(2026, 1, 5))
    client.force_login(manager)
    response = client.post(
        f"/access-requests/{request.pk}/extend/",
        {"months": "2", "reason": "Many records", "told_on": "2026-01-19"},
        follow=True,
    )
    assert "Tell the requester the reasons for the delay" in response.content.decode()
    request.refresh_from_db()
    assert request.extension_months == 0
    client.post(
        f"/access-requests/{request.pk}/extend/",
        {"months": "2", "reason": "Many records", "told_on": "2026-01-19", "reasons_told": "on"},
    )
    request.refresh_from_db()
    assert request.extension_months == 2
    assert request.due_on() == datetime.date(2026, 4, 5)
