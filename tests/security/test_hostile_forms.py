"""Every form a user can post, posted with hostile values by the user allowed to post it:
never a 500, and a refused post changes nothing.

The forms are found from the URLconf (every view that takes a POST) and the request page's
step table; ``test_every_post_view_is_covered`` fails when a new one appears that is not in
``FORMS``. Each world (the children's pages, and a request in each state its steps act in) is
built once per test function; each post runs in a savepoint that is rolled back, so the posts
do not wear the world down (or lock the login out) for the ones after.

Each form of a world gets, in every run: a deterministic sweep that puts every one of the
hostile values below (``NASTY`` and ``RAW``) into each of its fields, and each value into all
of its fields at once (``sweep_bodies``), and then Hypothesis's examples, each of which posts a
drawn payload to a few drawn forms of the world (``FORMS_PER_EXAMPLE``), as many examples as
give each form ``HOSTILE_EXAMPLES`` random posts on average (50 by default; CI runs 15 on
SQLite and 2 on PostgreSQL).
"""

import datetime
import inspect
import math
import os
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import pytest
from django import forms as django_forms
from django.apps import apps
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access_requests import forms as request_forms
from access_requests import rectification_steps, review, services, steps
from access_requests.models import (
    AccessRequest,
    ControversyFlag,
    Helper,
    LegalAdvice,
    Pause,
    State,
)
from children import forms as child_forms
from children import room_forms
from children.models import ChildPerson
from children.rooms import room_create
from children.statements import statement_record
from complaints import forms as complaint_forms
from complaints import steps as complaint_steps
from setting_records import staff_forms
from setting_records.forms import LoginForm
from setting_records.history import save_as
from setting_records.two_factor.forms import CodeForm
from tests.access_requests.conftest import (
    decide_corrected,
    rectify,
    share,
    share_entry,
    verify,
)
from tests.children.conftest import write
from tests.complaints.conftest import advance, log_complaint
from tests.conftest import add_authenticator
from tests.security.conftest import bring_to

# Views that take a POST without any input of the user's, or that are not this project's.
NOT_FORMS = {
    "logout": "takes no input: the POST is the whole request",
    "admin": "Django's admin, for superusers only; its forms are Django's own",
    "two_factor_backup_codes": "takes no input: the POST asks for new backup codes",
    "two_factor_reset": "takes no input: the POST confirms the reset the page describes",
    "staff:leave": "takes no input: the POST confirms the leaving the page describes",
    "staff:return": "takes no input: the POST confirms giving the place back",
    "staff:send_link": "takes no input: the POST asks for the link to be emailed",
    "access_log_check": "takes no input: the POST asks for the log's seal to be checked",
}

# How many of a world's forms each Hypothesis example posts to.
FORMS_PER_EXAMPLE = 2

# A step's confirmation is part of its form.
CONFIRM = ["confirmed"]


def _names(form_class: Any, *extra: str) -> list[str]:
    return [*form_class.base_fields, *extra]


# Text a browser, a script or an attacker might send.
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "x" * 10_000,
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "0000-00-00",
    "2026-02-30",
    "31/12/9999",
    "-1",
    "0",
    "-0",
    "1e309",
    "NaN",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999",
    "person-99999999999999999999",
    "helper--1",
    "\u202eevil\u202c",
    "\u200f\u200e",
    "\U0001f469\u200d\U0001f467\u200d\U0001f466",
    "e\u0301\u0301\u0301",
    "\ufeff",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "on",
    "yes",
]
# Bytes the test client cannot send as text: a lone surrogate as UTF-8, and invalid UTF-8.
RAW = [b"\xed\xa0\x80", b"\xff\xfe", b"a\xc3"]


def values(plausible: list[str]) -> st.SearchStrategy[str | bytes]:
    return st.one_of(
        st.sampled_from([*NASTY, *RAW]),
        st.sampled_from(plausible),
        st.text(max_size=20),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.dates().map(str),
        st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
    )


def payloads(fields: list[str], plausible: list[str]) -> st.SearchStrategy[str]:
    """A url-encoded body: any of the form's fields (and one it does not have), each missing,
    once, or repeated with different values."""
    field = st.sampled_from([*fields, "unexpected"])
    pairs = st.lists(st.tuples(field, values(plausible)), max_size=len(fields) + 4)
    return pairs.map(urllib.parse.urlencode)


def history_rows() -> int:
    """Every history row of every model, in one query: any write leaves one."""
    tables = sorted(
        model._meta.db_table
        for model in apps.get_models()
        if model.__name__.startswith("Historical")
    )
    sql = " + ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}")
        return cursor.fetchone()[0]


def sweep_bodies(fields: list[str]) -> list[str]:
    """Bodies that between them put every hostile value into every field of the form.

    First the mixed bodies: the first gives the form's fields the first values in turn, the
    next body the values after those, and so on until each value has been in one of its fields
    (and in a field it does not have). Then one body for each value with every field of the
    form (and the one it does not have) set to that value, so that each field meets each value,
    and the checks that read two fields together (a date range, a choice and the text it asks
    for) meet it in both. A form of one field (or none) has had those already: its mixed
    bodies are the same, so it is not sent them twice."""
    hostile: list[str | bytes] = [*NASTY, *RAW]
    names = fields or ["unexpected"]
    bodies = []
    for start in range(0, len(hostile), len(names)):
        pairs = [(name, hostile[(start + j) % len(hostile)]) for j, name in enumerate(names)]
        pairs.append(("unexpected", hostile[start]))
        bodies.append(urllib.parse.urlencode(pairs))
    if len(fields) > 1:
        for value in hostile:
            pairs = [(name, value) for name in [*fields, "unexpected"]]
            bodies.append(urllib.parse.urlencode(pairs))
    return bodies


def post(client, path: str, body: str) -> None:
    """Post ``body`` and check the answer, then undo whatever the post did."""
    with transaction.atomic():
        before = history_rows()
        response = client.post(path, body, content_type="application/x-www-form-urlencoded")
        assert response.status_code in {200, 302, 403, 404}, (
            f"{path}: {response.status_code} for {body[:300]!r}"
        )
        if response.status_code == 200:
            # Shown again (an error, or a confirmation): nothing was written.
            assert history_rows() == before, (
                f"{path} refused the post but changed something: {body[:300]!r}"
            )
        transaction.set_rollback(True)


def test_the_sweep_puts_every_hostile_value_in_every_form():
    def as_bytes(value: str | bytes) -> bytes:
        return value if isinstance(value, bytes) else value.encode()

    # Each value as the bytes the server receives (latin-1 maps each byte to one character).
    hostile = {as_bytes(value).decode("latin-1") for value in [*NASTY, *RAW]}
    assert len(hostile) == len(NASTY) + len(RAW)
    # Every form's fields, and shapes no form has yet: none, one, more fields than values. The
    # review form's fields come from its request's entries: the shapes stand for it.
    shapes = [[], ["one"], ["one", "two", "three"], [f"f{n}" for n in range(40)]]
    every_form = [
        form.fields({}) for name, form in FORMS.items() if name != "access_requests:review"
    ]
    for fields in [*shapes, *every_form]:
        bodies = sweep_bodies(fields)
        # The mixed bodies, then one for each value (a form of one field has had those).
        alike_bodies = len(hostile) if len(fields) > 1 else 0
        assert len(bodies) == math.ceil(len(hostile) / max(len(fields), 1)) + alike_bodies
        received: dict[str, set[str]] = {name: set() for name in [*fields, "unexpected"]}
        alike = set()
        for body in bodies:
            pairs = urllib.parse.parse_qsl(body, keep_blank_values=True, encoding="latin-1")
            assert {name for name, _ in pairs} == {*fields, "unexpected"}
            for name, value in pairs:
                received[name].add(value)
            if len({value for _, value in pairs}) == 1:
                alike.add(pairs[0][1])
        # Every field of the form (and one it does not have) receives every value...
        assert received == dict.fromkeys(received, hostile), fields
        # ...and each value fills every field of the form at once, in one body.
        assert alike == hostile, fields


@dataclass
class Form:
    """One form: where it is posted, by whom, and the names of its fields."""

    world: str
    path: Callable[[dict[str, Any]], str]
    fields: Callable[[dict[str, Any]], list[str]]


def _step(name: str, world: str) -> Form:
    spec = steps.STEPS[name]

    def path(w: dict[str, Any]) -> str:
        return f"/access-requests/{w['request'].pk}/{name}/"

    def fields(w: dict[str, Any]) -> list[str]:
        return _names(spec.form_class, *(CONFIRM if spec.confirm else []))

    return Form(world, path, fields)


def _mothers_entry(world: dict[str, Any]) -> ChildPerson:
    return ChildPerson.objects.get(child=world["child"], person=world["mother"])


# The request state each step's form is tried in: the one where it does something.
STEP_WORLDS = {
    "verify-identity": "received",
    "ask-identity": "received",
    "pause": "received",
    "resume": "received",
    "extend": "received",
    "withdraw": "received",
    "refuse": "received",
    "prepare": "identity_verified",
    "ready": "preparing",
    "flag": "preparing",
    "advice": "preparing",
    "redactions-done": "preparing",
    "helper": "preparing",
    "meeting": "preparing",
    "attendee": "ready_for_meeting",
    "held": "ready_for_meeting",
    "declined": "ready_for_meeting",
    "reprepare": "ready_for_meeting",
    "release": "meeting_held",
    "close": "meeting_held",
}


def _rectification_step(name: str, world: str) -> Form:
    spec = rectification_steps.STEPS[name]

    def path(w: dict[str, Any]) -> str:
        return f"/rectifications/{w['rectification'].pk}/{name}/"

    def fields(w: dict[str, Any]) -> list[str]:
        return _names(spec.form_class, *(CONFIRM if spec.confirm else []))

    return Form(world, path, fields)


# The correction request state each of its steps' forms is tried in.
RECTIFICATION_STEP_WORLDS = {
    "verify-identity": "rectification_received",
    "ask-identity": "rectification_received",
    "extend": "rectification_received",
    "withdraw": "rectification_received",
    "refuse": "rectification_received",
    "decide": "rectification_verified",
    "tell": "rectification_decided",
    "notice": "rectification_decided",
}


def _complaint_step(name: str, world: str) -> Form:
    spec = complaint_steps.STEPS[name]

    def path(w: dict[str, Any]) -> str:
        return f"/complaints/{w['complaint'].pk}/{name}/"

    def fields(w: dict[str, Any]) -> list[str]:
        return _names(spec.form_class, *(CONFIRM if spec.confirm else []))

    return Form(world, path, fields)


# The complaint state each of its steps' forms is tried in.
COMPLAINT_STEP_WORLDS = {
    "acknowledge": "complaint_received",
    "withdraw": "complaint_received",
    "investigate": "complaint_acknowledged",
    "add-note": "complaint_investigating",
    "outcome": "complaint_investigating",
    "close": "complaint_outcome_notified",
    "taken-further": "complaint_outcome_notified",
    # Made by phone, off the clock: the one kind it acts on.
    "put-on-clock": "complaint_oral",
}
# The fields of the form that logs a complaint, as the page shows them.
COMPLAINT_FIELDS = [*complaint_forms.ComplaintForm.base_fields]

FORMS: dict[str, Form] = {
    "login": Form("anonymous", lambda w: "/accounts/login/", lambda w: _names(LoginForm)),
    "password_reset": Form(
        "anonymous", lambda w: "/accounts/password_reset/", lambda w: _names(PasswordResetForm)
    ),
    "password_reset_confirm": Form(
        "anonymous", lambda w: w["set_password_path"], lambda w: _names(SetPasswordForm)
    ),
    "password_change": Form(
        "children", lambda w: "/accounts/password_change/", lambda w: _names(PasswordChangeForm)
    ),
    "two_factor_verify": Form(
        "second_step", lambda w: "/accounts/two-factor/", lambda w: _names(CodeForm, "next")
    ),
    "two_factor_setup": Form(
        "setup", lambda w: "/accounts/two-factor/setup/", lambda w: _names(CodeForm, "next")
    ),
    "children:add": Form(
        "children", lambda w: "/children/new/", lambda w: _names(child_forms.ChildForm)
    ),
    "children:edit": Form(
        "children",
        lambda w: f"/children/{w['child'].pk}/edit/",
        lambda w: _names(child_forms.ChildForm),
    ),
    "children:connection_add": Form(
        "children",
        lambda w: f"/children/{w['child'].pk}/people/new/",
        lambda w: _names(child_forms.ConnectionForm),
    ),
    "children:connection_edit": Form(
        "children",
        lambda w: f"/connections/{_mothers_entry(w).pk}/edit/",
        lambda w: _names(child_forms.ConnectionEditForm),
    ),
    "children:connection_end": Form(
        "children",
        lambda w: f"/connections/{_mothers_entry(w).pk}/end/",
        lambda w: _names(child_forms.ConnectionEndForm),
    ),
    "children:person_edit": Form(
        "children",
        lambda w: f"/connections/{_mothers_entry(w).pk}/person/",
        lambda w: _names(child_forms.PersonEditForm),
    ),
    "children:record_add": Form(
        "children",
        lambda w: f"/children/{w['child'].pk}/records/new/",
        lambda w: _names(child_forms.RecordForm),
    ),
    "children:record_edit": Form(
        "children",
        lambda w: f"/records/{w['record'].pk}/edit/",
        lambda w: _names(child_forms.RecordEditForm),
    ),
    "children:statement_add": Form(
        "children",
        lambda w: f"/records/{w['record'].pk}/statements/new/",
        lambda w: _names(child_forms.StatementForm),
    ),
    "children:team": Form(
        "children",
        lambda w: f"/children/{w['child'].pk}/team/",
        lambda w: _names(child_forms.TeamForm),
    ),
    "children:grants": Form(
        "children",
        lambda w: f"/children/{w['child'].pk}/grants/",
        lambda w: _names(child_forms.GrantForm),
    ),
    "children:grant_revoke": Form(
        "children",
        lambda w: f"/grants/{w['grant'].pk}/revoke/",
        lambda w: _names(child_forms.RevokeForm),
    ),
    "children:sharing_add": Form(
        "children",
        lambda w: f"/children/{w['child'].pk}/sharing/new/",
        lambda w: _names(child_forms.SharingForm),
    ),
    "rooms:add": Form(
        "children", lambda w: "/rooms/new/", lambda w: _names(room_forms.RoomForm, "setting")
    ),
    "rooms:rename": Form(
        "children",
        lambda w: f"/rooms/{w['child'].room_id}/rename/",
        lambda w: _names(room_forms.RoomForm),
    ),
    "rooms:move": Form(
        "children",
        lambda w: f"/rooms/{w['child'].room_id}/move/",
        lambda w: _names(room_forms.MoveForm),
    ),
    # Closing and reopening take no field: the POST is the confirmation.
    "rooms:close": Form("children", lambda w: f"/rooms/{w['child'].room_id}/close/", lambda w: []),
    "rooms:reopen": Form(
        "children", lambda w: f"/rooms/{w['child'].room_id}/reopen/", lambda w: []
    ),
    "children:third_party_check": Form(
        "children",
        lambda w: f"/records/{w['third_party_record'].pk}/third-party-check/",
        lambda w: _names(child_forms.ThirdPartyCheckForm),
    ),
    "access_requests:new": Form(
        "received",
        lambda w: "/access-requests/new/",
        lambda w: _names(request_forms.RequestForm, "requester"),
    ),
    "access_requests:review": Form(
        "preparing",
        lambda w: f"/access-requests/{w['request'].pk}/review/",
        lambda w: list(review.review_form(w["request"]).fields),
    ),
    **{f"access_requests:step:{name}": _step(name, world) for name, world in STEP_WORLDS.items()},
    "access_requests:rectification_new": Form(
        "children",
        lambda w: f"/records/{w['record'].pk}/rectification/new/",
        lambda w: _names(request_forms.RectificationForm, "requester"),
    ),
    **{
        f"access_requests:rectification_step:{name}": _rectification_step(name, world)
        for name, world in RECTIFICATION_STEP_WORLDS.items()
    },
    "complaints:new": Form("children", lambda w: "/complaints/new/", lambda w: COMPLAINT_FIELDS),
    "complaints:from_access_request": Form(
        "received",
        lambda w: f"/complaints/from-access-request/{w['request'].pk}/",
        lambda w: COMPLAINT_FIELDS,
    ),
    "complaints:from_rectification": Form(
        "rectification_decided",
        lambda w: f"/complaints/from-rectification/{w['rectification'].pk}/",
        lambda w: COMPLAINT_FIELDS,
    ),
    **{
        f"complaints:step:{name}": _complaint_step(name, world)
        for name, world in COMPLAINT_STEP_WORLDS.items()
    },
    # The staff pages, about the key person's place at the manager's setting.
    "staff:invite": Form(
        "children", lambda w: "/staff/invite/", lambda w: _names(staff_forms.InviteForm, "setting")
    ),
    "staff:add_existing": Form(
        "children",
        lambda w: f"/staff/{w['keyperson'].pk}/add/",
        lambda w: _names(staff_forms.AddExistingForm, "setting"),
    ),
    "staff:role": Form(
        "children",
        lambda w: f"/staff/places/{w['keyperson'].memberships.get().pk}/role/",
        lambda w: _names(staff_forms.RoleForm),
    ),
}


# Finding every view that takes a POST.


def _walk(patterns, namespace: str = "") -> Iterator[tuple[str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", entry.callback


def _takes_post(view: Any) -> bool:
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return hasattr(view_class, "post")
    layer = view
    while layer is not None:  # every decorator's wrapper, down to the view itself
        methods = inspect.getclosurevars(layer).nonlocals.get("request_method_list")
        if methods is not None:
            return "POST" in methods
        layer = getattr(layer, "__wrapped__", None)
    source = inspect.getsource(inspect.unwrap(view))
    return "request.POST" in source or 'request.method == "POST"' in source


def post_views() -> set[str]:
    found = {name for name, view in _walk(get_resolver().url_patterns) if _takes_post(view)}
    found.discard("access_requests:step")
    found.discard("access_requests:rectification_step")
    found.discard("complaints:step")
    return (
        found
        | {f"access_requests:step:{name}" for name in steps.STEPS}
        | {f"access_requests:rectification_step:{name}" for name in rectification_steps.STEPS}
        | {f"complaints:step:{name}" for name in complaint_steps.STEPS}
    )


def test_every_post_view_is_covered():
    assert post_views() - set(NOT_FORMS) == set(FORMS)


def test_the_walk_sees_post_views_of_every_kind():
    views = post_views()
    # A class-based view, a decorated function view, and a step of the request page.
    assert {"login", "children:team", "access_requests:step:withdraw"} <= views
    # A view whose method check sits under another decorator (never_cache) is still found.
    assert "two_factor_backup_codes" in views
    assert "children:detail" not in views


# The worlds the forms are posted in.


def _plausible(world: dict[str, Any]) -> list[str]:
    """Values that get past the first checks: real ids, the choices' values, today."""
    today = timezone.localdate()
    objects = [
        world["child"],
        world["mother"],
        world["record"],
        world["third_party_record"],
        world["manager"],
        *world.get("extra", []),
    ]
    plain = [str(obj.pk) for obj in objects]
    keyed = [f"person-{world['mother'].pk}"] + [
        f"helper-{helper.pk}" for helper in Helper.objects.all()
    ]
    statics = {
        str(value)
        for module in (request_forms, child_forms, complaint_forms, staff_forms)
        for form_class in vars(module).values()
        if isinstance(form_class, type) and issubclass(form_class, django_forms.BaseForm)
        for field in cast(Any, form_class).base_fields.values()
        for value, _label in getattr(field, "choices", [])
        if value not in ("", None) and not isinstance(value, (list, tuple))
    }
    dates = [str(today), str(today - datetime.timedelta(days=1)), f"{today}T09:00"]
    return sorted({*plain, *keyed, *statics, *dates, "yes", "on"})


def _world(name: str, base: dict[str, Any]) -> dict[str, Any]:
    world = {"name": name, **base}
    manager = base["manager"]
    if name == "children":
        # A second open room, so that a move has somewhere to go.
        babies = room_create(setting=base["child"].setting, name="Babies", actor=manager)
        world["extra"] = [babies]
        return world
    if name in {"second_step", "setup"}:
        return world
    if name == "anonymous":
        user = base["keyperson"]
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        world["token_path"] = f"/accounts/reset/{uid}/{token}/"
        world["set_password_path"] = f"/accounts/reset/{uid}/set-password/"
        return world
    if name.startswith("rectification_"):
        return _rectification_world(world, name.removeprefix("rectification_"))
    if name == "complaint_oral":
        complaint = log_complaint(
            manager.memberships.get().setting, manager, received_how="phone", on_clock=False
        )
        world["complaint"] = complaint
        world["extra"] = [complaint]
        return world
    if name.startswith("complaint_"):
        complaint = log_complaint(manager.memberships.get().setting, manager)
        world["complaint"] = advance(complaint, manager, name.removeprefix("complaint_"))
        world["extra"] = [complaint]
        return world
    request = base["request"]
    bring_to(name, request, manager, base["mother"])
    request = AccessRequest.objects.get(pk=request.pk)
    world["request"] = request
    extra: list[Any] = []
    if name == State.RECEIVED:
        extra.append(save_as_pause(request, manager))
    if name == State.PREPARING:
        flag = ControversyFlag(request=request, kind="appeal", raised_by=manager)
        save_as(flag, actor=manager)
        advice = LegalAdvice(
            request=request,
            adviser="Council solicitor",
            advised_on=timezone.localdate(),
            summary="Release once the neighbour's name is out.",
            outcome="release_redacted",
            redactions_requested="The neighbour's name",
            recorded_by=manager,
        )
        save_as(advice, actor=manager)
        # A statement by someone other than the requester and a recipient in the sharing log:
        # both wait for a decision in the review list.
        statement_record(
            record=base["record"],
            actor=manager,
            made_by_name="A solicitor",
            made_on=timezone.localdate(),
            taken_how="letter",
            words="The other parent's view of the day.",
        )
        share(base["child"], manager, summary="A referral")
        services.entries_add_new(request=request, actor=manager)
        extra += [
            flag,
            advice,
            *request.entries.all(),
            *request.prepared_statements.all(),
            *request.prepared_recipients.all(),
        ]
    world["extra"] = extra
    return world


def _rectification_world(world: dict[str, Any], state: str) -> dict[str, Any]:
    """A correction request about the general entry, shared once before, in ``state``."""
    manager, record = world["manager"], world["record"]
    sharing = share_entry(record, manager)
    item = rectify(record, world["mother"], manager)
    extra: list[Any] = [item, sharing]
    if state != "received":
        verify(item, manager)
    if state == "decided":
        decide_corrected(item, manager)
    world["rectification"] = item
    world["extra"] = extra
    return world


def save_as_pause(request: AccessRequest, manager) -> Pause:
    pause = Pause(request=request, started_on=request.received_on, reason="Which years?")
    save_as(pause, actor=manager)
    return pause


WORLDS = sorted({form.world for form in FORMS.values()})


@pytest.mark.parametrize("world_name", WORLDS)
def test_hostile_posts_never_500_and_refusals_change_nothing(
    world_name, client, manager, keyperson, child, mother, general_record, grants, request_received
):
    # A sensitive entry too, so the review list has an entry that needs a decision.
    write(child, keyperson, "sensitive", title="Neighbour's report")
    base = {
        "manager": manager,
        "keyperson": keyperson,
        "child": child,
        "mother": mother,
        "record": general_record,
        "grant": grants["active"],
        "request": request_received,
        # Checked for both parties, so that the request's steps can go past preparing.
        "third_party_record": write(
            child,
            keyperson,
            "sensitive",
            title="Health visitor's call",
            source="third_party",
            third_party_name="Rachel Moore",
            sharer_confidential=False,
            subject_confidential=False,
        ),
    }
    world = _world(world_name, base)
    forms = {name: form for name, form in FORMS.items() if form.world == world_name}
    fields = {name: form.fields(world) for name, form in forms.items()}
    plausible = _plausible(world)
    if world_name == "anonymous":
        # The reset link puts its token in the session, then sends to the set-password page.
        assert client.get(world["token_path"]).status_code == 302
    elif world_name == "second_step":
        # A manager with an app, past the password only: the code page is all they reach.
        add_authenticator(manager)
        client = Client()
        client.force_login(manager)
    elif world_name == "setup":
        # A practitioner setting an app up of their own accord: the page keeps the new secret
        # in the session.
        client.force_login(keyperson)
        assert client.get("/accounts/two-factor/setup/").status_code == 200
    else:
        client.force_login(manager)

    # Every hostile value, into every form of the world, every run.
    for name, form in forms.items():
        for body in sweep_bodies(fields[name]):
            post(client, form.path(world), body)

    # Then the drawn payloads: each example posts to a few of the world's forms, drawn, and
    # there are as many examples as give each form HOSTILE_EXAMPLES posts on average.
    names = sorted(forms)
    at_once = min(len(names), FORMS_PER_EXAMPLE)
    per_form = int(os.environ.get("HOSTILE_EXAMPLES", "50"))

    @settings(
        max_examples=math.ceil(per_form * len(names) / at_once),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(data=st.data())
    def some_forms(data):
        chosen = data.draw(
            st.lists(st.sampled_from(names), min_size=at_once, max_size=at_once, unique=True),
            label="forms",
        )
        for name in chosen:
            body = data.draw(payloads(fields[name], plausible), label=name)
            post(client, forms[name].path(world), body)

    some_forms()
