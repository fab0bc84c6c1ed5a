"""An access request is checked against the register as it is now: an ended connection counts
for nothing, and a court order counts only while it is in force (from the day it was made to
its end date, both included)."""

import datetime

import pytest
from django.utils import timezone

from access_requests import services
from access_requests.models import AccessRequest, requester_may_receive
from access_requests.pack import _family_details
from access_requests.services.meetings import attendee_refusal
from access_requests.services.workflow import requester_without_pr
from children import register
from children.models import ChildPerson

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)
TOMORROW = TODAY + datetime.timedelta(days=1)


def entry(child, person) -> ChildPerson:
    return ChildPerson.objects.get(child=child, person=person)


def may_receive(request) -> bool:
    """The release check's SQL half, on its own."""
    return AccessRequest.objects.filter(pk=request.pk).filter(requester_may_receive()).exists()


def set_order(child, person, manager, **dates):
    register.connection_update(
        connection=entry(child, person), actor=manager, reason="test: the order's dates", **dates
    )


@pytest.mark.parametrize(
    ("dates", "restricted"),
    [
        ({}, True),
        ({"restriction_starts_on": TODAY}, True),
        ({"restriction_ends_on": TODAY}, True),
        ({"restriction_starts_on": TOMORROW}, False),
        ({"restriction_ends_on": YESTERDAY}, False),
    ],
)
def test_an_order_counts_only_while_in_force(
    child, father, manager, request_received, dates, restricted
):
    # A future start is refused now (``ORDER_MADE_IN_FUTURE``), but may be in older rows.
    future = {name: day for name, day in dates.items() if day > TODAY}
    set_order(child, father, manager, **{n: d for n, d in dates.items() if n not in future})
    ChildPerson.objects.filter(child=child, person=father).update(**future)
    connection = entry(child, father)
    assert connection.is_restricted == restricted
    # The SQL and the property agree.
    assert ChildPerson.objects.restricted().filter(pk=connection.pk).exists() == restricted
    refusal = attendee_refusal(request_received, person=father, requester_agreed=True)
    assert (refusal is not None and "court order restriction" in refusal) == restricted
    request = services.request_create(
        child=child, requester=father, received_on=TODAY, channel="letter", actor=manager
    )
    assert request.flags.exists() == restricted
    assert may_receive(request) == (not restricted)
    labels = [detail.label for detail in _family_details(request)]
    assert ("Court order restriction" in labels) == restricted


def test_the_refusal_names_the_order_its_dates_and_words(child, father, manager, request_received):
    set_order(child, father, manager, restriction_starts_on=YESTERDAY)
    refusal = attendee_refusal(request_received, person=father, requester_agreed=True)
    assert refusal == (
        f"Dan Khan is under a court order restriction: Prohibited steps order made "
        f"{YESTERDAY:%d/%m/%Y}: Prohibited steps order"
    )


def test_an_ended_connection_is_no_longer_in_the_register(child, mother, manager, request_received):
    assert requester_without_pr(request_received) is None
    assert may_receive(request_received)
    register.connection_end(connection=entry(child, mother), actor=manager, reason="Moved away")
    assert requester_without_pr(request_received) == "Farah Khan is not in Amara Khan's register."
    assert not may_receive(request_received)
    assert "is not in" in attendee_refusal(request_received, person=mother)


def test_an_ended_connection_keeps_its_court_order_in_force(
    client, child, father, manager, request_received
):
    """A court order binds the person whatever their connection's state: ending the connection
    hides neither the order nor the request page's restrictions banner, and the person may
    still neither attend nor receive (an ended connection is refused as requester anyway)."""
    set_order(child, father, manager, restriction_starts_on=YESTERDAY)
    register.connection_end(connection=entry(child, father), actor=manager, reason="Moved away")
    assert entry(child, father).is_restricted
    assert list(ChildPerson.objects.restricted()) == [entry(child, father)]
    assert father.pk not in ChildPerson.objects.unrestricted().values_list("person", flat=True)
    assert attendee_refusal(request_received, person=father, requester_agreed=True) is not None
    client.force_login(manager)
    page = client.get(f"/access-requests/{request_received.pk}/").content.decode()
    assert "Court order restriction:</strong> Dan Khan (father): Prohibited steps order" in page
    # An order past its end date restricts nothing, ended connection or not.
    ChildPerson.objects.filter(pk=entry(child, father).pk).update(restriction_ends_on=YESTERDAY)
    assert not entry(child, father).is_restricted
    assert not ChildPerson.objects.restricted().exists()


def test_the_request_form_offers_current_connections_only(client, child, mother, father, manager):
    register.connection_end(connection=entry(child, father), actor=manager, reason="Moved away")
    client.force_login(manager)
    form = client.get(f"/access-requests/new/?child={child.pk}").context["form"]
    assert [str(p) for p in form.fields["requester"].queryset] == ["Farah Khan"]
