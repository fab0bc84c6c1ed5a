"""Every read of sensitive text leaves exactly one access-log row; nothing else does.

The walk takes its URLs from the URL conf: every route that takes an id is either walked here,
with each kind of entry and as each role, or named as showing no entry text with the reason
(a guard fails on a new route that is neither). On every page walked, the rule checked is the
one in ``setting_records.reads``: the page shows sensitive text (an entry's current text while
it is sensitive, or an older version written while it was) exactly when it leaves one read row
naming that entry, and a care-team member sees no trace of sensitive versions.
"""

import datetime
import io

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from pypdf import PdfReader

from access_requests import services as request_services
from children import services
from setting_records.models import AccessAction, AccessLogEntry
from tests.access_requests.conftest import disclose_reviewed, rectify, register
from tests.children.conftest import write

# Single words, so that they come out of a PDF whole. Each marks one text.
SENSITIVE_NOW = "Quillonsensitive"  # the sensitive entry's text
SENSITIVE_BEFORE = "Marrowsecret"  # the downgraded entry's text from while it was sensitive
GENERAL_AFTER = "Larkspuropen"  # the downgraded entry's text since it became general
GENERAL = "Tamarindgeneral"  # the general entry's text
SENSITIVE_MARKERS = (SENSITIVE_NOW, SENSITIVE_BEFORE)

# Routes that take an entry's id: walked with every entry, as every role.
ENTRY_PAGES = {
    "children:record",
    "children:record_edit",
    "children:record_history",
    "children:statement_add",
    "children:third_party_check",
    # The manager's form for a parent's correction request: the entry's title only.
    "access_requests:rectification_new",
}
# Routes that take a child's id: walked with the child, as every role.
CHILD_PAGES = {
    "children:detail",
    "children:edit",
    "children:history",
    "children:access_log",
    "children:connection_add",
    "children:record_add",
    "children:team",
    "children:grants",
    "children:sharing_list",
    "children:sharing_add",
}
# Routes that take an access request's id: walked by the manager (nobody else sees requests).
REQUEST_PAGES = {
    "access_requests:detail",
    "access_requests:preview",
    "access_requests:pack",
    "access_requests:review",
    "access_requests:step",
}
# Routes that take a correction request's id: walked by the manager; the page shows its entry.
RECTIFICATION_PAGES = {"access_requests:rectification", "access_requests:rectification_step"}
# Routes with an id that show no entry's text, and why.
NO_ENTRY_TEXT = {
    "children:grant_revoke": "a grant: names its entry by title only",
    "children:sharing": "a disclosure: names its entries by title, with parents' statements only",
    "children:sharing_pdf": "a disclosure's printed record: entries by title, statements only",
    "children:connection_edit": "a register entry: the person and their connection only",
    "children:connection_end": "a register entry: the person and their connection only",
    "children:person_edit": "a person in the register: their contact details only",
    "password_reset_confirm": "a reset token, before logging in",
    "admin:app_list": "the admin's list of one app's models",
    "admin:view_on_site": "a redirect to an object's own page",
    "admin:auth_user_password_change": "a user's password",
    "admin:None": "the admin's catch-all, which redirects or gives 404",
    "two_factor_reset": "a member of staff's two-factor login: names the person only",
    "complaints:complaint": "a complaint: a linked entry by title only; the words are the "
    "complainant's, the notes the investigation's (their views are logged on their own)",
    "complaints:step": "a complaint's page again after a step: as complaints:complaint",
    "complaints:from_access_request": "the complaint form: the request, complainant and child",
    "complaints:from_rectification": "the complaint form: the correction request by number, "
    "the complainant and the child",
    "rooms:rename": "a room: its name only",
    "rooms:move": "a room: the names of the children in it",
    "rooms:close": "a room: its name and the names of the children still in it",
    "rooms:reopen": "a room: its name only",
    "staff:detail": "a member of staff: their name, email, places and former key children",
    "staff:add_existing": "a member of staff: their name and the setting to add them to",
    "staff:send_link": "a member of staff: their name and email",
    "staff:role": "a member of staff's place: their name and role",
    "staff:leave": "a member of staff's place: their name and what leaving does",
    "staff:return": "a member of staff's place: their name and what returning does",
}
# The admin is for superusers, who see no child or entry: its routes are for these apps' models
# only. An admin for children, entries or requests would have to be walked here.
ADMIN_APPS_WITHOUT_ENTRIES = ("setting_records", "auth", "axes")

ROLES = ["manager", "keyperson", "practitioner", "grant_holder", "record_grant_holder"]


def _takes_an_argument(pattern: URLPattern) -> bool:
    return bool(getattr(pattern.pattern, "converters", None) or pattern.pattern.regex.groups)


def routes_with_an_id(resolvers=None, namespace=""):
    for entry in get_resolver().url_patterns if resolvers is None else resolvers:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes_with_an_id(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and _takes_an_argument(entry):
            yield f"{namespace}{entry.name}"


def _admin_model_routes() -> set[str]:
    """The admin's routes for the models it has, for apps that hold no entries."""
    prefixes = [
        f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        for model in admin.site._registry
        if model._meta.app_label in ADMIN_APPS_WITHOUT_ENTRIES
    ]
    return {name for name in routes_with_an_id() if name.startswith(tuple(prefixes))}


def test_every_route_with_an_id_is_walked_or_shows_no_entry_text():
    accounted = ENTRY_PAGES | CHILD_PAGES | REQUEST_PAGES | RECTIFICATION_PAGES | set(NO_ENTRY_TEXT)
    unaccounted = set(routes_with_an_id()) - accounted - _admin_model_routes()
    assert not unaccounted, f"Walk these in test_sensitive_reads, or say why not: {unaccounted}"


def test_the_admin_has_no_entries_to_show():
    assert not [
        model
        for model in admin.site._registry
        if model._meta.app_label not in ADMIN_APPS_WITHOUT_ENTRIES
    ]


# The world: one child with a sensitive entry, an entry downgraded from sensitive to general,
# and a general entry, and the staff who may see them.


@pytest.fixture
def entries(child, keyperson):
    sensitive = write(child, keyperson, "sensitive", title="Sensitive", body=SENSITIVE_NOW)
    downgraded = write(child, keyperson, "sensitive", title="Downgraded", body=SENSITIVE_BEFORE)
    general = write(child, keyperson, "general", title="General", body=GENERAL)
    return {"sensitive": sensitive, "downgraded": downgraded, "general": general}


def downgrade(record, actor):
    services.record_update(
        record=record,
        actor=actor,
        reason="Nothing sensitive in it any more",
        kind=record.kind,
        sensitivity="general",
        nature=record.nature,
        title=record.title,
        body=GENERAL_AFTER,
        occurred_at=record.occurred_at,
    )


@pytest.fixture
def world(child, manager, keyperson, practitioner, grant_holder, record_grant_holder, entries):
    downgrade(entries["downgraded"], keyperson)
    expires = timezone.localdate() + datetime.timedelta(days=30)
    give = {"child": child, "actor": manager, "reason": "Needs to know", "expires_on": expires}
    services.grant_give(grantee=grant_holder, **give)
    services.grant_give(grantee=record_grant_holder, record=entries["sensitive"], **give)
    users = {
        "manager": manager,
        "keyperson": keyperson,
        "practitioner": practitioner,
        "grant_holder": grant_holder,
        "record_grant_holder": record_grant_holder,
    }
    return {"child": child, "users": users, **entries}


def text_of(response) -> str:
    if response.get("Content-Type", "").startswith("application/pdf"):
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    return response.content.decode()


def reads_of(record, rows) -> list[AccessLogEntry]:
    """The rows that log a read of ``record``'s sensitive text."""
    return [
        row
        for row in rows
        if any(read["record"] == record.pk for read in row.detail.get("read", []))
    ]


def edit_post(record) -> dict:
    """The edit form as stored, sent without the reason for the change: shown again."""
    return {
        "title": record.title,
        "kind": record.kind,
        "sensitivity": record.sensitivity,
        "nature": record.nature,
        "occurred_at": timezone.localtime(record.occurred_at).strftime("%Y-%m-%dT%H:%M"),
        "body": record.body,
        "source": record.source,
        "reason": "",
    }


def visit(client, user, method, url, data=None):
    """One page view; the rows it appended, and what it showed."""
    client.force_login(user)
    last = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    assert response.status_code in {200, 302, 403, 404, 405, 409}, (url, response.status_code)
    rows = list(AccessLogEntry.objects.filter(id__gt=last).order_by("id"))
    return response, text_of(response), rows


def assert_one_row_per_sensitive_read(record, text, rows, where):
    """The rule: sensitive text shown <=> exactly one row naming the entry; one row at most."""
    shows_sensitive = any(marker in text for marker in SENSITIVE_MARKERS)
    read_rows = [row for row in rows if row.detail.get("read")]
    assert len(read_rows) <= 1, where
    if record is not None:
        assert len(reads_of(record, rows)) == (1 if shows_sensitive else 0), where
    else:
        assert len(read_rows) == (1 if shows_sensitive else 0), where


@pytest.mark.parametrize("role", ROLES)
def test_every_entry_page_logs_each_sensitive_read_once(client, world, role):
    user = world["users"][role]
    for kind in ("sensitive", "downgraded", "general"):
        record = world[kind]
        for name in sorted(ENTRY_PAGES):
            url = reverse(name, args=[record.pk])
            visits = [("get", url, None)]
            if name == "children:record_edit":
                visits.append(("post", url, edit_post(record)))
            if name == "children:statement_add":
                # Without the parent's words: shown again, the entry with it.
                visits.append(("post", url, {"made_by_name": "A parent", "words": " "}))
            for method, path, data in visits:
                response, text, rows = visit(client, user, method, path, data)
                assert_one_row_per_sensitive_read(record, text, rows, (role, kind, method, path))
                if kind == "general":
                    assert not [row for row in rows if row.detail.get("read")]
                if response.status_code == 200:
                    assert record.title in text


@pytest.mark.parametrize("role", ROLES)
def test_child_pages_show_no_entry_text_but_general(client, world, role):
    user = world["users"][role]
    for name in sorted(CHILD_PAGES):
        url = reverse(name, args=[world["child"].pk])
        _, text, rows = visit(client, user, "get", url)
        assert not any(marker in text for marker in SENSITIVE_MARKERS), (role, name)
        assert not [row for row in rows if row.detail.get("read")], (role, name)


# What the walk must find: the readers do read, and each read says what was read.


def test_the_readers_read_and_each_read_names_what(client, world, keyperson, manager):
    sensitive, downgraded = world["sensitive"], world["downgraded"]
    _, text, rows = visit(client, keyperson, "get", f"/records/{sensitive.pk}/edit/")
    assert SENSITIVE_NOW in text
    assert [(r.action, r.record, r.detail) for r in rows] == [
        (
            AccessAction.RECORD_VIEWED,
            sensitive,
            {"via": "edit", "read": [{"record": sensitive.pk, "current": True, "versions": []}]},
        )
    ]
    _, text, rows = visit(client, manager, "get", f"/records/{downgraded.pk}/history/")
    assert SENSITIVE_BEFORE in text
    assert GENERAL_AFTER in text
    sensitive_version = downgraded.history.earliest("history_date").history_id
    assert [(r.action, r.record, r.detail["read"]) for r in rows] == [
        (
            AccessAction.RECORD_HISTORY_VIEWED,
            downgraded,
            [{"record": downgraded.pk, "current": False, "versions": [sensitive_version]}],
        )
    ]
    # The entry itself is general now: its page reads nothing sensitive.
    _, text, rows = visit(client, manager, "get", f"/records/{downgraded.pk}/")
    assert GENERAL_AFTER in text
    assert rows == []


def test_a_care_team_member_sees_no_trace_of_sensitive_versions(client, world, practitioner):
    downgraded = world["downgraded"]
    assert (
        visit(client, practitioner, "get", f"/records/{world['sensitive'].pk}/")[0].status_code
        == 404
    )
    response, text, rows = visit(client, practitioner, "get", f"/records/{downgraded.pk}/history/")
    assert GENERAL_AFTER in text
    assert SENSITIVE_BEFORE not in text
    # No placeholder, no count, and not the reason given for the downgrade.
    assert "sensitive" not in text.lower()
    assert "not shown" not in text
    assert "Nothing sensitive in it any more" not in text
    assert len(response.context["versions"]) == 1
    assert rows == []
    # Its one version is named as the first version of an entry that was always general is.
    [version] = response.context["versions"]
    general, _, _ = visit(client, practitioner, "get", f"/records/{world['general'].pk}/history/")
    assert version.kind == general.context["versions"][-1].kind == "Earliest version"
    assert "Changed" not in text
    # The child's history tells nothing of it either.
    _, text, _ = visit(client, practitioner, "get", f"/children/{world['child'].pk}/history/")
    assert "Downgraded" not in text
    assert "sensitive" not in text.lower()


def test_viewing_the_access_log_is_logged_once_per_view(client, world, manager):
    url = f"/children/{world['child'].pk}/access-log/"
    for _ in range(2):
        _, _, rows = visit(client, manager, "get", url)
        assert [(r.action, r.actor, r.child) for r in rows] == [
            (AccessAction.ACCESS_LOG_VIEWED, manager, world["child"])
        ]


# Access requests: the review list and the packs show entries' text.


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def released_request(child, manager, mother):
    """A request whose pack was fixed while the downgraded entry was still sensitive."""
    item = request_services.request_create(
        child=child,
        requester=mother,
        received_on=timezone.localdate() - datetime.timedelta(days=3),
        channel="letter",
        actor=manager,
    )
    request_services.identity_verify(request=item, method="Passport seen", actor=manager)
    request_services.preparation_start(request=item, actor=manager)
    disclose_reviewed(item, manager)
    request_services.ready_for_meeting(request=item, actor=manager)
    request_services.meeting_schedule(
        request=item,
        scheduled_at=timezone.now() - datetime.timedelta(hours=2),
        place="Office",
        actor=manager,
    )
    request_services.attendee_add(request=item, person=mother, actor=manager)
    request_services.meeting_record_held(
        request=item,
        held_at=timezone.now() - datetime.timedelta(hours=1),
        contents_explained=True,
        actor=manager,
    )
    request_services.pack_release(request=item, recipient_person=mother, actor=manager)
    return item


def request_visits(item) -> list[tuple[str, str, dict | None]]:
    pk = item.pk
    return [
        ("get", f"/access-requests/{pk}/", None),
        ("get", f"/access-requests/{pk}/?step=ready", None),
        ("get", f"/access-requests/{pk}/preview.pdf", None),
        ("get", f"/access-requests/{pk}/pack.pdf", None),
        # Refused, so the page is shown again (with the review list while preparing).
        (
            "post",
            f"/access-requests/{pk}/review/",
            {f"e{e.pk}-decision": "no" for e in item.entries.all()},
        ),
        ("post", f"/access-requests/{pk}/ready/", {}),
    ]


def test_request_pages_log_each_read_of_sensitive_text_once(
    client, child, manager, keyperson, entries
):
    mother = register(child, manager, "Farah", "mother")
    released = released_request(child, manager, mother)
    downgrade(entries["downgraded"], keyperson)
    preparing = request_services.request_create(
        child=child,
        requester=mother,
        received_on=timezone.localdate(),
        channel="letter",
        actor=manager,
    )
    request_services.identity_verify(request=preparing, method="Passport seen", actor=manager)
    request_services.preparation_start(request=preparing, actor=manager)
    texts = {}
    for item in (released, preparing):
        for method, url, data in request_visits(item):
            _, text, rows = visit(client, manager, method, url, data)
            assert_one_row_per_sensitive_read(None, text, rows, url)
            texts[method, url] = text
            read = {r["record"]: r for row in rows for r in row.detail.get("read", [])}
            assert entries["general"].pk not in read
            assert (entries["downgraded"].pk in read) == (SENSITIVE_BEFORE in text)
            if SENSITIVE_BEFORE in text:
                assert read[entries["downgraded"].pk]["versions"]
    # Not an empty walk: the packs print the text fixed for the meeting, the old sensitive
    # version included; the review list shows the entries as they are now.
    for pdf in ("pack.pdf", "preview.pdf"):
        text = texts["get", f"/access-requests/{released.pk}/{pdf}"]
        assert all(word in text for word in (SENSITIVE_NOW, SENSITIVE_BEFORE, GENERAL))
    text = texts["get", f"/access-requests/{preparing.pk}/"]
    assert all(word in text for word in (SENSITIVE_NOW, GENERAL_AFTER, GENERAL))
    assert SENSITIVE_BEFORE not in text


# Correction requests: the request page shows its entry's text as it is now.


def rectification_visits(item) -> list[tuple[str, str, dict | None]]:
    pk = item.pk
    return [
        ("get", f"/rectifications/{pk}/", None),
        ("get", f"/rectifications/{pk}/?step=pause", None),
        # Refused, so the page is shown again with the entry.
        ("post", f"/rectifications/{pk}/verify-identity/", {"method": ""}),
        ("post", f"/rectifications/{pk}/withdraw/", {"reason": "Sorted"}),
    ]


def test_rectification_pages_log_each_read_of_sensitive_text_once(
    client, child, manager, keyperson, entries
):
    mother = register(child, manager, "Farah", "mother")
    downgrade(entries["downgraded"], keyperson)
    shown = 0
    for kind in ("sensitive", "downgraded", "general"):
        record = entries[kind]
        item = rectify(record, mother, manager)
        for method, url, data in rectification_visits(item):
            response, text, rows = visit(client, manager, method, url, data)
            assert response.status_code == 200, url
            assert_one_row_per_sensitive_read(record, text, rows, (kind, url))
            shown += SENSITIVE_NOW in text
            # The page shows the entry as it is now, never an earlier sensitive version.
            assert SENSITIVE_BEFORE not in text
            if kind == "general":
                assert GENERAL in text
                assert not [row for row in rows if row.detail.get("read")]
    # Not an empty walk: the sensitive entry's text was shown, and each showing logged.
    assert shown == len(rectification_visits(item))
