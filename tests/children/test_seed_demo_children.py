"""The demo that ``seed_demo`` builds: the roles the rest of the project relies on, and families,
records and grants of every kind the policy deals with."""

import datetime

import pytest
from django.db.models import Count
from django.utils import timezone

from children.models import (
    CareTeamMember,
    Child,
    ChildPerson,
    Family,
    NeedToKnowGrant,
    Person,
    PREvidence,
    Record,
    Relationship,
    Sensitivity,
    Source,
)
from setting_records import access
from setting_records.models import User

FIRST_SETTING = "Little Acorns Nursery"


@pytest.fixture
def demo(demo_files) -> dict[str, User]:
    # seed_demo runs once for this module (tests/conftest.py: seeded_demo); each test reads it
    # in its own savepoint.
    return {user.username: user for user in User.objects.all()}


def first_setting_children():
    return Child.objects.filter(setting__name=FIRST_SETTING)


def visible_at_first_setting(user: User):
    children = access.visible_children(user).filter(setting__name=FIRST_SETTING)
    records = access.visible_records(user).filter(child__setting__name=FIRST_SETTING)
    return children, records


def assert_roles_hold(users: dict[str, User]) -> None:
    children, records = visible_at_first_setting(users["outsider"])
    assert (children.count(), records.count()) == (0, 0)
    assert not CareTeamMember.objects.filter(user=users["outsider"]).exists()

    children, records = visible_at_first_setting(users["practitioner"])
    assert children.count() >= 3
    assert records.exists()
    assert set(records.values_list("sensitivity", flat=True)) == {Sensitivity.GENERAL}
    assert not Child.objects.filter(key_person=users["practitioner"]).exists()

    assert Child.objects.filter(key_person=users["keyperson"]).count() >= 4
    _, records = visible_at_first_setting(users["keyperson"])
    assert records.filter(sensitivity=Sensitivity.SENSITIVE).exists()

    children, records = visible_at_first_setting(users["othermanager"])
    assert (children.count(), records.count()) == (0, 0)

    for username in ("practitioner", "outsider"):
        assert not NeedToKnowGrant.objects.filter(grantee=users[username]).exists()

    staff = {users[name] for name in ("keyperson", "sam", "jo")}
    for child in first_setting_children().prefetch_related("care_team"):
        assert child.key_person in staff, child
        assert 1 <= len(child.care_team.all()) <= 3, child


def test_demo_roles_hold(demo):
    assert_roles_hold(demo)
    # The manager sees everything at their setting, sensitive entries included.
    children, records = visible_at_first_setting(demo["manager"])
    assert children.count() == first_setting_children().count() >= 10
    assert records.count() == Record.objects.filter(child__setting__name=FIRST_SETTING).count()


def test_othermanager_sees_only_the_second_settings_child(demo):
    children = access.visible_children(demo["othermanager"])
    assert [child.setting.name for child in children] == ["Riverside Pre-School"]


def test_demo_has_families_of_every_kind(demo):
    connections = ChildPerson.objects.filter(child__setting__name=FIRST_SETTING)
    restricted = connections.exclude(restriction="").get()
    assert "prohibited steps order" in restricted.restriction.lower()
    assert restricted.has_parental_responsibility
    # An order of a type, with the day it was made and its end date, in force today.
    assert restricted.restriction_type == "prohibited_steps"
    assert restricted.restriction_starts_on < timezone.localdate() < restricted.restriction_ends_on
    assert list(connections.restricted()) == [restricted]
    assert connections.current().filter(person__interpreter_needed=True).exists()

    local_authority = connections.get(relationship=Relationship.LOCAL_AUTHORITY)
    assert local_authority.has_parental_responsibility
    assert local_authority.pr_evidence == PREvidence.CARE_ORDER
    assert local_authority.person.organisation
    foster_child = local_authority.child
    assert connections.filter(
        child=foster_child,
        relationship=Relationship.FOSTER_CARER,
        has_parental_responsibility=False,
    ).exists()
    assert connections.filter(
        child=foster_child, relationship=Relationship.MOTHER, has_parental_responsibility=True
    ).exists()

    for relationship, evidence in [
        (Relationship.SPECIAL_GUARDIAN, PREvidence.SPECIAL_GUARDIANSHIP_ORDER),
        (Relationship.ADOPTIVE_PARENT, PREvidence.ADOPTION_ORDER),
    ]:
        assert connections.filter(
            relationship=relationship, has_parental_responsibility=True, pr_evidence=evidence
        ).exists(), relationship
    for relationship in (Relationship.GRANDPARENT, Relationship.STEP_PARENT):
        assert connections.filter(
            relationship=relationship, has_parental_responsibility=False
        ).exists(), relationship

    assert set(
        Person.objects.filter(interpreter_needed=True).values_list("preferred_language", flat=True)
    ) == {"Polish", "Urdu"}
    # Brothers and sisters share their parents' entries in the register.
    assert Family.objects.annotate(n=Count("children")).filter(n__gt=1).exists()
    shared = Person.objects.annotate(n=Count("connections")).filter(n__gt=1)
    assert shared.count() >= 2


def test_demo_records_are_varied_and_dated_sensibly(demo):
    records = Record.objects.filter(child__setting__name=FIRST_SETTING).select_related("child")
    assert {r.kind for r in records} >= {
        "observation",
        "progress",
        "wellbeing",
        "concern",
        "meeting_note",
        "incident",
    }
    assert {r.sensitivity for r in records} == {"general", "sensitive"}
    assert {r.nature for r in records} == {"fact", "opinion"}

    today, now = timezone.localdate(), timezone.now()
    for child in first_setting_children().annotate(n=Count("records")):
        assert 3 <= child.n <= 6, child
        assert today - datetime.timedelta(days=4 * 366) < child.date_of_birth < today
        assert child.date_of_birth < child.started_on <= today
    left = first_setting_children().get(left_on__isnull=False)
    assert left.has_left
    for record in records:
        assert record.author in (record.child.key_person, demo["manager"]), record
        assert record.child.started_on <= timezone.localdate(record.occurred_at), record
        assert record.occurred_at < now
        if record.child.left_on:
            assert timezone.localdate(record.occurred_at) <= record.child.left_on, record


def test_demo_has_third_party_entries_in_every_check_state(demo):
    third_party = Record.objects.filter(source=Source.THIRD_PARTY)
    answers = {
        r.third_party_role: (
            r.sharer_confidential,
            r.subject_confidential,
            r.third_party_confidential,
        )
        for r in third_party
    }
    assert answers == {
        "Reception teacher": (None, None, None),  # not checked yet
        "Audiologist": (False, None, None),  # the sharer answered only
        "Speech and language therapist": (False, False, False),  # both open
        "Social worker": (True, False, True),  # confidential for the sharer
        "Support worker": (False, True, True),  # confidential for the person it is about
        "Health visitor": (True, True, True),
    }
    # Every answer given names who checked and when; a missing one names nobody.
    for record in third_party:
        for party in ("sharer", "subject"):
            answered = getattr(record, f"{party}_confidential") is not None
            assert (getattr(record, f"{party}_checked_by_id") is not None) == answered
            assert (getattr(record, f"{party}_checked_at") is not None) == answered


def test_demo_has_grants_in_every_state(demo):
    grants = NeedToKnowGrant.objects.select_related("child", "grantee")
    statuses = [g.status for g in grants]
    assert sorted(statuses) == ["active", "active", "expired", "revoked"]

    senco = grants.get(grantee=demo["sam"], record__isnull=True)
    assert senco.is_active
    assert senco.child.key_person != demo["sam"]
    assert senco.child in access.visible_children(demo["sam"])

    one_entry = grants.get(record__isnull=False)
    assert one_entry.grantee == demo["jo"]
    assert one_entry.is_active
    jo_records = access.visible_records(demo["jo"]).filter(child=one_entry.child)
    assert list(jo_records) == [one_entry.record]

    # Run out or taken back, a grant shows nothing more than its holder's own role allows.
    expired = grants.get(expires_on__lt=timezone.localdate())
    assert expired.child.records.filter(sensitivity=Sensitivity.SENSITIVE).exists()
    assert not access.visible_records(expired.grantee).filter(
        child=expired.child, sensitivity=Sensitivity.SENSITIVE
    )
    revoked = grants.get(revoked_at__isnull=False)
    assert revoked.revoked_by == demo["manager"]
    assert revoked.child not in access.visible_children(revoked.grantee)


def test_every_change_in_the_demo_names_who_made_it(demo):
    for model in (Child, CareTeamMember, Family, Person, ChildPerson, Record, NeedToKnowGrant):
        assert model.history.exists(), model
        assert not model.history.filter(history_user_id__isnull=True).exists(), model


def test_the_demo_has_parents_statements_one_replaced_by_a_correction(demo):
    from children.models import ParentStatement
    from setting_records.models import AccessAction, AccessLogEntry

    # Those recorded at the time, when an entry was discussed with a parent; the correction
    # request kept as opinion adds its own (tests/setting_records/test_seed_demo.py).
    statements = list(
        ParentStatement.objects.filter(rectification__isnull=True)
        .select_related("record", "person", "supersedes")
        .order_by("pk")
    )
    assert len(statements) == 3
    assert {s.record.child.first_name for s in statements} == {"Amelia"}
    assert all(s.person is not None for s in statements)
    assert all(
        s.person.connections.get(child=s.record.child).has_parental_responsibility
        for s in statements
    )
    [correction] = [s for s in statements if s.supersedes_id]
    assert correction.supersedes.record == correction.record
    assert correction.record.nature == "opinion"
    # Through the service: each is in the access log and in history with who recorded it.
    assert (
        AccessLogEntry.objects.filter(action=AccessAction.STATEMENT_RECORDED).count()
        == ParentStatement.objects.count()
    )
    assert all(s.history.get().history_user_id == s.recorded_by_id for s in statements)
