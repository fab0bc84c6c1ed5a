"""Access-request references: one counter per setting and year, taken under a row lock, so
concurrent requests never share a number and a reference says nothing of another setting."""

import datetime
import threading

import pytest
from django.db import connections
from django.utils import timezone

from access_requests import services
from access_requests.models import AccessRequest, ReferenceCounter
from children import services as children_services
from children.models import Person


def _child_with_mother(setting, manager):
    child = children_services.child_create(
        setting=setting,
        actor=manager,
        key_person=None,
        care_team=[],
        first_name="Zara",
        last_name="Patel",
        date_of_birth=timezone.localdate() - datetime.timedelta(days=800),
        started_on=timezone.localdate() - datetime.timedelta(days=200),
    )
    mother = children_services.connection_add(
        child=child,
        person=Person(first_name="Priya", last_name="Patel"),
        relationship="mother",
        actor=manager,
        has_parental_responsibility=True,
        pr_evidence="birth_certificate",
    ).person
    return child, mother


def _create(child, mother, manager):
    return services.request_create(
        child=child,
        requester=mother,
        received_on=timezone.localdate(),
        channel="letter",
        actor=manager,
    )


def test_two_settings_each_start_at_0001(
    request_received, child, mother, manager, other_setting, othermanager
):
    year = timezone.localdate().year
    second = _create(child, mother, manager)
    their_child, their_mother = _child_with_mother(other_setting, othermanager)
    theirs = _create(their_child, their_mother, othermanager)
    assert second.reference == f"AR-{year}-0002"
    assert theirs.reference == f"AR-{year}-0001"
    assert theirs.setting_id == other_setting.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_get_twenty_references(postgresql_only, child, mother, manager):
    start = threading.Barrier(20)
    references: list[str] = []
    errors: list[BaseException] = []

    def create() -> None:
        try:
            start.wait()
            references.append(_create(child, mother, manager).reference)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    year = timezone.localdate().year
    assert sorted(references) == [f"AR-{year}-{n:04d}" for n in range(1, 21)]
    assert ReferenceCounter.objects.get(setting=child.setting, year=year).last == 20
    assert AccessRequest.objects.count() == 20
