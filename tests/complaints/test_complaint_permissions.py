"""Every complaint URL x every role x each kind of complaint (the shape of
tests/children/test_permissions.py).

Complaints are the managers' of the setting; a member of staff who logged one sees that one
(403 on its steps); for everyone else they do not exist (404). Any member of staff may log a
complaint. The inspector-ready record (complaints:record, record_pdf, record_csv) has its own
tests. A guard fails when a complaint URL is missing from the table.
"""

import datetime

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from complaints.models import Complaint, ComplaintNote
from setting_records.models import AccessLogEntry
from tests.access_requests.conftest import decide_kept, rectify, verify

ROLES = [
    "anonymous",
    "outsider",
    "practitioner",
    "keyperson",
    "manager",
    "othermanager",
    "superuser",
]
EVERYONE = set(ROLES) - {"anonymous"}
# Staff of a setting, who may log a complaint they received; the superuser works at none.
STAFF = EVERYONE - {"superuser"}

# Owned by the inspector-ready record's own tests.
NOT_HERE = {"complaints:record", "complaints:record_pdf", "complaints:record_csv"}


def expect(ok, forbidden=frozenset(), status_ok=200):
    """``status_ok`` for ``ok``, 403 for ``forbidden``, 302 to the login for anonymous, 404
    for everyone else."""
    return {
        role: 302
        if role == "anonymous"
        else status_ok
        if role in ok
        else 403
        if role in forbidden
        else 404
        for role in ROLES
    }


# (url name, the object it is about, the step for complaints:step, expected GET status by role)
MATRIX = [
    ("complaints:list", None, None, expect(EVERYONE)),
    ("complaints:new", None, None, expect(STAFF)),
    ("complaints:from_access_request", "access_request", None, expect({"manager"})),
    ("complaints:from_rectification", "decided", None, expect({"manager"})),
    # Not yet decided: nothing to complain about yet.
    ("complaints:from_rectification", "undecided", None, expect(set(), {"manager"})),
    ("complaints:complaint", "by_manager", None, expect({"manager"})),
    ("complaints:complaint", "by_practitioner", None, expect({"manager", "practitioner"})),
    # A step's GET goes to the complaint's page, for those who may take it.
    ("complaints:step", "by_manager", "acknowledge", expect({"manager"}, status_ok=302)),
    (
        "complaints:step",
        "by_practitioner",
        "acknowledge",
        expect({"manager"}, {"practitioner"}, status_ok=302),
    ),
    # A side step: the practitioner's complaint was made in person, off the clock.
    (
        "complaints:step",
        "by_practitioner",
        "put-on-clock",
        expect({"manager"}, {"practitioner"}, status_ok=302),
    ),
]


@pytest.fixture
def world(
    complaint, logged_by_practitioner, request_received, general_record, sensitive_record, mother
):
    manager = complaint.logged_by
    return {
        "by_manager": complaint,
        "by_practitioner": logged_by_practitioner,
        "access_request": request_received,
        "undecided": rectify(sensitive_record, mother, manager),
        "decided": decide_kept(verify(rectify(general_record, mother, manager), manager), manager),
    }


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def url_for(name, key, step, world):
    args = [world[key].pk] if key else []
    return reverse(name, args=[*args, step] if step else args)


ROWS = [
    pytest.param(name, key, step, statuses, id=f"{name}-{key}-{step or ''}")
    for name, key, step, statuses in MATRIX
]


@pytest.mark.parametrize(("name", "key", "step", "statuses"), ROWS)
def test_complaint_matrix(client, request, world, name, key, step, statuses):
    """Each role in turn, a browser each, against one world per URL: the row's answers."""
    url = url_for(name, key, step, world)
    answers = {}
    for role in statuses:
        browser = type(client)()
        if role != "anonymous":
            browser.force_login(request.getfixturevalue(role))
        response = browser.get(url)
        answers[role] = response.status_code
        if role == "anonymous":
            assert response["Location"].startswith("/accounts/login/")
        elif response.status_code == 302:
            assert response["Location"] == world[key].get_absolute_url(), role
    assert answers == statuses


def post_data(name: str, step: str | None = None) -> dict[str, str]:
    today = str(timezone.localdate())
    if step == "put-on-clock":
        return {"clock_from": today}
    if name == "complaints:step":
        return {"acknowledged_on": today, "acknowledged_how": "email"}
    data = {
        "received_on": str(timezone.localdate() - datetime.timedelta(days=1)),
        "received_how": "letter",
        "summary": "Hijacked",
    }
    if name == "complaints:new":
        data |= {"about": "other", "complainant_name": "Hijacker"}
    return data


def snapshot():
    return (
        list(Complaint.objects.values_list("pk", "state", "acknowledged_on", "due_on")),
        list(ComplaintNote.objects.values_list("pk", flat=True)),
        AccessLogEntry.objects.count(),
    )


POST_CASES = [
    pytest.param(name, key, step, role, status, id=f"{name}-{key}-{step or ''}-{role}")
    for name, key, step, statuses in MATRIX
    if name != "complaints:list" and name != "complaints:complaint"
    for role, status in statuses.items()
    if status not in {200, 302} or role == "anonymous"
]


@pytest.mark.parametrize(("name", "key", "step", "role", "status"), POST_CASES)
def test_refused_posts_change_nothing(client, request, world, name, key, step, role, status):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    before = snapshot()
    response = client.post(url_for(name, key, step, world), post_data(name, step))
    assert response.status_code == status
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "key", "step", "role"),
    [
        ("complaints:new", None, None, "outsider"),
        ("complaints:new", None, None, "othermanager"),
        ("complaints:from_access_request", "access_request", None, "manager"),
        ("complaints:from_rectification", "decided", None, "manager"),
        ("complaints:step", "by_manager", "acknowledge", "manager"),
        ("complaints:step", "by_practitioner", "acknowledge", "manager"),
        ("complaints:step", "by_practitioner", "put-on-clock", "manager"),
    ],
)
def test_allowed_posts_do_what_they_say(client, request, world, name, key, step, role):
    client.force_login(request.getfixturevalue(role))
    before = Complaint.objects.count()
    response = client.post(url_for(name, key, step, world), post_data(name, step))
    assert response.status_code == 302
    if step == "put-on-clock":
        item = Complaint.objects.get(pk=world[key].pk)
        assert (item.on_clock, item.due_on) == (True, timezone.localdate() + days(28))
    elif name == "complaints:step":
        assert Complaint.objects.get(pk=world[key].pk).state == "acknowledged"
    else:
        assert Complaint.objects.count() == before + 1
        assert Complaint.objects.latest("pk").logged_by.username == role


def test_the_superuser_sees_no_complaint_in_the_list(client, superuser, world):
    client.force_login(superuser)
    response = client.get("/complaints/")
    assert list(response.context["page"].object_list) == []


def test_the_other_setting_manager_lists_none_of_this_settings(client, othermanager, world):
    client.force_login(othermanager)
    response = client.get("/complaints/")
    assert response.context["awaiting"] == []
    assert response.context["ended"] == []


def test_every_complaint_url_is_in_the_matrix():
    names = {
        f"complaints:{p.name}"
        for r in get_resolver().url_patterns
        if getattr(r, "namespace", None) == "complaints"
        for p in r.url_patterns
    }
    assert names - NOT_HERE == {name for name, _, _, _ in MATRIX}
    assert names >= NOT_HERE
