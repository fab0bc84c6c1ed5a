"""Exact query counts on the busy pages, which must not grow with children or records.

Every signed-in page starts with two queries (the session, the user) and ends with three
(SAVEPOINT, the session's new expiry, RELEASE: the idle clock restarts on each request), and
the header's setting name costs one (the user's memberships). Two-factor login costs one more:
for a session past the second step, the device it passed with (django-otp's middleware);
otherwise whether this user needs the step at all (a manager's role can change any time).
"""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from children import services
from children.statements import statement_record
from tests.children.conftest import write

# session + user, the session save, the header's memberships, the second factor
FRAME = 2 + 3 + 1 + 1


def log_write() -> int:
    """Appending to the access log: SAVEPOINT, the last row's id and hash, INSERT, RELEASE,
    and on PostgreSQL the advisory lock that serialises appends."""
    return 4 + (1 if connection.vendor == "postgresql" else 0)


@pytest.fixture
def many(setting, manager, keyperson, practitioner, child):
    """Twenty more children and fifty more records, all visible to the key person."""
    for index in range(20):
        other = services.child_create(
            setting=setting,
            actor=manager,
            key_person=keyperson,
            care_team=[practitioner],
            first_name=f"Child{index}",
            last_name="Extra",
            date_of_birth=datetime.date(2022, 1, 1),
            started_on=datetime.date(2023, 1, 1),
        )
        write(other, keyperson)
    for index in range(30):
        write(child, keyperson, "sensitive" if index % 3 else "general", title=f"Entry {index}")


def count_for(client, url, django_assert_num_queries, expected):
    client.get(url)  # warm caches (content types) so that only the page's own queries count
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
    return response


def test_children_list(client, keyperson, child, django_assert_num_queries):
    client.force_login(keyperson)
    # rooms for the filter, count of visible children, the page of children with room and
    # key person joined
    count_for(client, "/children/", django_assert_num_queries, FRAME + 3)


def test_children_list_with_many(client, keyperson, many, django_assert_num_queries):
    client.force_login(keyperson)
    count_for(client, "/children/", django_assert_num_queries, FRAME + 3)


# The child page, whatever the number of entries: the child with its rights and setting, room,
# key person and family joined; the authors of its entries the user may see (the timeline's
# author filter); the COUNT of the entries shown (the paginator); one page of them (LIMIT 25)
# with their authors; the care team; the family register with each person.
CHILD_PAGE = 6


def test_child_page(client, keyperson, child, general_record, django_assert_num_queries):
    client.force_login(keyperson)
    # the child page's queries, and the latest disclosures in the sharing log (the key person
    # keeps it). None are recorded, so no access-log row for lines of the log shown (with some:
    # tests/children/test_sharing.py)
    count_for(client, f"/children/{child.pk}/", django_assert_num_queries, FRAME + CHILD_PAGE + 1)


def test_child_page_with_many(client, keyperson, child, many, django_assert_num_queries):
    client.force_login(keyperson)
    response = count_for(
        client, f"/children/{child.pk}/", django_assert_num_queries, FRAME + CHILD_PAGE + 1
    )
    # 30 entries: the first page holds 25 of them, and says how many there are in all
    assert len(response.context["records"]) == 25
    assert response.context["page"].paginator.count == 30


def test_child_page_for_the_care_team_asks_nothing_of_the_sharing_log(
    client, practitioner, child, general_record, django_assert_num_queries
):
    client.force_login(practitioner)
    # as for the key person, without the sharing log
    count_for(client, f"/children/{child.pk}/", django_assert_num_queries, FRAME + CHILD_PAGE)


def test_general_record_page(client, keyperson, general_record, many, django_assert_num_queries):
    client.force_login(keyperson)
    # the record with its rights, child, setting, author and checker joined; its parent's
    # statements with who made, recorded and replaced them; the disclosures that included it
    # (the key person keeps the sharing log). It went nowhere, so no access-log row for lines of
    # the log shown (with some: tests/children/test_sharing.py)
    count_for(client, f"/records/{general_record.pk}/", django_assert_num_queries, FRAME + 3)


@pytest.mark.parametrize("earlier_views", [0, 25])
def test_sensitive_record_page_with_its_log_write(
    client, keyperson, sensitive_record, many, django_assert_num_queries, earlier_views
):
    client.force_login(keyperson)
    for _ in range(earlier_views):
        client.get(f"/records/{sensitive_record.pk}/")
    # the record, its statements and its disclosures as above, then the access log entry for
    # this view
    count_for(
        client,
        f"/records/{sensitive_record.pk}/",
        django_assert_num_queries,
        FRAME + 3 + log_write(),
    )


def test_record_history_page(client, keyperson, general_record, django_assert_num_queries):
    from children import services

    for number in range(5):
        services.record_update(
            record=general_record,
            actor=keyperson,
            reason=f"Correction {number}",
            kind="observation",
            sensitivity="general",
            nature="fact",
            title=f"Title {number}",
            body="Body",
            occurred_at=general_record.occurred_at,
        )
    for number in range(3):
        statement_record(
            record=general_record,
            actor=keyperson,
            words=f"Statement {number}",
            made_on=timezone.localdate(),
            taken_how="meeting",
            made_by_name=f"Parent {number}",
        )
    client.force_login(keyperson)
    # the record with its rights; its history rows; the users who made them; its statements'
    # history rows with whom they name; the users who recorded them
    count_for(
        client, f"/records/{general_record.pk}/history/", django_assert_num_queries, FRAME + 5
    )


def test_manager_home(client, manager, many, django_assert_num_queries):
    client.force_login(manager)
    # managed settings; own children, recent entries and grants; then the dashboard's 11:
    # open access requests (none, so no query for their pauses), correction requests,
    # complaints, disputed entries, unchecked third-party entries, sensitive changes, sharing,
    # failed logins, children without a key person, staff memberships. Each query named in
    # setting_records/dashboard.py; with data in every section: tests/setting_records/
    # test_dashboard.py
    count_for(client, "/", django_assert_num_queries, FRAME + 14)


def test_practitioner_home(client, keyperson, many, django_assert_num_queries):
    client.force_login(keyperson)
    # managed settings (none); own children; own recent entries; own grants; own disputed
    # entries
    count_for(client, "/", django_assert_num_queries, FRAME + 5)
