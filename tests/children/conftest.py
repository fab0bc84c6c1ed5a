import datetime

import pytest
from django.utils import timezone

from children import services as children_services
from children import sharing as sharing_services
from children.models import Person, Room
from setting_records.history import save_as
from setting_records.models import Role
from tests.conftest import make_staff


def write(child, author, sensitivity="general", title=None, **extra):
    fields = {
        "kind": "observation",
        "sensitivity": sensitivity,
        "nature": "fact",
        "title": title or f"A {sensitivity} entry",
        "body": f"Body of a {sensitivity} entry about {child}.",
        "occurred_at": timezone.now() - datetime.timedelta(days=1),
        "source": "setting",
        "third_party_name": "",
        "third_party_organisation": "",
        "third_party_role": "",
    }
    return children_services.record_create(child=child, actor=author, **(fields | extra))


@pytest.fixture
def room(setting, manager):
    room = Room(setting=setting, name="Toddlers")
    save_as(room, actor=manager)
    return room


@pytest.fixture
def keyperson(setting):
    # keyperson is the child's key person: sees the child and all its records.
    return make_staff(setting, "keyperson")


@pytest.fixture
def former_keyperson(setting):
    # former_keyperson was the child's key person until replaced: sees nothing of it now.
    return make_staff(setting, "formerkp")


@pytest.fixture
def grant_holder(setting):
    # grant_holder (the SENCo) was given need-to-know access to all of the child's records.
    return make_staff(setting, "senco")


@pytest.fixture
def record_grant_holder(setting):
    # record_grant_holder may see the one sensitive entry named in their grant, nothing more.
    return make_staff(setting, "recordgrant")


@pytest.fixture
def expired_grant_holder(setting):
    # expired_grant_holder's grant ran out yesterday: sees nothing.
    return make_staff(setting, "expired")


@pytest.fixture
def revoked_grant_holder(setting):
    # revoked_grant_holder's grant was withdrawn: sees nothing.
    return make_staff(setting, "revoked")


@pytest.fixture
def child(setting, manager, keyperson, former_keyperson, practitioner, room):
    child = children_services.child_create(
        setting=setting,
        actor=manager,
        key_person=former_keyperson,
        care_team=[practitioner],
        first_name="Amara",
        last_name="Khan",
        known_as="Mara",
        date_of_birth=datetime.date(2023, 3, 14),
        started_on=datetime.date(2024, 9, 2),
        room=room,
    )
    children_services.key_person_assign(child=child, key_person=keyperson, actor=manager)
    return child


@pytest.fixture
def register_entry(child, manager):
    # register_entry: Amara's mother, with parental responsibility, in Amara's register.
    return children_services.connection_add(
        child=child,
        person=Person(first_name="Farah", last_name="Khan", phone="07700 900222"),
        relationship="mother",
        actor=manager,
        has_parental_responsibility=True,
        pr_evidence="birth_certificate",
    )


@pytest.fixture
def general_record(child, keyperson):
    return write(child, keyperson, "general", title="Built a tall tower")


@pytest.fixture
def sensitive_record(child, keyperson):
    return write(child, keyperson, "sensitive", title="Bruise noticed on arrival", kind="concern")


@pytest.fixture
def grants(
    child,
    manager,
    sensitive_record,
    grant_holder,
    record_grant_holder,
    expired_grant_holder,
    revoked_grant_holder,
):
    today = timezone.localdate()
    give = {"child": child, "actor": manager, "reason": "Needs to know"}
    active = children_services.grant_give(
        grantee=grant_holder, expires_on=today + datetime.timedelta(days=30), **give
    )
    one = children_services.grant_give(
        grantee=record_grant_holder,
        record=sensitive_record,
        expires_on=today + datetime.timedelta(days=7),
        **give,
    )
    expired = children_services.grant_give(grantee=expired_grant_holder, expires_on=today, **give)
    expired.expires_on = today - datetime.timedelta(days=1)
    save_as(expired, actor=manager, reason="test: time passes")
    revoked = children_services.grant_give(
        grantee=revoked_grant_holder, expires_on=today + datetime.timedelta(days=30), **give
    )
    children_services.grant_revoke(grant=revoked, actor=manager, reason="No longer involved")
    return {"active": active, "record": one, "expired": expired, "revoked": revoked}


@pytest.fixture
def other_child(other_setting, othermanager):
    # A child of the other setting: nobody here may see it.
    other_keyperson = make_staff(other_setting, "otherkp", Role.PRACTITIONER)
    return children_services.child_create(
        setting=other_setting,
        actor=othermanager,
        key_person=other_keyperson,
        first_name="Ben",
        last_name="Jones",
        date_of_birth=datetime.date(2022, 5, 1),
        started_on=datetime.date(2023, 9, 1),
    )


def share(child, actor, entries=(), **extra):
    """Record a disclosure of ``entries`` about ``child`` through the service: shared with a
    social worker by secure email under a legal obligation, with consent, unless told otherwise."""
    fields = {
        "decision": "shared",
        "decided_on": timezone.localdate() - datetime.timedelta(days=1),
        "decided_by": actor,
        "recipient_organisation": "Children's social care",
        "recipient_name": "Sarah Whitfield",
        "recipient_role": "Social worker",
        "summary": "",
        "entries": list(entries),
        "purpose": "Child protection enquiry",
        "lawful_basis": "legal_obligation",
        "consent": "given",
        "framework": "referral",
        "method": "secure_email",
    }
    return sharing_services.sharing_record(child=child, actor=actor, **(fields | extra))


@pytest.fixture
def sharing(child, manager, sensitive_record):
    # One disclosure of the sensitive entry: seen by the manager and the key person only.
    return share(child, manager, [sensitive_record])
