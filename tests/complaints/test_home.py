"""The manager's home page counts the complaints awaiting an outcome and those past 28 days
(EYFS statutory framework, section 3 "Complaints")."""

import datetime

from django.utils import timezone

from tests.complaints.conftest import advance, log_complaint


def test_home_counts_complaints_awaiting_an_outcome_and_overdue(client, setting, manager):
    long_ago = timezone.localdate() - datetime.timedelta(days=40)
    log_complaint(setting, manager)
    log_complaint(setting, manager, received_on=long_ago)
    advance(log_complaint(setting, manager), manager, "outcome_notified")
    client.force_login(manager)
    response = client.get("/")
    dashboard = response.context["dashboard"]
    assert dashboard.complaints.count == 2
    assert [clock.overdue for clock in dashboard.clocks] == [True, False]
    page = response.content.decode()
    assert "Complaints waiting for an outcome: 2" in page
    assert "Overdue by 12 days" in page


def test_home_shows_no_complaints_card_to_practitioners(client, setting, practitioner):
    log_complaint(setting, practitioner, received_how="phone")
    client.force_login(practitioner)
    response = client.get("/")
    assert "dashboard" not in response.context
    assert "Complaints waiting for an outcome" not in response.content.decode()
