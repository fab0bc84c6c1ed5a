"""Every URL x every role x each kind of object (pretix's tests/control/test_permissions.py).

A user who may not see an object gets 404, the same as for one that does not exist; a user who
may see it but not act gets 403. A guard fails when a URL of the app is missing from the table.
"""

from collections.abc import Set as AbstractSet

import pytest
from django.urls import get_resolver, reverse

from children.models import Room
from setting_records.history import save_as

ROLES = [
    "anonymous",
    "outsider",
    "care_team",
    "keyperson",
    "former_keyperson",
    "grant_holder",
    "record_grant_holder",
    "expired_grant_holder",
    "revoked_grant_holder",
    "manager",
    "othermanager",
    "superuser",
]

# Who sees the child at all.
SEES_CHILD = {"care_team", "keyperson", "grant_holder", "record_grant_holder", "manager"}


def expect(ok: AbstractSet[str], forbidden: AbstractSet[str] = frozenset()) -> dict[str, int]:
    """200 for ``ok``, 403 for ``forbidden``, 302 to the login for anonymous, 404 otherwise."""
    table = {}
    for role in ROLES:
        if role == "anonymous":
            table[role] = 302
        elif role in ok:
            table[role] = 200
        elif role in forbidden:
            table[role] = 403
        else:
            table[role] = 404
    return table


EVERYONE = set(ROLES) - {"anonymous"}
# Staff of the child's setting (everyone but the other setting's manager and the superuser,
# who works at no setting).
AT_THE_SETTING = EVERYONE - {"othermanager", "superuser"}

# (url name, object the URL is about, expected status by role)
MATRIX = [
    ("home", None, expect(EVERYONE)),
    ("children:list", None, expect(EVERYONE)),
    # Search answers everyone, with only what they may see (tests/children/test_search.py).
    ("search", None, expect(EVERYONE)),
    ("children:grant_list", None, expect(EVERYONE)),
    (
        "children:add",
        None,
        expect({"manager", "othermanager"}, EVERYONE - {"manager", "othermanager"}),
    ),
    ("children:detail", "child", expect(SEES_CHILD)),
    ("children:edit", "child", expect({"manager"}, SEES_CHILD - {"manager"})),
    ("children:connection_add", "child", expect({"manager"}, SEES_CHILD - {"manager"})),
    # Correcting and ending a register entry: as for adding one, the child's manager only.
    ("children:connection_edit", "connection", expect({"manager"}, SEES_CHILD - {"manager"})),
    ("children:connection_end", "connection", expect({"manager"}, SEES_CHILD - {"manager"})),
    ("children:person_edit", "connection", expect({"manager"}, SEES_CHILD - {"manager"})),
    (
        "children:record_add",
        "child",
        expect({"care_team", "keyperson", "manager"}, {"grant_holder", "record_grant_holder"}),
    ),
    ("children:team", "child", expect({"manager"}, SEES_CHILD - {"manager"})),
    ("children:grants", "child", expect({"manager"}, SEES_CHILD - {"manager"})),
    ("children:history", "child", expect(SEES_CHILD)),
    ("children:access_log", "child", expect({"manager"}, SEES_CHILD - {"manager"})),
    ("children:detail", "other_child", expect({"othermanager"})),
    ("children:history", "other_child", expect({"othermanager"})),
    (
        "children:record_history",
        "general_record",
        expect({"care_team", "keyperson", "grant_holder", "manager"}),
    ),
    (
        "children:record_history",
        "sensitive_record",
        expect({"keyperson", "grant_holder", "record_grant_holder", "manager"}),
    ),
    (
        "children:record",
        "general_record",
        expect({"care_team", "keyperson", "grant_holder", "manager"}),
    ),
    (
        "children:record",
        "sensitive_record",
        expect({"keyperson", "grant_holder", "record_grant_holder", "manager"}),
    ),
    (
        "children:record_edit",
        "general_record",
        expect({"keyperson", "manager"}, {"care_team", "grant_holder"}),
    ),
    (
        "children:record_edit",
        "sensitive_record",
        expect({"keyperson", "manager"}, {"grant_holder", "record_grant_holder"}),
    ),
    (
        "children:statement_add",
        "general_record",
        expect({"keyperson", "manager"}, {"care_team", "grant_holder"}),
    ),
    (
        "children:statement_add",
        "sensitive_record",
        expect({"keyperson", "manager"}, {"grant_holder", "record_grant_holder"}),
    ),
    ("children:grant_revoke", "grant", expect({"manager"})),
    # The sharing log (P5): the manager and the key person; for everyone else, the care team
    # and grant holders included, it does not exist.
    ("children:sharing_list", "child", expect({"manager", "keyperson"})),
    ("children:sharing_add", "child", expect({"manager", "keyperson"})),
    ("children:sharing", "sharing", expect({"manager", "keyperson"})),
    ("children:sharing_pdf", "sharing", expect({"manager", "keyperson"})),
    ("children:sharing_list", "other_child", expect({"othermanager"})),
    # The review of third-party information (P6): managers only, each of their own settings'.
    ("children:third_party_review", None, expect({"manager", "othermanager"})),
    # The setting-wide access log: managers only, each of their own settings' rows
    # (tests/setting_records/test_access_log_pages.py). Checking its seal is a POST: a GET is
    # refused before anything else; a POST by anyone but a manager is a 404 (tested there).
    ("access_log", None, expect({"manager", "othermanager"})),
    ("access_log_check", None, {**{role: 405 for role in EVERYONE}, "anonymous": 302}),
    # Checking one entry is a POST; a GET goes back where the form was (the review page or
    # the entry), for those who may check: the manager and the key person.
    (
        "children:third_party_check",
        "general_record",
        {
            **expect(set(), {"care_team", "grant_holder"}),
            "manager": 302,
            "keyperson": 302,
        },
    ),
    # The staff pages: managers only, each of their own settings' staff; a member of staff
    # at a setting they do not manage does not exist for them.
    ("staff:list", None, expect({"manager", "othermanager"})),
    ("staff:invite", None, expect({"manager", "othermanager"})),
    ("staff:detail", "staff_member", expect({"manager"})),
    ("staff:add_existing", "staff_member", expect({"manager"})),
    ("staff:send_link", "staff_member", expect({"manager"})),
    ("staff:role", "staff_place", expect({"manager"})),
    ("staff:leave", "staff_place", expect({"manager"})),
    ("staff:return", "staff_place", expect({"manager"})),
    ("staff:detail", "other_staff_member", expect({"othermanager"})),
    ("staff:leave", "other_staff_place", expect({"othermanager"})),
    # Rooms: every member of staff sees the list (with only the children they may see); the
    # setting's managers act on its rooms; a room is a 404 to anyone not working there.
    ("rooms:list", None, expect(EVERYONE)),
    (
        "rooms:add",
        None,
        expect({"manager", "othermanager"}, EVERYONE - {"manager", "othermanager"}),
    ),
    *[
        (f"rooms:{action}", "room", expect({"manager"}, AT_THE_SETTING - {"manager"}))
        for action in ("rename", "move", "close", "reopen")
    ],
    *[
        (f"rooms:{action}", "other_room", expect({"othermanager"}))
        for action in ("rename", "move", "close", "reopen")
    ],
]

# Covered elsewhere: the admin (test_admin.py), the login pages (test_url_auth.py), the
# access requests (tests/access_requests/test_request_permissions.py, with its own guard) and
# the complaints (tests/complaints/test_complaint_permissions.py, with its own guard; the
# inspector-ready record's URLs in that record's own tests).
NOT_IN_MATRIX_PREFIXES = ("admin:", "access_requests:", "complaints:")
NOT_IN_MATRIX = {
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    # Two-factor login: tests/setting_records/test_two_factor*.py and test_url_auth.py.
    "two_factor_verify",
    "two_factor_setup",
    "two_factor_qr",
    "two_factor_backup_codes",
    "two_factor_reset",
}

ROLE_FIXTURE = {"care_team": "practitioner"}


@pytest.fixture
def other_room(other_setting, othermanager):
    room = Room(setting=other_setting, name="Rainbows")
    save_as(room, actor=othermanager)
    return room


@pytest.fixture
def world(
    child,
    general_record,
    sensitive_record,
    grants,
    other_child,
    sharing,
    other_room,
    register_entry,
):
    return {
        "room": child.room,
        "other_room": other_room,
        "child": child,
        "connection": register_entry,
        "general_record": general_record,
        "sensitive_record": sensitive_record,
        "grant": grants["active"],
        "other_child": other_child,
        "sharing": sharing,
        "staff_member": child.key_person,
        "staff_place": child.key_person.memberships.get(),
        "other_staff_member": other_child.key_person,
        "other_staff_place": other_child.key_person.memberships.get(),
    }


def url_for(name, obj_key, world):
    return reverse(name, args=[world[obj_key].pk]) if obj_key else reverse(name)


ROWS = [
    pytest.param(name, obj_key, statuses, id=f"{name}-{obj_key}")
    for name, obj_key, statuses in MATRIX
]


@pytest.mark.parametrize(("name", "obj_key", "statuses"), ROWS)
def test_permission_matrix(client, request, world, name, obj_key, statuses):
    """Each role in turn, each with a browser of its own, against one world per URL (a world
    per role and URL made this file the slowest of the suite): the answers must be the row's."""
    url = url_for(name, obj_key, world)
    answers = {}
    for role in statuses:
        browser = type(client)()
        if role != "anonymous":
            browser.force_login(request.getfixturevalue(ROLE_FIXTURE.get(role, role)))
        response = browser.get(url)
        answers[role] = response.status_code
        if role == "anonymous" and response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/")
    assert answers == statuses


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_lists_and_pages_never_disagree(client, request, world, role):
    """A child is in the list exactly when its page opens, and the counts say the same."""
    client.force_login(request.getfixturevalue(ROLE_FIXTURE.get(role, role)))
    listed = client.get("/children/").context["page"].object_list
    for key in ("child", "other_child"):
        child = world[key]
        opens = client.get(f"/children/{child.pk}/").status_code == 200
        assert (child in listed) == opens
    if role not in SEES_CHILD:
        assert "Khan" not in client.get("/").content.decode()


@pytest.mark.parametrize("role", sorted(EVERYONE - {"manager"}))
def test_grant_list_shows_nothing_to_non_managers(client, request, world, role):
    client.force_login(request.getfixturevalue(ROLE_FIXTURE.get(role, role)))
    assert not client.get("/grants/").context["page"].object_list


def test_grant_list_shows_the_managers_grants(client, manager, world):
    client.force_login(manager)
    assert len(client.get("/grants/").context["page"].object_list) == 4


@pytest.mark.parametrize(
    ("name", "obj_key", "role"),
    [
        ("children:record_add", "child", "outsider"),
        ("children:record_add", "child", "grant_holder"),
        ("children:team", "child", "keyperson"),
        ("children:grants", "child", "othermanager"),
        ("children:record_edit", "sensitive_record", "care_team"),
        ("children:record_edit", "general_record", "care_team"),
        ("children:statement_add", "general_record", "care_team"),
        ("children:statement_add", "sensitive_record", "record_grant_holder"),
        ("children:statement_add", "sensitive_record", "outsider"),
        ("children:grant_revoke", "grant", "keyperson"),
        ("children:edit", "child", "keyperson"),
        ("children:connection_add", "child", "othermanager"),
        ("children:connection_edit", "connection", "keyperson"),
        ("children:connection_edit", "connection", "othermanager"),
        ("children:connection_end", "connection", "care_team"),
        ("children:connection_end", "connection", "outsider"),
        ("children:person_edit", "connection", "grant_holder"),
        ("children:person_edit", "connection", "othermanager"),
        ("children:add", None, "care_team"),
        ("children:sharing_add", "child", "care_team"),
        ("children:sharing_add", "child", "grant_holder"),
        ("children:sharing_add", "child", "othermanager"),
        ("staff:leave", "staff_place", "othermanager"),
        ("staff:role", "staff_place", "keyperson"),
        ("staff:return", "staff_place", "care_team"),
        ("staff:send_link", "staff_member", "superuser"),
        ("staff:add_existing", "other_staff_member", "manager"),
        ("rooms:add", None, "care_team"),
        ("rooms:rename", "room", "keyperson"),
        ("rooms:rename", "room", "othermanager"),
        ("rooms:move", "room", "care_team"),
        ("rooms:close", "room", "outsider"),
        ("rooms:close", "other_room", "manager"),
        ("rooms:reopen", "other_room", "manager"),
    ],
)
def test_refused_posts_change_nothing(client, request, world, name, obj_key, role):
    from children.models import (
        CareTeamMember,
        Child,
        ChildPerson,
        InformationSharing,
        NeedToKnowGrant,
        ParentStatement,
        Person,
        Record,
    )
    from setting_records.models import Membership

    def snapshot():
        return (
            list(Child.objects.values_list("pk", "first_name", "last_name", "date_of_birth")),
            list(ChildPerson.objects.values_list("pk", "relationship", "ended_on", "end_reason")),
            list(Person.objects.values_list("pk", "first_name", "last_name")),
            list(Record.objects.values_list("pk", "title", "body")),
            list(CareTeamMember.objects.values_list("pk", flat=True)),
            list(NeedToKnowGrant.objects.values_list("pk", "revoked_at")),
            list(InformationSharing.objects.values_list("pk", flat=True)),
            list(ParentStatement.objects.values_list("pk", flat=True)),
            list(Membership.objects.values_list("pk", "role", "is_active", "user__is_active")),
            list(Room.objects.values_list("pk", "name", "closed_on")),
            list(Child.objects.values_list("pk", "room_id")),
        )

    # The user first: a role's fixture may add their place at the setting.
    user = request.getfixturevalue(ROLE_FIXTURE.get(role, role))
    before = snapshot()
    client.force_login(user)
    response = client.post(
        url_for(name, obj_key, world),
        {
            "title": "Hijacked",
            "body": "x",
            "reason": "x",
            "key_person": "",
            "care_team": [],
            "first_name": "Hijacked",
            "last_name": "Hijacked",
            "date_of_birth": "2023-01-01",
            "started_on": "2024-01-01",
            "relationship": "father",
            "ended_on": "2024-01-01",
            "decision": "shared",
            "decided_on": "2024-01-01",
            "decided_by": world["child"].setting.pk,
            "recipient_organisation": "Hijacked",
            "purpose": "x",
            "summary": "x",
            "lawful_basis": "consent",
            "consent": "given",
            "framework": "referral",
            "method": "phone",
            "made_by_name": "Hijacker",
            "made_on": "2020-01-01",
            "taken_how": "meeting",
            "words": "Hijacked",
            "role": "manager",
            "setting": world["child"].setting.pk,
            "name": "Hijacked",
            "children": [world["child"].pk],
            "to_room": world["other_room"].pk,
        },
    )
    assert response.status_code in {403, 404}
    assert snapshot() == before


def test_every_url_is_in_the_matrix():
    def names(patterns, namespace=""):
        for entry in patterns:
            if hasattr(entry, "url_patterns"):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from names(entry.url_patterns, ns)
            else:
                yield f"{namespace}{entry.name}"

    in_matrix = {name for name, _, _ in MATRIX}
    missing = {
        name
        for name in names(get_resolver().url_patterns)
        if name not in in_matrix
        and name not in NOT_IN_MATRIX
        and not name.startswith(NOT_IN_MATRIX_PREFIXES)
    }
    assert not missing, f"URLs missing from the permission matrix: {sorted(missing)}"
