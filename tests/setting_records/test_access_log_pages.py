"""The access log in plain words (issue 14): a sentence for every action, names only for what
the reader may see, the setting-wide log for managers with its filters, and the seal's check."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from setting_records import access_log, access_log_words, log_anchor, log_guard
from setting_records.models import AccessAction, AccessLogEntry

# The world of tests/complaints (children, staff, records, parents, requests, complaints).
from tests.complaints.conftest import *  # noqa: F403
from tests.complaints.conftest import log_complaint, rectify
from tests.security.test_hostile_forms import NASTY

A = AccessAction


@pytest.fixture
def world(setting, manager, keyperson, child, sensitive_record, request_received, sharing, mother):
    return {
        "setting": setting,
        "manager": manager,
        "keyperson": keyperson,
        "child": child,
        "record": sensitive_record,
        "request": request_received,
        "complaint": log_complaint(setting, manager, child=child, about="care"),
        "rectification": rectify(sensitive_record, mother, manager),
        "sharing": sharing,
    }


def cases(w):
    """Per action: the row's own references, its detail, and what its sentence must say."""
    kp, child, record = w["keyperson"], w["child"], w["record"]
    req, complaint, rect, sharing = w["request"], w["complaint"], w["rectification"], w["sharing"]
    on_child = {"child": child}
    on_record = {"record": record, "child": child}
    on_setting = {"setting": w["setting"]}
    title, name = f"“{record.title}”", child.display_name
    read = {"read": [{"record": record.pk, "current": True, "versions": []}], "via": "entry"}
    return {
        A.LOGIN: ({}, {}, ["Logged in"]),
        A.LOGIN_FAILED: ({}, {}, ["Failed to log in"]),
        A.LOGOUT: ({}, {}, ["Logged out"]),
        A.LOCKED_OUT: ({}, {"ip_address": "192.0.2.1"}, ["locked out"]),
        A.LOCKOUT_ATTEMPTS: (
            {},
            {"refused": 3, "since": "2026-01-31T09:05:00+00:00"},
            ["Had 3 login attempts refused", "31/01/2026 at 09:05"],
        ),
        A.RECORD_VIEWED: (on_record, read, ["Viewed the sensitive entry", title]),
        A.RECORD_HISTORY_VIEWED: (on_record, read, ["history of the sensitive entry", title]),
        A.CHILD_HISTORY_VIEWED: (on_child, {}, [f"Viewed the history of {name}"]),
        A.ACCESS_LOG_VIEWED: (on_child, {"page": "2"}, [f"access log of {name} (page 2)"]),
        A.ENTRIES_REVIEWED: (
            on_child,
            read | {"request": req.pk},
            ["Read the sensitive entry", title, f"preparing access request {req.reference}"],
        ),
        A.GRANT_GIVEN: (
            on_child,
            {"grant": 1, "grantee": kp.pk, "expires_on": "2026-03-01"},
            [f"Gave {kp} need-to-know access to the sensitive entries of {name} until 01/03/2026"],
        ),
        A.GRANT_REVOKED: (
            on_record,
            {"grant": 1, "grantee": kp.pk},
            [f"Withdrew the need-to-know access of {kp} to the entry {title}"],
        ),
        A.KEY_PERSON_CHANGED: (
            on_child,
            {"from": None, "to": kp.pk},
            [f"Changed the key person of {name} from nobody to {kp}"],
        ),
        A.CARE_TEAM_CHANGED: (
            on_child,
            {"added": [kp.pk], "removed": [w["manager"].pk]},
            [f"care team of {name}: added {kp}; removed {w['manager']}"],
        ),
        A.REQUEST_STATE_CHANGED: (
            on_child,
            {"request": req.pk, "from": "received", "to": "identity_verified"},
            [f"Moved access request {req.reference} from “Received” to “Identity verified”"],
        ),
        A.PACK_PREVIEWED: (
            on_child,
            {"request": req.pk, "read": []},
            [f"working copy of the record pack for access request {req.reference}"],
        ),
        A.PACK_RELEASED: (
            on_child,
            {"request": req.pk, "released_to": "Fatima Khan"},
            [f"Released the record pack for access request {req.reference} to Fatima Khan"],
        ),
        A.PACK_DOWNLOADED: (
            on_child,
            {"request": req.pk, "read": []},
            [f"Downloaded the released record pack for access request {req.reference}"],
        ),
        A.STAFF_ACCOUNT_CREATED: (
            {},
            {"user": kp.pk, "link_sent": True},
            [f"Created a staff account for {kp} and sent a set-password link"],
        ),
        A.STAFF_ACCOUNT_CHANGED: (
            {},
            {"user": kp.pk, "fields": ["first_name"]},
            [f"Changed the account details of {kp} (first name)"],
        ),
        A.STAFF_ACCOUNT_DEACTIVATED: ({}, {"user": kp.pk}, [f"Deactivated the account of {kp}"]),
        A.STAFF_ACCOUNT_REACTIVATED: ({}, {"user": kp.pk}, [f"Reactivated the account of {kp}"]),
        A.MEMBERSHIP_ADDED: (
            on_setting,
            {"user": kp.pk, "role": "practitioner"},
            [f"Added {kp} at Little Acorns Nursery as “Practitioner”"],
        ),
        A.MEMBERSHIP_ROLE_CHANGED: (
            on_setting,
            {"user": kp.pk, "old_role": "practitioner", "role": "manager"},
            [f"role of {kp} at Little Acorns Nursery from “Practitioner” to “Manager”"],
        ),
        A.MEMBERSHIP_ENDED: (
            on_setting,
            {"user": kp.pk, "role": "practitioner"},
            [f"Ended the place of {kp} at Little Acorns Nursery"],
        ),
        A.MEMBERSHIP_REACTIVATED: (
            on_setting,
            {"user": kp.pk, "role": "practitioner"},
            [f"Gave {kp} their place back at Little Acorns Nursery"],
        ),
        A.PASSWORD_LINK_SENT: ({}, {"user": kp.pk}, [f"Sent a set-password link to {kp}"]),
        A.PASSWORD_CHANGED: ({}, {"user": kp.pk}, [f"Set a new password for {kp}"]),
        A.SETTING_ADDED: (on_setting, {}, ["Added the setting Little Acorns Nursery"]),
        A.SETTING_CHANGED: (
            on_setting,
            {"fields": ["name"]},
            ["details or login rules of Little Acorns Nursery (name)"],
        ),
        A.TWO_FACTOR_CONFIRMED: ({}, {}, ["Set up an authenticator app"]),
        A.TWO_FACTOR_PASSED: ({}, {"with": "backup code"}, ["with a backup code"]),
        A.TWO_FACTOR_FAILED: ({}, {"failures in a row": 2}, ["Gave a wrong two-factor code"]),
        A.BACKUP_CODES_GENERATED: ({}, {"codes": 10}, ["Generated 10 new backup codes"]),
        A.TWO_FACTOR_RESET: (
            on_setting,
            {"user": kp.pk, "devices": 2},
            [f"Reset the two-factor login of {kp}"],
        ),
        A.SHARING_RECORDED: (
            on_child,
            {"sharing": sharing.pk, "entries": [record.pk], "decision": "shared"},
            [f"Recorded sharing about {name}", "the record of sharing with Children's social care"],
        ),
        A.SHARING_VIEWED: (
            on_child,
            {"sharing": sharing.pk},
            ["Viewed the record of sharing with Children's social care"],
        ),
        A.SHARING_PRINTED: (
            on_child,
            {"sharing": sharing.pk},
            ["Printed the record of sharing with Children's social care"],
        ),
        A.STATEMENT_RECORDED: (
            on_record,
            {"statement": 1, "supersedes": None},
            [f"Recorded a parent's statement on {title}"],
        ),
        A.RECTIFICATION_STATE_CHANGED: (
            on_record,
            {"rectification": rect.pk, "from": "received", "to": "identity_verified"},
            [f"Moved correction request {rect.pk} from “Received” to “Identity verified” about"],
        ),
        A.RECIPIENT_NOTICE_RECORDED: (
            on_record,
            {"rectification": rect.pk, "notice": 1, "sharing": sharing.pk},
            ["past recipient (the record of sharing with", f"of correction request {rect.pk}"],
        ),
        A.THIRD_PARTY_CHECKED: (
            on_record,
            {"party": "third_party", "confidential": True},
            [f"Checked whether {title} is confidential for the third party it concerns"],
        ),
        A.COMPLAINT_LOGGED: (
            on_child,
            {"complaint": complaint.pk, "about": "care"},
            [f"Logged complaint {complaint.reference}"],
        ),
        A.COMPLAINT_STATE_CHANGED: (
            on_child,
            {"complaint": complaint.pk, "from": "received", "to": "acknowledged"},
            [f"Moved complaint {complaint.reference} from “Received” to “Acknowledged”"],
        ),
        A.COMPLAINT_CHANGED: (
            on_child,
            {"complaint": complaint.pk, "taken_further_to": "ofsted"},
            [f"Recorded complaint {complaint.reference} taken further to Ofsted"],
        ),
        A.COMPLAINT_NOTE_ADDED: (
            on_child,
            {"complaint": complaint.pk, "note": 1},
            [f"Added an investigation note to complaint {complaint.reference}"],
        ),
        A.COMPLAINT_INVESTIGATION_VIEWED: (
            on_child,
            {"complaint": complaint.pk, "via": "page"},
            [f"investigation notes and findings of complaint {complaint.reference}"],
        ),
        A.COMPLAINTS_EXPORTED: (
            on_setting,
            {"format": "pdf", "start": "2026-01-01", "end": "2026-01-31", "complaints": 2},
            ["complaints of Little Acorns Nursery from 01/01/2026 to 31/01/2026 (2 complaints)"],
        ),
        A.SETTING_LOG_VIEWED: ({}, {"page": "1"}, ["Viewed the setting-wide access log"]),
        A.LOG_CHECKED: ({}, {"intact": True, "rows": 12}, ["seal: intact (12 entries)"]),
    }


def entry(w, action, fields, detail, actor=None):
    """A row as the log keeps it (not saved: the wording reads it as it is)."""
    return AccessLogEntry(
        id=1, at=timezone.now(), actor=actor or w["manager"], action=action, detail=detail, **fields
    )


def test_every_action_has_a_wording():
    assert set(access_log_words.WORDING) == set(AccessAction.values)


@pytest.mark.parametrize("action", AccessAction.values)
def test_each_action_in_plain_words(world, action):
    fields, detail, expected = cases(world)[action]
    [line] = access_log_words.lines(world["manager"], [entry(world, action, fields, detail)])
    for words in expected:
        assert words in line.text
    # Each object the manager may open is a link to it.
    for part in line.parts:
        if part.text in (world["child"].display_name, f"“{world['record'].title}”"):
            assert part.url


@pytest.mark.parametrize("action", AccessAction.values)
def test_what_the_reader_may_not_see_is_never_named_or_linked(world, othermanager, action):
    fields, detail, _ = cases(world)[action]
    [line] = access_log_words.lines(othermanager, [entry(world, action, fields, detail)])
    for secret in (
        world["child"].display_name,
        world["record"].title,
        world["request"].reference,
        world["complaint"].reference,
        "Children's social care",
        "Little Acorns",
        str(world["keyperson"]),
    ):
        assert secret not in line.text
    assert not [part for part in line.parts if part.url]


def test_old_rows_without_their_details_are_worded_gracefully(world):
    for action in AccessAction.values:
        fields, _, _ = cases(world)[action]
        [line] = access_log_words.lines(world["manager"], [entry(world, action, fields, {})])
        assert line.text
    grant = entry(world, A.GRANT_GIVEN, {"child": world["child"]}, {"grantee": "junk"})
    [line] = access_log_words.lines(world["manager"], [grant])
    assert line.text.startswith("Gave a member of staff need-to-know access")


def test_who_did_it_when_no_one_was_signed_in(world):
    rows = [
        entry(world, A.LOG_CHECKED, {}, {"intact": True, "rows": 1}),
        entry(world, A.MEMBERSHIP_ADDED, {"setting": world["setting"]}, {}),
    ]
    for row in rows:
        row.actor = None
    assert [line.who for line in access_log_words.lines(world["manager"], rows)] == [
        "The administrator's check",
        "The system",
    ]


def test_a_failed_check_says_so_without_detail(world):
    failed = entry(world, A.LOG_CHECKED, {}, {"intact": False, "rows": 3, "first_bad": 2})
    [line] = access_log_words.lines(world["manager"], [failed])
    assert line.text == "Checked the access log's seal: it found a problem"


# The child's log.


def test_the_childs_log_names_what_was_looked_at(client, manager, keyperson, sensitive_record):
    client.force_login(keyperson)
    client.get(f"/records/{sensitive_record.pk}/")
    client.force_login(manager)
    page = client.get(f"/children/{sensitive_record.child_id}/access-log/").content.decode()
    assert f'Viewed the sensitive entry <a href="/records/{sensitive_record.pk}/">' in page


def test_a_nul_in_the_page_number_is_no_500(client, manager, child):
    client.force_login(manager)
    assert client.get(f"/children/{child.pk}/access-log/?page=a%00b").status_code == 200


# The setting-wide log.


def test_non_managers_get_404(client, practitioner, keyperson, outsider, superuser):
    for user in (practitioner, keyperson, outsider, superuser):
        client.force_login(user)
        assert client.get("/access-log/").status_code == 404
        before = AccessLogEntry.objects.count()
        assert client.post("/access-log/check/").status_code == 404
        assert AccessLogEntry.objects.count() == before


def test_the_check_is_post_only(client, manager):
    client.force_login(manager)
    assert client.get("/access-log/check/").status_code == 405


def test_a_manager_sees_their_settings_rows_and_their_staffs_logins(
    client, world, practitioner, outsider, othermanager, other_child
):
    manager = world["manager"]
    client.post("/accounts/login/", {"username": "practitioner", "password": "wrong"})
    access_log.append(action=A.LOGIN, actor=outsider)
    access_log.append(action=A.LOCKED_OUT, actor=practitioner, detail={"ip_address": "x"})
    access_log.append(action=A.LOGIN, actor=othermanager)
    access_log.append(action=A.CHILD_HISTORY_VIEWED, actor=othermanager, child=other_child)
    client.force_login(manager)
    response = client.get("/access-log/")
    assert response.status_code == 200
    shown = {line.entry.id for line in response.context["lines"]}
    mine = set(
        access_log.AccessLogEntry.objects.filter(actor=othermanager).values_list("id", flat=True)
    )
    assert not shown & mine
    text = response.content.decode()
    assert "Failed to log in (wrong password)" in text
    assert "Was locked out after repeated failed logins" in text
    assert "Ben" not in text  # the other setting's child
    assert "Othermanager" not in text
    # Viewing it is logged, with no setting (the manager may manage several): it is theirs.
    viewed = AccessLogEntry.objects.order_by("-id").first()
    assert (viewed.action, viewed.actor, viewed.setting) == (A.SETTING_LOG_VIEWED, manager, None)


def test_the_other_manager_sees_none_of_this_setting(client, world, othermanager, practitioner):
    access_log.append(action=A.LOGIN, actor=practitioner)
    client.force_login(othermanager)
    response = client.get("/access-log/")
    assert response.status_code == 200
    assert {line.entry.actor for line in response.context["lines"]} <= {othermanager, None}
    text = response.content.decode()
    assert "Practitioner" not in text
    assert world["child"].display_name not in text


def test_newest_first_a_page_at_a_time(client, manager, practitioner):
    for _ in range(60):
        access_log.append(action=A.LOGIN, actor=practitioner)
    client.force_login(manager)
    first = client.get("/access-log/").context["lines"]
    ids = [line.entry.id for line in first]
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == 50
    second = client.get("/access-log/?page=2").context["lines"]
    # Showing page 2 logged one more row first: the pages follow on, one row later.
    assert max(line.entry.id for line in second) == min(ids)


def test_filters_by_staff_action_and_dates(client, manager, practitioner, outsider):
    access_log.append(action=A.LOGIN, actor=practitioner)
    access_log.append(action=A.LOGOUT, actor=practitioner)
    access_log.append(action=A.LOGIN, actor=outsider)
    client.force_login(manager)

    def shown(query):
        response = client.get("/access-log/?" + query)
        assert response.status_code == 200
        return [(line.entry.actor, line.entry.action) for line in response.context["lines"]]

    assert shown(f"actor={practitioner.pk}") == [(practitioner, A.LOGOUT), (practitioner, A.LOGIN)]
    assert shown(f"actor={practitioner.pk}&action=login") == [(practitioner, A.LOGIN)]
    today = timezone.localdate()
    uk = today.strftime("%d/%m/%Y")
    assert (outsider, A.LOGIN) in shown(f"date_from={uk}&date_to={today.isoformat()}&action=login")
    tomorrow = today + datetime.timedelta(days=1)
    assert shown(f"date_from={tomorrow.isoformat()}") == []
    yesterday = today - datetime.timedelta(days=1)
    assert shown(f"date_to={yesterday.isoformat()}&action=login") == []


def test_a_bad_filter_is_shown_beside_its_field_and_the_others_still_apply(
    client, manager, practitioner, outsider, othermanager
):
    access_log.append(action=A.LOGIN, actor=practitioner)
    access_log.append(action=A.LOGIN, actor=outsider)
    client.force_login(manager)
    response = client.get(f"/access-log/?date_from=31/02/2026&actor={outsider.pk}")
    assert response.status_code == 200
    form = response.context["form"]
    assert "date_from" in form.errors
    assert 'value="31/02/2026"' in response.content.decode()
    assert "Enter a date such as 31/01/2026." in response.content.decode()
    assert {line.entry.actor for line in response.context["lines"]} == {outsider}
    # Someone not on this setting's staff is not a choice, and narrows nothing.
    response = client.get(f"/access-log/?actor={othermanager.pk}")
    assert "actor" in response.context["form"].errors
    # A range the wrong way round.
    response = client.get("/access-log/?date_from=2026-02-02&date_to=2026-02-01")
    assert "date_to" in response.context["form"].errors


@pytest.mark.parametrize("value", [*NASTY, "9" * 30])
def test_hostile_filter_values_never_500(client, manager, value):
    client.force_login(manager)
    for name in ("actor", "action", "date_from", "date_to", "page"):
        assert client.get("/access-log/", {name: value}).status_code == 200


def test_the_pages_query_count_does_not_grow_with_rows(
    client, world, practitioner, django_assert_num_queries
):
    """The frame; the managed settings (the 404 check); the staff for the filter; the row of
    this view (log_write); the paginator's COUNT; the page of rows with their actors; the last
    check; then one query per kind of object the rows on the page name: here children,
    entries, access requests and members of staff (the page is full of the rows filled in,
    four to a round, so the world's own rows are on later pages)."""
    from tests.children.test_query_counts import FRAME, log_write

    manager, child, record = world["manager"], world["child"], world["record"]

    def fill(times):
        for _ in range(times):
            access_log.append(action=A.LOGIN, actor=practitioner)
            access_log.append(action=A.RECORD_VIEWED, actor=manager, record=record)
            access_log.append(
                action=A.GRANT_GIVEN,
                actor=manager,
                child=child,
                detail={"grantee": practitioner.pk, "expires_on": "2026-03-01"},
            )
            access_log.append(
                action=A.PACK_DOWNLOADED, actor=manager, child=child, detail={"request": 1}
            )

    client.force_login(manager)
    expected = FRAME + 2 + log_write() + 3 + 4
    fill(13)
    with django_assert_num_queries(expected):
        client.get("/access-log/?action=")
    fill(30)
    with django_assert_num_queries(expected):
        client.get("/access-log/?action=")


def test_the_childs_log_query_count_does_not_grow_with_rows(
    client, world, practitioner, django_assert_num_queries
):
    """The frame; the child through the policy; the row of this view (log_write); the
    paginator's COUNT; the page of rows with their actors; then one query per kind of object
    the rows name: the child, its entries, members of staff. Measured after a first visit,
    which may also fetch the policy's content types once for the process."""
    from tests.children.test_query_counts import FRAME, log_write

    manager, child, record = world["manager"], world["child"], world["record"]

    def fill(times):
        for _ in range(times):
            access_log.append(action=A.RECORD_VIEWED, actor=manager, record=record)
            access_log.append(
                action=A.GRANT_GIVEN,
                actor=manager,
                child=child,
                detail={"grantee": practitioner.pk, "expires_on": "2026-03-01"},
            )

    client.force_login(manager)
    fill(25)
    url = f"/children/{child.pk}/access-log/"
    client.get(url)
    expected = FRAME + 1 + log_write() + 2 + 3
    with django_assert_num_queries(expected):
        client.get(url)
    fill(40)
    with django_assert_num_queries(expected):
        client.get(url)


# The seal and its check.


def test_the_check_from_the_page_when_intact_is_logged_and_shown(client, manager):
    client.force_login(manager)
    page = client.get("/access-log/").content.decode()
    assert "The log is sealed: each entry carries a seal made from the one before" in page
    assert "The log has not been checked yet." in page
    log_anchor.record_head()  # what the commit of that view would have done
    response = client.post("/access-log/check/", follow=True)
    assert response.redirect_chain == [("/access-log/", 302)]
    checked = AccessLogEntry.objects.filter(action=A.LOG_CHECKED).get()
    assert checked.actor == manager
    assert checked.detail["intact"] is True
    text = response.content.decode()
    assert "it is intact" in text
    when = timezone.localtime(checked.at)
    assert f"The last check found it intact on {when:%d/%m/%Y} at {when:%H:%M}." in text


def test_the_check_from_the_page_finds_a_broken_chain(client, manager, practitioner):
    for _ in range(3):
        access_log.append(action=A.LOGIN, actor=practitioner)
    log_anchor.record_head()
    log_guard.drop_guard(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {log_guard.TABLE} SET detail = %s WHERE id = 2", ['{"x": 1}'])
    log_guard.create_guard(connection)
    client.force_login(manager)
    response = client.post("/access-log/check/", follow=True)
    checked = AccessLogEntry.objects.filter(action=A.LOG_CHECKED).get()
    assert checked.detail == {"intact": False, "rows": 2, "first_bad": 2}
    text = response.content.decode()
    assert "a problem was found. Contact the administrator." in text
    assert "found a problem with the log. Contact the administrator" in text
    assert "row 2" not in text  # no technical detail for the manager


def test_the_command_logs_its_check_the_same_way(practitioner):
    access_log.append(action=A.LOGIN, actor=practitioner)
    log_anchor.record_head()
    call_command("verify_access_log")
    checked = AccessLogEntry.objects.filter(action=A.LOG_CHECKED).get()
    rows = AccessLogEntry.objects.count() - 1  # the check's own row comes after the walk
    assert checked.actor is None
    assert checked.detail == {"intact": True, "rows": rows}
    assert access_log.last_check() == checked
    log_guard.drop_guard(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {log_guard.TABLE} SET detail = %s WHERE id = 1", ['{"x": 1}'])
    log_guard.create_guard(connection)
    with pytest.raises(CommandError, match="NOT intact"):
        call_command("verify_access_log")
    assert access_log.last_check().detail["intact"] is False


def test_the_dashboard_and_the_menu_link_to_the_log_for_managers(client, manager, practitioner):
    client.force_login(manager)
    page = client.get("/").content.decode()
    assert len(re.findall(r'href="/access-log/"', page)) == 2
    client.force_login(practitioner)
    assert 'href="/access-log/"' not in client.get("/").content.decode()


def test_leavers_invites_and_links_are_in_their_settings_managers_log(
    client, setting, manager, practitioner, othermanager
):
    """A one-place leaver (their account goes too), an invite and a link sent again are rows
    of this setting's staff: its manager reads them, the other setting's manager does not."""
    client.force_login(manager)
    since = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    place = practitioner.memberships.get(setting=setting)
    client.post(f"/staff/places/{place.pk}/leave/")
    client.post(
        "/staff/invite/",
        {
            "setting": setting.pk,
            "first_name": "Priya",
            "last_name": "Shah",
            "email": "priya@example.org",
            "role": "practitioner",
        },
    )
    invited = access_log.AccessLogEntry.objects.get(action=A.STAFF_ACCOUNT_CREATED).detail["user"]
    client.post(f"/staff/{invited}/send-link/")
    wanted = set(
        AccessLogEntry.objects.filter(
            id__gt=since,
            action__in=[
                A.MEMBERSHIP_ENDED,
                A.STAFF_ACCOUNT_DEACTIVATED,
                A.STAFF_ACCOUNT_CREATED,
                A.PASSWORD_LINK_SENT,
            ],
        ).values_list("action", flat=True)
    )
    assert len(wanted) == 4

    def shown(user):
        client.force_login(user)
        response = client.get("/access-log/")
        assert response.status_code == 200
        return {line.entry.action for line in response.context["lines"]}

    assert wanted <= shown(manager)
    assert not wanted & shown(othermanager)


def test_the_check_runs_at_most_once_a_minute(client, manager, othermanager, monkeypatch):
    client.force_login(manager)
    log_anchor.record_head()
    client.post("/access-log/check/")
    assert AccessLogEntry.objects.filter(action=A.LOG_CHECKED).count() == 1
    since = AccessLogEntry.objects.order_by("-id").first().id

    def walked(*args, **kwargs):
        raise AssertionError("the log was walked again")

    monkeypatch.setattr(access_log, "check", walked)
    client.force_login(othermanager)
    response = client.post("/access-log/check/", follow=True)
    assert response.status_code == 200
    assert "Wait a minute before checking it again." in response.content.decode()
    # Nothing logged but the sign-in and the page read again.
    assert set(AccessLogEntry.objects.filter(id__gt=since).values_list("action", flat=True)) <= {
        A.LOGIN,
        A.SETTING_LOG_VIEWED,
    }
