"""The home page: the manager's review dashboard and each person's own part (issue 13).

Dates are relative to today, as the services see it: nothing here depends on the day it runs.
"""

import datetime

import pytest
from django.utils import timezone

from access_requests import services as requests
from children import services as children_services
from setting_records import dashboard, login_log
from setting_records.history import delete_as, save_as
from setting_records.models import Role
from setting_records.services import membership_add, membership_end
from tests.access_requests.conftest import disclose_reviewed
from tests.children.conftest import write
from tests.children.test_query_counts import FRAME, count_for
from tests.complaints.conftest import *  # noqa: F403
from tests.complaints.conftest import log_complaint
from tests.conftest import make_staff

TODAY = timezone.localdate


def days_ago(n: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=n)


def page(client, user) -> tuple[str, dict]:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode(), response.context


def ask_for_records(child, person, manager, received_on):
    return requests.request_create(
        child=child, requester=person, received_on=received_on, channel="letter", actor=manager
    )


def dispute(record, person, manager, received_on=None):
    return requests.rectification_create(
        record=record,
        requester=person,
        received_on=received_on or TODAY(),
        channel="letter",
        what_is_wrong="It was not a tower.",
        actor=manager,
    )


# The statutory clocks.


def test_clocks_put_the_overdue_first_then_the_soonest_due(
    client, setting, manager, child, mother, general_record
):
    late = log_complaint(setting, manager, received_on=days_ago(40))
    recent = ask_for_records(child, mother, manager, days_ago(3))
    old = write(
        child, manager, title="Old entry", occurred_at=timezone.now() - datetime.timedelta(days=30)
    )
    fix = dispute(old, mother, manager, received_on=days_ago(20))
    text, context = page(client, manager)
    clocks = context["dashboard"].clocks
    assert [clock.kind for clock in clocks] == ["Complaint", "Correction request", "Access request"]
    assert clocks[0].url == late.get_absolute_url()
    assert clocks[0].days_overdue == 12
    assert clocks[1].url == fix.get_absolute_url()
    assert clocks[2].label == recent.reference
    assert clocks[2].next_step == "Verify identity and parental responsibility"
    # Overdue in words, not colour alone, with the due date in UK format.
    due = late.due_on
    assert f"Overdue by 12 days</strong> {due:%-d %b %Y}" in text
    assert "1 overdue." in text
    assert f"{recent.due_on():%-d %b %Y}" in text
    assert f"({(recent.due_on() - TODAY()).days} days left)" in text


def test_a_request_waiting_for_identity_has_no_due_date_and_comes_last(
    client, setting, manager, child, mother
):
    waiting = ask_for_records(child, mother, manager, days_ago(2))
    requests.identity_request(
        request=waiting, asked_for="Passport", requested_on=TODAY(), actor=manager
    )
    log_complaint(setting, manager)
    text, context = page(client, manager)
    clocks = context["dashboard"].clocks
    assert [clock.kind for clock in clocks] == ["Complaint", "Access request"]
    assert clocks[1].due is None
    assert clocks[1].status == "Waiting for proof of identity"
    assert "Waiting for proof of identity" in text


def test_an_extension_not_yet_told_shows_the_last_day_to_tell_it(client, manager, child, mother):
    item = ask_for_records(child, mother, manager, days_ago(10))
    # Recorded before the service asked for the day it was told (an old request): the
    # requester must still be told within the first month (UK GDPR Art. 12(3)).
    item.extension_months = 1
    item.extension_reason = "Many entries over three years."
    save_as(item, actor=manager, reason="test: an extension with no day told")
    _, context = page(client, manager)
    [tell] = [clock for clock in context["dashboard"].clocks if clock.kind == "Extension to tell"]
    one_month = item.deadline(TODAY()).unextended_due
    assert tell.due == one_month
    assert one_month.day == days_ago(10).day
    assert tell.days_left == (one_month - TODAY()).days
    assert tell.url == item.get_absolute_url()
    item.extension_told_on = TODAY()
    save_as(item, actor=manager, reason="test: told")
    _, context = page(client, manager)
    assert "Extension to tell" not in [clock.kind for clock in context["dashboard"].clocks]


def test_no_extension_to_tell_once_the_copy_is_released(client, manager, request_held):
    request_held.extension_months = 1
    request_held.extension_reason = "Many entries over three years."
    save_as(request_held, actor=manager, reason="test: an extension with no day told")
    _, context = page(client, manager)
    kinds = [clock.kind for clock in context["dashboard"].clocks]
    assert kinds.count("Extension to tell") == 1
    requests.pack_release(
        request=request_held, recipient_person=request_held.requester, actor=manager
    )
    _, context = page(client, manager)
    [clock] = context["dashboard"].clocks
    assert (clock.kind, clock.status) == ("Access request", "Answered: the copy is released")


def test_each_empty_section_says_so_in_one_line(client, manager):
    text, _context = page(client, manager)
    for line in [
        "No complaints are waiting for an outcome.",
        "No meetings are arranged for the next 7 days.",
        "No request is held up by a controversy flag.",
        "No copy is ready to release.",
        "No entry is disputed by a parent.",
        "Every third-party entry is checked.",
        "No need-to-know access ends in the next 7 days.",
        "No sensitive entry was changed in the last 7 days.",
        "No failed logins or lockouts in the last 7 days.",
        "No leaver&#x27;s account is still active.",
        "No requests or complaints are waiting: no deadlines are running.",
    ]:
        assert text.count(line) == 1, line


# Access requests: meetings, legal advice, packs ready to release.


def test_meetings_blocked_requests_and_packs_ready(
    client, manager, child, mother, request_held, father
):
    arranged = ask_for_records(child, mother, manager, days_ago(5))
    requests.identity_verify(request=arranged, method="Passport seen", actor=manager)
    requests.preparation_start(request=arranged, actor=manager)
    disclose_reviewed(arranged, manager)
    requests.ready_for_meeting(request=arranged, actor=manager)
    when = timezone.now() + datetime.timedelta(days=2)
    requests.meeting_schedule(request=arranged, scheduled_at=when, place="Office", actor=manager)
    later = ask_for_records(child, mother, manager, days_ago(1))
    requests.flag_raise(request=later, kind="court_case", note="", actor=manager)
    text, context = page(client, manager)
    dashboard = context["dashboard"]
    assert [item.pk for item in dashboard.meetings.items] == [arranged.pk]
    assert [item.pk for item in dashboard.blocked.items] == [later.pk]
    assert [item.pk for item in dashboard.ready.items] == [request_held.pk]
    assert f'<a href="/access-requests/{arranged.pk}/">{arranged.reference}</a>' in text
    [clock] = [c for c in dashboard.clocks if c.label == arranged.reference]
    assert clock.next_step == "Record the meeting as held"
    [clock] = [c for c in dashboard.clocks if c.label == later.reference]
    assert clock.next_step == "Record legal advice on the controversy flagged"


# Entries and access.


def test_disputed_and_unchecked_third_party_entries_are_counted_and_linked(
    client, manager, child, mother, general_record, keyperson
):
    dispute(general_record, mother, manager)
    unchecked = write(
        child,
        keyperson,
        "sensitive",
        title="Health visitor's note",
        source="third_party",
        third_party_name="Jo Bloggs",
    )
    text, context = page(client, manager)
    dashboard = context["dashboard"]
    assert dashboard.disputed.count == 1
    assert dashboard.disputed.items == [general_record]
    assert dashboard.third_party.count == 1
    assert dashboard.third_party.items == [unchecked]
    assert f'href="/records/{unchecked.pk}/"' in text


def test_counts_are_exact_beyond_the_capped_list(client, manager, child, keyperson):
    for number in range(13):
        write(
            child,
            keyperson,
            title=f"Visitor {number}",
            source="third_party",
            third_party_name="Jo Bloggs",
        )
    text, context = page(client, manager)
    section = context["dashboard"].third_party
    assert (section.count, len(section.items), section.more) == (13, 10, 3)
    assert 'href="/third-party/">and 3 more</a>' in text


def test_counts_stop_at_the_limit_and_say_so(client, manager, child, keyperson, monkeypatch):
    """A capped list counts up to COUNT_LIMIT (100) rows and no further, so that the home page
    costs the same however many years of entries lie behind it; beyond, it says "or more"."""
    monkeypatch.setattr(dashboard, "COUNT_LIMIT", 11)
    for number in range(13):
        write(
            child,
            keyperson,
            title=f"Visitor {number}",
            source="third_party",
            third_party_name="Jo Bloggs",
        )
    text, context = page(client, manager)
    section = context["dashboard"].third_party
    assert (section.count, section.counted_all, len(section.items)) == (11, False, 10)
    assert '<span class="dash-count">11 or more</span>' in text
    assert 'href="/third-party/">and more</a>' in text


def test_recent_entries_are_a_last_ten_without_a_count(client, keyperson, child):
    for number in range(12):
        write(child, keyperson, title=f"Nap {number}")
    text, context = page(client, keyperson)
    recent = context["own"].recent
    assert [record.title for record in recent.items] == [f"Nap {n}" for n in range(11, 1, -1)]
    assert "Your recent entries</h3>" in text
    assert recent.more == 0


def test_grants_ending_this_week_and_who_holds_grants(client, manager, grants, grant_holder):
    _, context = page(client, manager)
    dashboard = context["dashboard"]
    # The one-entry grant ends in 7 days; the SENCo's in 30; expired and revoked ones count
    # for nothing.
    assert dashboard.grants_ending.items == [grants["record"]]
    holders = {(str(h.user), h.grants) for h in dashboard.grant_holders.items}
    assert holders == {("Senco", 1), ("Recordgrant", 1)}


# The last 7 days.


def test_sensitive_changes_show_titles_and_who_never_the_text(
    client, manager, sensitive_record, keyperson, general_record
):
    text, context = page(client, manager)
    rows = context["dashboard"].sensitive_changes.items
    assert [row.id for row in rows] == [sensitive_record.pk]
    assert rows[0].who == "Keyperson"
    assert rows[0].what == "Written"
    assert "Bruise noticed on arrival" in text
    assert sensitive_record.body not in text
    assert (
        general_record.title
        not in text.split("Changes to sensitive entries")[1].split("Information shared")[0]
    )


def test_failed_logins_of_own_staff_only(client, manager, practitioner, othermanager):
    login_log.login_failed(username="practitioner", refused_by_lockout=False)
    login_log.login_failed(username="othermanager", refused_by_lockout=False)
    login_log.login_failed(username="nobody-at-all", refused_by_lockout=False)
    login_log.locked_out(username="practitioner", ip_address="192.0.2.1")
    _, context = page(client, manager)
    section = context["dashboard"].logins
    assert section.count == 2
    assert {row.actor_id for row in section.items} == {practitioner.pk}
    assert [row.what for row in section.items] == ["Locked out", "Failed login"]
    _, context = page(client, othermanager)
    assert [row.actor_id for row in context["dashboard"].logins.items] == [othermanager.pk]


def test_failed_logins_of_a_leaver_are_not_the_setting_lefts(
    client, setting, other_setting, manager, othermanager, practitioner
):
    moved = make_staff(setting, "moved")
    membership_add(user=moved, setting=other_setting, role=Role.PRACTITIONER, actor=None)
    login_log.login_failed(username="moved", refused_by_lockout=False)
    _, context = page(client, manager)
    assert [row.actor_id for row in context["dashboard"].logins.items] == [moved.pk]
    membership_end(membership=moved.memberships.get(setting=setting), actor=manager)
    login_log.login_failed(username="practitioner", refused_by_lockout=False)
    login_log.login_failed(username="moved", refused_by_lockout=False)
    _, context = page(client, manager)
    assert [row.actor_id for row in context["dashboard"].logins.items] == [practitioner.pk]
    # The setting they work at now sees both of their failures.
    _, context = page(client, othermanager)
    assert [row.actor_id for row in context["dashboard"].logins.items] == [moved.pk, moved.pk]


def test_a_deleted_sensitive_entry_is_listed_without_a_link(
    client, manager, keyperson, child, sensitive_record
):
    kept = write(child, keyperson, "sensitive", title="Another concern", kind="concern")
    deleted_pk = sensitive_record.pk
    delete_as(sensitive_record, actor=manager, reason="test: entered for the wrong child")
    text, context = page(client, manager)
    rows = context["dashboard"].sensitive_changes.items
    assert [(row.id, row.what) for row in rows] == [
        (deleted_pk, "Deleted"),
        (kept.pk, "Written"),
        (deleted_pk, "Written"),
    ]
    assert f'href="/records/{kept.pk}/history/"' in text
    assert f"/records/{deleted_pk}/" not in text
    assert "Deleted Bruise noticed on arrival by Manager" in text


def test_recent_sharing(client, manager, sharing):
    text, context = page(client, manager)
    assert context["dashboard"].sharing.items == [sharing]
    assert f'href="/sharing/{sharing.pk}/"' in text


# Children and staff.


def test_children_without_a_key_person_and_staff_without_children(
    client, setting, manager, child, outsider, practitioner, former_keyperson
):
    lonely = children_services.child_create(
        setting=setting,
        actor=manager,
        first_name="Nobody",
        last_name="Assigned",
        date_of_birth=datetime.date(2022, 1, 1),
        started_on=datetime.date(2023, 1, 1),
    )
    text, context = page(client, manager)
    dashboard = context["dashboard"]
    assert dashboard.without_key_person.items == [lonely]
    assert f'href="/children/{lonely.pk}/team/"' in text
    # outsider cares for no child, nor does Amara's former key person; practitioner is on her
    # care team; managers are not counted (they see every child).
    assert [m.user for m in dashboard.staff_without_children.items] == [former_keyperson, outsider]


def test_leavers_whose_accounts_still_work(client, setting, other_setting, manager):
    leaver = make_staff(setting, "leaver")
    moved = make_staff(setting, "moved")
    membership_add(user=moved, setting=other_setting, role=Role.PRACTITIONER, actor=None)
    gone = make_staff(setting, "gone")
    for user in (leaver, moved, gone):
        membership_end(membership=user.memberships.get(setting=setting), actor=manager)
    gone.is_active = False
    gone.save()
    text, context = page(client, manager)
    # moved still works at another setting; gone's account is switched off.
    assert [m.user for m in context["dashboard"].leavers.items] == [leaver]
    assert (
        f'<a href="/staff/{leaver.pk}/">Leaver</a>: left Little Acorns Nursery; '
        "the account can still log in"
    ) in text


# Settings and roles.


def test_nothing_of_another_setting_appears(
    client, setting, manager, othermanager, other_child, child, mother, general_record
):
    ask_for_records(child, mother, manager, days_ago(40))
    log_complaint(setting, manager, received_on=days_ago(40))
    dispute(general_record, mother, manager)
    text, context = page(client, othermanager)
    dashboard = context["dashboard"]
    assert dashboard.clocks == []
    assert dashboard.disputed.count == 0
    assert "Khan" not in text
    assert "Little Acorns" not in text
    text, context = page(client, manager)
    assert other_child.display_name not in text
    # One setting managed: items do not name it.
    assert "· Little Acorns Nursery" not in text


def test_a_manager_of_two_settings_sees_both_each_item_naming_its_setting(
    client, setting, other_setting, manager, child, mother
):
    membership_add(user=manager, setting=other_setting, role=Role.MANAGER, actor=None)
    log_complaint(other_setting, manager)
    ask_for_records(child, mother, manager, days_ago(3))
    text, context = page(client, manager)
    assert context["dashboard"].many_settings
    assert "· Riverside Pre-School" in text
    assert "· Little Acorns Nursery" in text


def test_outsider_sees_no_child_and_no_dashboard(client, outsider, child, general_record):
    text, context = page(client, outsider)
    assert "dashboard" not in context
    assert "Khan" not in text
    assert "not involved in any child" in text
    assert context["own"].recent.count == 0


def test_practitioner_sees_their_own_part_only(
    client, setting, practitioner, keyperson, child, general_record, grants, grant_holder
):
    log_complaint(setting, keyperson, received_on=days_ago(40))
    mine = write(child, practitioner, title="Painted a rainbow")
    text, context = page(client, practitioner)
    assert "dashboard" not in context
    assert "Statutory deadlines" not in text
    assert context["own"].recent.items == [mine]
    assert context["own"].team_children == [child]
    # The grant holder sees the grant they hold and when it ends.
    text, context = page(client, grant_holder)
    assert context["own"].grants.items == [grants["active"]]
    assert f"until {grants['active'].expires_on:%-d %b %Y}" in text


def test_a_leaver_still_working_elsewhere_keeps_no_grant_of_the_setting_left(
    client, setting, other_setting, manager, child, grants, record_grant_holder
):
    """A two-setting member who leaves the child's setting: their one-entry grant (never
    revoked) no longer names the child or the entry's title under the grants they hold."""
    membership_add(
        user=record_grant_holder, setting=other_setting, role=Role.PRACTITIONER, actor=None
    )
    text, context = page(client, record_grant_holder)
    assert context["own"].grants.items == [grants["record"]]
    title = grants["record"].record.title
    assert title in text
    membership_end(membership=record_grant_holder.memberships.get(setting=setting), actor=manager)
    text, context = page(client, record_grant_holder)
    assert context["own"].grants.count == 0
    assert "You hold no need-to-know access." in text
    assert title not in text
    assert "Khan" not in text
    assert child.display_name not in text


def test_a_disputed_entry_waits_for_its_author(
    client, keyperson, practitioner, manager, child, mother, general_record
):
    dispute(general_record, mother, manager)
    text, context = page(client, keyperson)
    waiting = context["own"].waiting
    assert waiting.count == 1
    assert waiting.items == [general_record]
    assert "a correction request is open" in text
    _, context = page(client, practitioner)
    assert context["own"].waiting.count == 0


# The query budget (FRAME: see tests/children/test_query_counts.py).

# Managers: managed settings; own children; own recent entries; active grants (own and the
# settings'); open access requests; their pauses; open correction requests; complaints
# waiting for an outcome; disputed entries; unchecked third-party entries; sensitive
# changes with who made them; recent sharing; failed logins and lockouts; children without
# a key person; the staff memberships. Each list is one query, however long.
MANAGER_QUERIES = 15
# Practitioners: managed settings (none); own children; own recent entries; own grants; own
# disputed entries.
PRACTITIONER_QUERIES = 5


def build_world(setting, manager, keyperson, practitioner, mother, child, size):
    for index in range(size):
        other = children_services.child_create(
            setting=setting,
            actor=manager,
            key_person=keyperson if index % 2 else None,
            care_team=[practitioner],
            first_name=f"Child{index}",
            last_name="Extra",
            date_of_birth=datetime.date(2022, 1, 1),
            started_on=datetime.date(2023, 1, 1),
        )
        record = write(other, manager, "sensitive" if index % 2 else "general")
        write(
            other,
            manager,
            title=f"Third party {index}",
            source="third_party",
            third_party_name="Jo Bloggs",
        )
        children_services.grant_give(
            child=other,
            actor=manager,
            reason="Needs to know",
            grantee=practitioner,
            expires_on=TODAY() + datetime.timedelta(days=3 + index),
        )
        log_complaint(setting, manager, received_on=days_ago(index * 5))
        login_log.login_failed(username="practitioner", refused_by_lockout=False)
    for index in range(size):
        ask_for_records(child, mother, manager, days_ago(index))
        dispute(write(child, keyperson, title=f"Disputed {index}"), mother, manager)
    return record


@pytest.mark.parametrize("size", [1, 12])
def test_manager_query_count_is_fixed(
    client,
    setting,
    manager,
    keyperson,
    practitioner,
    mother,
    child,
    django_assert_num_queries,
    size,
):
    build_world(setting, manager, keyperson, practitioner, mother, child, size)
    client.force_login(manager)
    count_for(client, "/", django_assert_num_queries, FRAME + MANAGER_QUERIES)


@pytest.mark.parametrize("size", [1, 12])
def test_practitioner_query_count_is_fixed(
    client,
    setting,
    manager,
    keyperson,
    practitioner,
    mother,
    child,
    django_assert_num_queries,
    size,
):
    build_world(setting, manager, keyperson, practitioner, mother, child, size)
    client.force_login(keyperson)
    count_for(client, "/", django_assert_num_queries, FRAME + PRACTITIONER_QUERIES)
