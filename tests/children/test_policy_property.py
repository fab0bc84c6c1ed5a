"""The access policy's querysets, checked against a plain reading of rules P1-P4.

Random worlds (settings, staff, children, records, grants, then a few later changes) are built
through the services only, so the permission rows the policy reads are whatever the services
leave behind. For every user in the world, ``visible_children`` and ``visible_records`` must
equal what the oracle below works out from the domain facts alone: memberships, key persons,
care teams, records and grants. The oracle knows nothing of guardian or of ``access.py``.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from children import services as children_services
from children.models import CareTeamMember, Child, NeedToKnowGrant, Record
from setting_records import access
from setting_records import services as staff_services
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from setting_records.models import Membership, Role, Setting, User

MANAGER, PRACTITIONER = Role.MANAGER.value, Role.PRACTITIONER.value
GENERAL, SENSITIVE = "general", "sensitive"


# The oracle: the rules, read straight off the domain facts.


# One row of ``QuerySet.values()``.
Row = Mapping[str, Any]


@dataclass(frozen=True)
class Facts:
    today: datetime.date
    users: dict[int, Row]  # pk -> {"username", "is_active", "is_superuser"}
    memberships: list[Row]  # user_id, setting_id, role, is_active
    children: list[Row]  # pk, setting_id, key_person_id
    care_team: set[tuple[int, int]]  # (child_id, user_id)
    records: list[Row]  # pk, child_id, sensitivity
    grants: list[Row]  # pk, grantee_id, child_id, record_id, revoked_at, expires_on


def read_facts() -> Facts:
    return Facts(
        today=timezone.localdate(),
        users={
            row["pk"]: row
            for row in User.objects.values("pk", "username", "is_active", "is_superuser")
        },
        memberships=list(Membership.objects.values("user_id", "setting_id", "role", "is_active")),
        children=list(Child.objects.values("pk", "first_name", "setting_id", "key_person_id")),
        care_team=set(CareTeamMember.objects.values_list("child_id", "user_id")),
        records=list(Record.objects.values("pk", "child_id", "sensitivity")),
        grants=list(
            NeedToKnowGrant.objects.values(
                "pk", "grantee_id", "child_id", "record_id", "revoked_at", "expires_on"
            )
        ),
    )


def expected_visibility(facts: Facts, user_id: int) -> tuple[set[int], set[int]]:
    """(child pks, record pks) the rules let this user see."""
    children: set[int] = set()
    records: set[int] = set()
    if not facts.users[user_id]["is_active"]:
        return children, records
    mine = [m for m in facts.memberships if m["user_id"] == user_id and m["is_active"]]
    staff_of = {m["setting_id"] for m in mine}
    manager_of = {m["setting_id"] for m in mine if m["role"] == MANAGER}
    for child in facts.children:
        if child["setting_id"] not in staff_of:
            continue
        its_records = [r for r in facts.records if r["child_id"] == child["pk"]]
        if child["setting_id"] in manager_of or child["key_person_id"] == user_id:
            children.add(child["pk"])
            records |= {r["pk"] for r in its_records}
        if (child["pk"], user_id) in facts.care_team:
            children.add(child["pk"])
            records |= {r["pk"] for r in its_records if r["sensitivity"] == GENERAL}
        for grant in facts.grants:
            if (
                grant["grantee_id"] == user_id
                and grant["child_id"] == child["pk"]
                and grant["revoked_at"] is None
                and grant["expires_on"] >= facts.today
            ):
                children.add(child["pk"])
                if grant["record_id"] is None:
                    records |= {r["pk"] for r in its_records}
                else:
                    records.add(grant["record_id"])
    return children, records


def describe(facts: Facts) -> str:
    """The world in a few lines, for a failing example."""
    name = {pk: row["username"] for pk, row in facts.users.items()}
    lines = []
    for pk, row in sorted(facts.users.items()):
        flags = [] if row["is_active"] else ["INACTIVE"]
        flags += ["superuser"] if row["is_superuser"] else []
        roles = [
            f"{m['role']}@S{m['setting_id']}" + ("" if m["is_active"] else "(ended)")
            for m in facts.memberships
            if m["user_id"] == pk
        ]
        lines.append(f"user {name[pk]} (pk {pk}) {' '.join(flags)}: {', '.join(roles) or '-'}")
    for child in facts.children:
        team = sorted(name[u] for c, u in facts.care_team if c == child["pk"])
        recs = [
            f"R{r['pk']}:{r['sensitivity']}" for r in facts.records if r["child_id"] == child["pk"]
        ]
        kp = name.get(child["key_person_id"], "-")
        lines.append(
            f"child C{child['pk']} @S{child['setting_id']} key person {kp}, care team {team}, "
            f"records {recs}"
        )
    for g in facts.grants:
        state = (
            "revoked"
            if g["revoked_at"]
            else ("expired" if g["expires_on"] < facts.today else "live")
        )
        scope = f"R{g['record_id']}" if g["record_id"] else "all records"
        lines.append(
            f"grant G{g['pk']} to {name[g['grantee_id']]}: C{g['child_id']} {scope}, {state}"
        )
    return "\n".join(lines)


def check_everyone(facts: Facts) -> None:
    for user in User.objects.order_by("pk"):
        want_children, want_records = expected_visibility(facts, user.pk)
        got_children = list(access.visible_children(user).values_list("pk", flat=True))
        got_records = list(access.visible_records(user).values_list("pk", flat=True))
        agree = sorted(got_children) == sorted(want_children)
        agree &= sorted(got_records) == sorted(want_records)
        if agree:  # describe() the world only for a failure
            continue
        context = f"user {user.username} (pk {user.pk}) in\n{describe(facts)}"
        assert len(got_children) == len(set(got_children)), f"duplicate children for {context}"
        assert len(got_records) == len(set(got_records)), f"duplicate records for {context}"
        assert set(got_children) == want_children, f"children differ for {context}"
        assert set(got_records) == want_records, f"records differ for {context}"


# Building worlds through the services.


def new_user(username: str, *, superuser: bool = False) -> User:
    if superuser:
        return User.objects.create_superuser(username=username, password=None, email="")
    return User.objects.create_user(username=username, password=None)


def fresh(model, pk):
    return model.objects.get(pk=pk)


def staff_ids(setting_id: int, roles=(MANAGER, PRACTITIONER)) -> list[int]:
    """Users the services accept as staff of a setting right now (for drawing, not judging)."""
    return list(
        Membership.objects.filter(
            setting_id=setting_id, is_active=True, user__is_active=True, role__in=roles
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def write_record(child: Child, actor: User, sensitivity: str, n: int) -> Record:
    return children_services.record_create(
        child=child,
        actor=actor,
        kind="observation",
        sensitivity=sensitivity,
        nature="fact" if n % 2 else "opinion",
        title=f"Entry {n}",
        body=f"Entry {n} about {child.first_name}.",
        occurred_at=timezone.now() - datetime.timedelta(days=n + 1),
        source="setting",
        third_party_name="",
        third_party_organisation="",
        third_party_role="",
    )


def expire(grant: NeedToKnowGrant, actor: User, days_ago: int) -> None:
    # The service refuses past dates, so a grant runs out the way time would make it.
    grant.expires_on = timezone.localdate() - datetime.timedelta(days=days_ago)
    save_as(grant, actor=actor, reason="Time passed", update_fields=["expires_on"])


def make_child(setting: Setting, manager: User, name: str, **kwargs) -> Child:
    today = timezone.localdate()
    return children_services.child_create(
        setting=setting,
        actor=manager,
        first_name=name,
        last_name="Test",
        date_of_birth=today - datetime.timedelta(days=3 * 365),
        started_on=today - datetime.timedelta(days=200),
        **kwargs,
    )


def build_world(data) -> dict:
    today = timezone.localdate()
    n_settings = data.draw(st.integers(1, 2), label="settings")
    settings_ = [
        Setting.objects.create(name=f"Setting {i}", ofsted_urn=f"EY9{i:05d}")
        for i in range(n_settings)
    ]

    n_staff = data.draw(st.integers(2, 6), label="staff")
    role_choice = st.sampled_from([None, MANAGER, PRACTITIONER])
    roles = [
        [data.draw(role_choice, label=f"role of staff{i} at S{s}") for s in range(n_settings)]
        for i in range(n_staff)
    ]
    builder_of = {}
    for s in range(n_settings):
        if not any(roles[i][s] == MANAGER for i in range(n_staff)):
            i = data.draw(st.integers(0, n_staff - 1), label=f"forced manager of S{s}")
            roles[i][s] = MANAGER
        builder_of[s] = next(i for i in range(n_staff) if roles[i][s] == MANAGER)

    staff = [new_user(f"staff{i}") for i in range(n_staff)]
    for i, user in enumerate(staff):
        for s, role in enumerate(roles[i]):
            if role is not None:
                staff_services.membership_add(
                    user=user, setting=settings_[s], role=role, actor=None
                )
    # Superusers get nothing extra (and nothing less): one is staff nowhere, one is a
    # practitioner of the first setting and may be drawn like anyone else.
    new_user("root", superuser=True)
    super_practitioner = new_user("superpractitioner", superuser=True)
    staff_services.membership_add(
        user=super_practitioner, setting=settings_[0], role=PRACTITIONER, actor=None
    )

    managers = {s: staff[builder_of[s]] for s in range(n_settings)}
    children: list[Child] = []
    record_count = 0
    for s, setting in enumerate(settings_):
        practitioners = staff_ids(setting.pk, (PRACTITIONER,))
        everyone = staff_ids(setting.pk)
        for k in range(data.draw(st.integers(1, 4), label=f"children at S{s}")):
            kp_id = data.draw(
                st.none() | st.sampled_from(practitioners) if practitioners else st.none(),
                label="kp",
            )
            team_ids = data.draw(st.lists(st.sampled_from(everyone), unique=True), label="team")
            child = make_child(
                setting,
                managers[s],
                f"Child{s}x{k}",
                key_person=fresh(User, kp_id) if kp_id else None,
                care_team=[fresh(User, pk) for pk in team_ids],
            )
            children.append(child)
            sensitivities = data.draw(
                st.lists(st.sampled_from([GENERAL, SENSITIVE]), max_size=4), label="records"
            )
            for sensitivity in sensitivities:
                record_count += 1
                write_record(child, managers[s], sensitivity, record_count)

    for _ in range(data.draw(st.integers(0, 3), label="grants")):
        child = data.draw(st.sampled_from(children), label="grant child")
        s = settings_.index(child.setting)
        grantee_id = data.draw(st.sampled_from(staff_ids(child.setting_id)), label="grantee")
        record_ids = list(child.records.order_by("pk").values_list("pk", flat=True))
        record_id = data.draw(st.none() | st.sampled_from(record_ids or [None]), label="scope")
        days = data.draw(st.sampled_from([0, 1, 30]), label="lasts (days from today)")
        grant = children_services.grant_give(
            child=child,
            grantee=fresh(User, grantee_id),
            record=fresh(Record, record_id) if record_id else None,
            reason="Needs to know",
            expires_on=today + datetime.timedelta(days=days),
            actor=managers[s],
        )
        fate = data.draw(st.sampled_from(["live", "revoked", "expired"]), label="grant fate")
        event(f"grant: {fate}, {'one record' if record_id else 'whole child'}")
        if fate == "revoked":
            children_services.grant_revoke(grant=grant, actor=managers[s], reason="No longer")
        elif fate == "expired":
            expire(grant, managers[s], data.draw(st.integers(1, 30), label="days ago"))

    return {"settings": settings_, "children": children, "actor": managers[0]}


CHANGES = ["key person", "care team", "end membership", "demote manager", "deactivate", "revoke"]
STAFF_CHANGES = {"end membership", "demote manager", "deactivate"}


def apply_change(data, world: dict, kind: str) -> str:
    """Apply one later change, drawn from what the services would accept now."""
    actor = fresh(User, world["actor"].pk)  # only named in history by these services
    if kind in {"key person", "care team"}:
        child = fresh(Child, data.draw(st.sampled_from(world["children"]), label="child").pk)
        if kind == "key person":
            options = [None, *staff_ids(child.setting_id, (PRACTITIONER,))]
            kp_id = data.draw(st.sampled_from(options), label="new key person")
            children_services.key_person_assign(
                child=child, key_person=fresh(User, kp_id) if kp_id else None, actor=actor
            )
            return f"key person of C{child.pk} -> {kp_id}"
        pool = staff_ids(child.setting_id)  # may be empty once everyone has left
        team = (
            data.draw(st.lists(st.sampled_from(pool), unique=True), label="new team")
            if pool
            else []
        )
        children_services.care_team_set(
            child=child, members=[fresh(User, pk) for pk in team], actor=actor
        )
        return f"care team of C{child.pk} -> {team}"
    if kind in {"end membership", "demote manager"}:
        active = Membership.objects.filter(is_active=True).order_by("pk")
        if kind == "demote manager":
            active = active.filter(role=MANAGER)
        memberships = list(active)
        if not memberships:
            return f"{kind}: nothing to do"
        # Leaving must end a live grant too: pick a grant holder's membership half the time.
        live = NeedToKnowGrant.objects.filter(
            revoked_at__isnull=True, expires_on__gte=timezone.localdate()
        )
        holding = set(live.values_list("grantee_id", "child__setting_id"))
        holders = [m for m in memberships if (m.user_id, m.setting_id) in holding]
        if (
            kind == "end membership"
            and holders
            and data.draw(st.booleans(), label="a grant holder leaves")
        ):
            memberships = holders
            event("change: a live grant's holder leaves")
        membership = data.draw(st.sampled_from(memberships), label="membership")
        if kind == "end membership":
            staff_services.membership_end(membership=membership, actor=actor)
        else:
            staff_services.membership_change_role(
                membership=membership, role=PRACTITIONER, actor=actor
            )
        return f"{kind}: user {membership.user_id} at S{membership.setting_id}"
    if kind == "deactivate":
        users = User.objects.filter(is_active=True, memberships__isnull=False).distinct()
        if not users:
            return "deactivate: nothing to do"
        user = data.draw(st.sampled_from(list(users.order_by("pk"))), label="user")
        staff_services.user_deactivate(user=user, actor=actor)
        return f"deactivate user {user.pk}"
    # Revoke: only a current manager of the child's setting may.
    grants = [
        g
        for g in NeedToKnowGrant.objects.filter(revoked_at__isnull=True).order_by("pk")
        if staff_ids(g.child.setting_id, (MANAGER,))
    ]
    if not grants:
        return "revoke: nothing to do"
    grant = data.draw(st.sampled_from(grants), label="grant to revoke")
    manager = fresh(User, staff_ids(grant.child.setting_id, (MANAGER,))[0])
    children_services.grant_revoke(grant=grant, actor=manager, reason="No longer needed")
    return f"revoke G{grant.pk}"


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_visible_children_and_records_follow_the_rules(data):
    with transaction.atomic():
        world = build_world(data)
        before = read_facts()
        note(f"built:\n{describe(before)}")
        check_everyone(before)

        for _ in range(data.draw(st.integers(0, 3), label="changes")):
            kind = data.draw(st.sampled_from(CHANGES), label="change")
            try:
                done = apply_change(data, world, kind)
            except WorkflowError as refused:
                # A setting keeps an active manager, and nobody deactivates themselves.
                if kind not in STAFF_CHANGES:
                    raise
                done = f"{kind}: refused ({refused})"
            note(done)
            event(f"change: {kind}" + (" (nothing to do)" if "nothing to do" in done else ""))
        after = read_facts()
        check_everyone(after)

        # Statistics only (pytest --hypothesis-show-statistics): did a change take access away?
        for pk in before.users:
            (children_before, records_before) = expected_visibility(before, pk)
            (children_after, records_after) = expected_visibility(after, pk)
            if children_before - children_after:
                event("a change took a child away from someone")
            elif records_before - records_after:
                event("a change took records (not the child) away from someone")
        transaction.set_rollback(True)


# The edge cases, by name.


def staff_member(setting: Setting, username: str, role: str = PRACTITIONER) -> User:
    user = new_user(username)
    staff_services.membership_add(user=user, setting=setting, role=role, actor=None)
    return user


def visible(user: User) -> tuple[set[int], set[int]]:
    user = fresh(User, user.pk)
    return (
        set(access.visible_children(user).values_list("pk", flat=True)),
        set(access.visible_records(user).values_list("pk", flat=True)),
    )


@pytest.fixture
def world(setting, manager):
    """One child with a general and a sensitive entry, written by the manager."""
    child = make_child(setting, manager, "Ada")
    general = write_record(child, manager, GENERAL, 1)
    sensitive = write_record(child, manager, SENSITIVE, 2)
    return child, general, sensitive


@pytest.mark.django_db
def test_former_key_person_sees_nothing_after_change(setting, manager, world):
    child, general, sensitive = world
    before, after = staff_member(setting, "before"), staff_member(setting, "after")
    children_services.key_person_assign(child=child, key_person=before, actor=manager)
    assert visible(before) == ({child.pk}, {general.pk, sensitive.pk})

    children_services.key_person_assign(
        child=fresh(Child, child.pk), key_person=after, actor=manager
    )

    assert visible(before) == (set(), set())
    assert visible(after) == ({child.pk}, {general.pk, sensitive.pk})


@pytest.mark.django_db
def test_care_team_sees_general_records_only(setting, manager, world):
    child, general, _sensitive = world
    member = staff_member(setting, "member")
    children_services.care_team_set(child=child, members=[member], actor=manager)
    assert visible(member) == ({child.pk}, {general.pk})


@pytest.mark.django_db
def test_expired_grant_shows_nothing(setting, manager, world):
    child, _general, _sensitive = world
    grantee = staff_member(setting, "grantee")
    grant = children_services.grant_give(
        child=child,
        grantee=grantee,
        reason="Supporting a referral",
        expires_on=timezone.localdate(),
        actor=manager,
    )
    assert visible(grantee)[0] == {child.pk}, "a grant works on its last day"

    expire(grant, manager, days_ago=1)

    assert visible(grantee) == (set(), set())


@pytest.mark.django_db
def test_record_grant_shows_only_that_record(setting, manager, world):
    child, _general, sensitive = world
    grantee = staff_member(setting, "grantee")
    children_services.grant_give(
        child=child,
        grantee=grantee,
        record=sensitive,
        reason="Preparing for a meeting",
        expires_on=timezone.localdate() + datetime.timedelta(days=7),
        actor=manager,
    )
    assert visible(grantee) == ({child.pk}, {sensitive.pk})


@pytest.mark.django_db
def test_grant_holder_who_leaves_sees_nothing(setting, manager, world):
    child, _general, _sensitive = world
    grantee = staff_member(setting, "grantee")
    children_services.grant_give(
        child=child,
        grantee=grantee,
        reason="Supporting a referral",
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
        actor=manager,
    )
    membership = Membership.objects.get(user=grantee, setting=setting)

    staff_services.membership_end(membership=membership, actor=manager)

    assert visible(grantee) == (set(), set()), "the grant is unexpired but its holder has left"


@pytest.mark.django_db
def test_leaver_sees_nothing_beside_a_deactivated_colleague(setting, manager, world):
    # Deactivating an account leaves its care-team places; the next colleague to leave must
    # still be able to go (and lose the child) while that stale place is there.
    child, _general, _sensitive = world
    colleague, leaver = staff_member(setting, "colleague"), staff_member(setting, "leaver")
    children_services.care_team_set(child=child, members=[colleague, leaver], actor=manager)
    staff_services.user_deactivate(user=colleague, actor=manager)

    staff_services.membership_end(
        membership=Membership.objects.get(user=leaver, setting=setting), actor=manager
    )

    assert visible(leaver) == (set(), set())
    assert visible(colleague) == (set(), set())


@pytest.mark.django_db
def test_superuser_sees_nothing_without_membership(superuser, world):
    assert visible(superuser) == (set(), set())


@pytest.mark.django_db
def test_superuser_practitioner_key_person_sees_child_like_anyone(setting, manager, world):
    child, general, sensitive = world
    root = new_user("superpractitioner", superuser=True)
    staff_services.membership_add(user=root, setting=setting, role=PRACTITIONER, actor=None)
    children_services.key_person_assign(child=child, key_person=root, actor=manager)
    assert visible(root) == ({child.pk}, {general.pk, sensitive.pk})
