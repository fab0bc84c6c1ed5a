"""The family register kept by the manager: correct a person or a connection, end a connection,
link a sibling's parent instead of entering them twice, and the banner and list mark of a court
order in force or an interpreter need."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from children import register, services
from children.models import CHILD_FIELDS, ChildPerson, Person, RestrictionType
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from tests.children.test_query_counts import CHILD_PAGE, FRAME, count_for

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)
TOMORROW = TODAY + datetime.timedelta(days=1)


def connection_data(**change) -> dict:
    return {
        "relationship": "mother",
        "has_parental_responsibility": "on",
        "pr_evidence": "birth_certificate",
        "pr_evidence_note": "Seen at registration",
        "restriction_type": "",
        "restriction_starts_on": "",
        "restriction_ends_on": "",
        "restriction": "",
        "lives_with_child": "on",
        "reason": "Corrected after the parents' evening",
    } | change


def person_data(**change) -> dict:
    return {
        "first_name": "Farah",
        "last_name": "Khan",
        "organisation": "",
        "email": "farah@example.org",
        "phone": "07700 900333",
        "address": "1 Oak Road",
        "preferred_language": "Urdu",
        "interpreter_needed": "on",
        "reason": "New phone number given at pick-up",
    } | change


def snapshot():
    return (
        list(ChildPerson.objects.order_by("pk").values()),
        list(Person.objects.order_by("pk").values()),
    )


@pytest.fixture
def sibling(setting, manager, register_entry, child):
    """Amara's brother Zayn, sharing Farah (already in Amara's register); his father is in his
    register only."""
    zayn = services.child_create(
        setting=setting,
        actor=manager,
        first_name="Zayn",
        last_name="Khan",
        date_of_birth=datetime.date(2021, 5, 1),
        started_on=datetime.date(2023, 9, 1),
    )
    services.connection_add(
        child=zayn,
        person=register_entry.person,
        relationship="mother",
        actor=manager,
        has_parental_responsibility=True,
        pr_evidence="birth_certificate",
    )
    services.connection_add(
        child=zayn,
        person=Person(first_name="Imran", last_name="Khan"),
        relationship="father",
        actor=manager,
        has_parental_responsibility=True,
        pr_evidence="birth_certificate",
    )
    return zayn


# Correcting a connection


def test_manager_corrects_a_connection_with_a_court_order(client, manager, register_entry):
    client.force_login(manager)
    response = client.post(
        f"/connections/{register_entry.pk}/edit/",
        connection_data(
            relationship="parent",
            restriction_type="non_molestation",
            restriction_starts_on="01/02/2025",
            restriction_ends_on=str(TOMORROW),
            restriction="Must not come within 100 metres of the nursery.",
        ),
    )
    assert response.status_code == 302
    register_entry.refresh_from_db()
    assert register_entry.relationship == "parent"
    assert register_entry.restriction_type == RestrictionType.NON_MOLESTATION
    assert register_entry.restriction_starts_on == datetime.date(2025, 2, 1)
    assert register_entry.is_restricted
    latest = register_entry.history.first()
    assert latest.history_change_reason == "Corrected after the parents' evening"
    assert latest.history_user == manager
    assert register_entry.history.count() == 2


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"restriction_type": "other"}, "restriction", "Say what the order forbids"),
        ({"restriction": "Must not collect"}, "restriction_type", "Choose the type"),
        ({"restriction_starts_on": str(TODAY)}, "restriction_type", "Choose the type"),
        (
            {
                "restriction_type": "prohibited_steps",
                "restriction": "Must not collect",
                "restriction_starts_on": str(TODAY),
                "restriction_ends_on": str(YESTERDAY),
            },
            "restriction_ends_on",
            "cannot end before it was made",
        ),
        ({"pr_evidence": ""}, "pr_evidence", "Record the evidence"),
        ({"has_parental_responsibility": ""}, "has_parental_responsibility", "tick parental"),
        ({"reason": " "}, "reason", "This field is required"),
        ({"restriction_starts_on": "31/02/2025"}, "restriction_starts_on", "a date such as"),
        (
            {
                "restriction_type": "prohibited_steps",
                "restriction": "Must not collect",
                "restriction_starts_on": str(TOMORROW),
            },
            "restriction_starts_on",
            "An order cannot have been made in the future.",
        ),
        ({"restriction_type": "banned"}, "restriction_type", "Select a valid choice"),
    ],
)
def test_a_bad_correction_is_shown_again_and_changes_nothing(
    client, manager, register_entry, change, field, message
):
    client.force_login(manager)
    before = snapshot()
    response = client.post(f"/connections/{register_entry.pk}/edit/", connection_data(**change))
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    # What was typed comes back, beside the error.
    assert response.context["form"]["reason"].value() == change.get(
        "reason", "Corrected after the parents' evening"
    )
    assert snapshot() == before


def test_a_correction_without_an_order_clears_its_dates_and_words(manager, register_entry):
    entry = register.connection_update(
        connection=register_entry,
        actor=manager,
        reason="Order recorded",
        restriction_type="other",
        restriction="Supervised contact only",
        restriction_ends_on=TOMORROW,
    )
    assert entry.is_restricted
    entry = register.connection_update(
        connection=entry, actor=manager, reason="Order discharged", restriction_type=""
    )
    entry.refresh_from_db()
    assert (entry.restriction, entry.restriction_ends_on) == ("", None)
    assert not entry.is_restricted


def test_only_the_settings_manager_corrects_the_register(othermanager, keyperson, register_entry):
    for actor in (othermanager, keyperson):
        with pytest.raises(WorkflowError, match="Only the setting's manager"):
            register.connection_update(
                connection=register_entry, actor=actor, reason="x", relationship="father"
            )
        with pytest.raises(WorkflowError, match="Only the setting's manager"):
            register.person_update(
                person=register_entry.person, actor=actor, reason="x", first_name="Hijacked"
            )
        with pytest.raises(WorkflowError, match="Only the setting's manager"):
            register.connection_end(connection=register_entry, actor=actor, reason="x")
    register_entry.refresh_from_db()
    assert register_entry.is_current
    assert register_entry.relationship == "mother"


# Correcting a person


def test_manager_corrects_a_persons_details(client, manager, register_entry):
    client.force_login(manager)
    response = client.post(f"/connections/{register_entry.pk}/person/", person_data())
    assert response.status_code == 302
    person = Person.objects.get(pk=register_entry.person_id)
    assert (person.phone, person.preferred_language, person.interpreter_needed) == (
        "07700 900333",
        "Urdu",
        True,
    )
    latest = person.history.first()
    assert latest.history_change_reason == "New phone number given at pick-up"
    assert latest.history_user == manager


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"first_name": "  "}, "first_name"),
        ({"email": "not an email"}, "email"),
        ({"reason": ""}, "reason"),
        ({"phone": "0" * 41}, "phone"),
    ],
)
def test_a_bad_persons_details_are_refused(client, manager, register_entry, change, field):
    client.force_login(manager)
    before = snapshot()
    response = client.post(f"/connections/{register_entry.pk}/person/", person_data(**change))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert snapshot() == before


def test_an_unchanged_person_leaves_no_history(manager, register_entry):
    person = register_entry.person
    rows = person.history.count()
    register.person_update(person=person, actor=manager, reason="Checked", first_name="Farah")
    assert person.history.count() == rows


# Ending a connection


def test_the_end_date_is_the_projects_uk_date_field(client, manager, register_entry):
    """``UKDateField``: the date picker, a UK date typed, and one plain message otherwise."""
    client.force_login(manager)
    form = client.get(f"/connections/{register_entry.pk}/end/").context["form"]
    assert form.fields["ended_on"].widget.input_type == "date"
    bad = client.post(
        f"/connections/{register_entry.pk}/end/", {"ended_on": "31/02/2025", "reason": "x"}
    )
    assert "Enter a date such as" in " ".join(bad.context["form"].errors["ended_on"])
    data = {"ended_on": f"{TODAY:%d/%m/%Y}", "reason": "Moved abroad"}
    assert client.post(f"/connections/{register_entry.pk}/end/", data).status_code == 302
    register_entry.refresh_from_db()
    assert register_entry.ended_on == TODAY


def test_manager_ends_a_connection_and_it_is_kept(client, manager, register_entry, child):
    client.force_login(manager)
    page = client.get(f"/connections/{register_entry.pk}/end/").content.decode()
    assert "End Farah Khan's connection" in page
    data = {"ended_on": str(TODAY), "reason": "Moved abroad"}
    assert client.post(f"/connections/{register_entry.pk}/end/", data).status_code == 302
    # A second click changes nothing.
    assert client.post(f"/connections/{register_entry.pk}/end/", data).status_code == 302
    register_entry.refresh_from_db()
    assert (register_entry.ended_on, register_entry.end_reason) == (TODAY, "Moved abroad")
    assert not register_entry.is_current
    assert register_entry.history.first().history_change_reason == "Connection ended: Moved abroad"
    assert register_entry.history.count() == 2
    assert not ChildPerson.objects.filter(child=child).current().exists()
    page = client.get(f"/children/{child.pk}/").content.decode()
    assert "Ended connections (1)" in page
    assert "Moved abroad" in page
    # An ended entry is kept as it was: its correction page sends back to the child.
    response = client.get(f"/connections/{register_entry.pk}/edit/")
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"ended_on": str(TOMORROW), "reason": "Moving next week"}, "ended_on"),
        ({"ended_on": str(TODAY), "reason": ""}, "reason"),
        ({"ended_on": "yesterday", "reason": "Moved"}, "ended_on"),
    ],
)
def test_a_connection_is_not_ended_without_a_reason_or_in_advance(
    client, manager, register_entry, data, field
):
    client.force_login(manager)
    response = client.post(f"/connections/{register_entry.pk}/end/", data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    register_entry.refresh_from_db()
    assert register_entry.is_current


def test_an_ended_connection_takes_no_statement(manager, register_entry, general_record):
    from children.statements import statement_record

    register.connection_end(connection=register_entry, actor=manager, reason="Moved")
    with pytest.raises(WorkflowError, match="not in this child's register"):
        statement_record(
            record=general_record,
            actor=manager,
            person=register_entry.person,
            made_on=TODAY,
            taken_how="meeting",
            words="My view",
        )


# Linking a sibling's parent


def test_the_form_offers_the_siblings_people_and_links_them(client, manager, child, sibling):
    client.force_login(manager)
    form = client.get(f"/children/{child.pk}/people/new/").context["form"]
    offered = list(form.fields["existing"].queryset)
    assert [str(p) for p in offered] == ["Imran Khan"]
    people = Person.objects.count()
    response = client.post(
        f"/children/{child.pk}/people/new/",
        {
            "existing": offered[0].pk,
            "relationship": "father",
            "has_parental_responsibility": "on",
            "pr_evidence": "birth_certificate",
        },
    )
    assert response.status_code == 302
    assert Person.objects.count() == people
    assert offered[0].connections.count() == 2
    # Now in Amara's register: no longer offered.
    assert "existing" not in client.get(f"/children/{child.pk}/people/new/").context["form"].fields


def test_a_family_member_is_offered_through_the_family(manager, setting, child):
    family = services.family_create(setting=setting, name="The Khan household", actor=manager)
    fields = {name: getattr(child, name) for name in CHILD_FIELDS}
    services.child_update(child=child, actor=manager, **(fields | {"family": family}))
    grandmother = Person(setting=setting, family=family, first_name="Noor", last_name="Khan")
    save_as(grandmother, actor=manager, reason="test")
    assert list(register.family_people(child)) == [grandmother]


def test_a_social_worker_links_no_families(manager, setting, child, register_entry):
    """A social worker connected to two unrelated children makes them no siblings: neither
    child's family is offered on the other's pages, nor refused there as a duplicate."""
    other = services.child_create(
        setting=setting,
        actor=manager,
        first_name="Leo",
        last_name="Jones",
        date_of_birth=datetime.date(2021, 2, 1),
        started_on=datetime.date(2023, 9, 1),
    )
    services.connection_add(
        child=other,
        person=Person(first_name="Mia", last_name="Jones"),
        relationship="mother",
        actor=manager,
        has_parental_responsibility=True,
        pr_evidence="birth_certificate",
    )
    worker = services.connection_add(
        child=child,
        person=Person(first_name="Sam", last_name="Reid", organisation="Council"),
        relationship="local_authority",
        actor=manager,
    ).person
    services.connection_add(
        child=other, person=worker, relationship="local_authority", actor=manager
    )
    assert list(register.family_people(child)) == []
    assert list(register.family_people(other)) == []
    assert register.duplicate_of(child, Person(first_name="Mia", last_name="Jones")) is None
    # A family relationship still links them, but only while the connection is current.
    mia = Person.objects.get(first_name="Mia")
    link = services.connection_add(
        child=child, person=mia, relationship="other_relative", actor=manager
    )
    assert [str(p) for p in register.family_people(other)] == ["Farah Khan"]
    register.connection_end(connection=link, actor=manager, reason="Not family after all")
    assert list(register.family_people(other)) == []


@pytest.mark.parametrize("typed", [("Imran", "Khan"), ("  imran ", "KHAN "), ("Farah", "khan")])
def test_entering_a_registered_person_again_is_refused(client, manager, child, sibling, typed):
    client.force_login(manager)
    before = snapshot()
    response = client.post(
        f"/children/{child.pk}/people/new/",
        {"first_name": typed[0], "last_name": typed[1], "relationship": "father"},
    )
    assert response.status_code == 200
    error = " ".join(response.context["form"].errors["first_name"])
    assert "already" in error
    assert ("choose them" in error) == (typed[0].strip().lower() == "imran")
    assert snapshot() == before


def test_a_double_submission_enters_one_person(client, manager, child):
    """The same new person sent twice: one Person, one entry; the second says why."""
    client.force_login(manager)
    data = {"first_name": "Ruth", "last_name": "Obi", "relationship": "grandparent"}
    first = client.post(f"/children/{child.pk}/people/new/", data)
    assert first.status_code == 302
    second = client.post(f"/children/{child.pk}/people/new/", data)
    assert second.status_code == 200
    assert "already in this child's register" in " ".join(
        second.context["form"].errors["first_name"]
    )
    assert Person.objects.filter(first_name="Ruth", last_name="Obi").count() == 1
    assert ChildPerson.objects.filter(child=child, person__first_name="Ruth").count() == 1


def test_a_clash_at_the_database_is_a_clear_refusal(manager, child, register_entry, monkeypatch):
    """Whatever slips past the checks and meets the database's one-entry rule is refused with
    a message, the register unchanged, never a 500."""
    monkeypatch.setattr(register, "duplicate_of", lambda child, person: None)
    before = snapshot()
    person = register_entry.person
    monkeypatch.setattr(
        ChildPerson.objects, "filter", lambda **kw: ChildPerson.objects.none(), raising=False
    )
    with pytest.raises(WorkflowError, match="already in Amara Khan's register"):
        services.connection_add(child=child, person=person, relationship="mother", actor=manager)
    monkeypatch.undo()
    assert snapshot() == before


def test_choosing_someone_and_typing_a_name_is_refused(client, manager, child, sibling):
    client.force_login(manager)
    imran = register.family_people(child).get()
    response = client.post(
        f"/children/{child.pk}/people/new/",
        {
            "existing": imran.pk,
            "first_name": "Imran",
            "last_name": "Khan",
            "relationship": "father",
        },
    )
    assert "not both" in " ".join(response.context["form"].errors["existing"])


def test_a_person_of_another_setting_cannot_be_linked(
    client, manager, child, othermanager, other_setting
):
    stranger = Person(setting=other_setting, first_name="Imran", last_name="Khan")
    save_as(stranger, actor=othermanager, reason="test")
    client.force_login(manager)
    response = client.post(
        f"/children/{child.pk}/people/new/", {"existing": stranger.pk, "relationship": "father"}
    )
    assert response.status_code == 200
    assert not stranger.connections.exists()
    with pytest.raises(WorkflowError, match="another setting"):
        services.connection_add(child=child, person=stranger, relationship="father", actor=manager)


# The banner and the list mark


def restrict(entry, manager, **dates):
    return register.connection_update(
        connection=entry,
        actor=manager,
        reason="Order received",
        restriction_type="prohibited_steps",
        restriction="Must not collect Amara.",
        **dates,
    )


@pytest.mark.parametrize("user", ["practitioner", "keyperson", "manager"])
def test_an_order_in_force_shows_to_everyone_who_sees_the_child(
    client, request, manager, child, register_entry, user
):
    restrict(register_entry, manager, restriction_starts_on=YESTERDAY)
    client.force_login(request.getfixturevalue(user))
    page = client.get(f"/children/{child.pk}/").content.decode()
    assert "Court order restriction:</strong> Farah Khan (mother): Prohibited steps order" in page
    listing = client.get("/children/").content.decode()
    assert "badge--court-order" in listing


@pytest.mark.parametrize(
    "dates",
    [
        {"restriction_starts_on": TOMORROW},
        {
            "restriction_starts_on": YESTERDAY - datetime.timedelta(days=30),
            "restriction_ends_on": YESTERDAY,
        },
    ],
)
def test_an_order_not_in_force_shows_no_banner(
    client, manager, practitioner, child, register_entry, dates
):
    # A future start is refused now, but may be in older rows.
    future = {name: day for name, day in dates.items() if day > TODAY}
    restrict(register_entry, manager, **{n: d for n, d in dates.items() if n not in future})
    ChildPerson.objects.filter(pk=register_entry.pk).update(**future)
    client.force_login(practitioner)
    page = client.get(f"/children/{child.pk}/").content.decode()
    assert "banner--danger" not in page
    assert "Court order not in force today" in page
    assert "badge--court-order" not in client.get("/children/").content.decode()


def test_an_ended_connection_keeps_its_order_in_force_but_not_its_interpreter(
    client, manager, practitioner, child, register_entry
):
    """A court order binds the person whatever their connection's state: ending the connection
    keeps the banner and the list mark while the order is in force (the interpreter need goes)."""
    restrict(register_entry, manager)
    register.person_update(
        person=register_entry.person, actor=manager, reason="x", interpreter_needed=True
    )
    client.force_login(practitioner)
    page = client.get(f"/children/{child.pk}/").content.decode()
    assert "banner--danger" in page
    assert "Interpreter needed" in page
    register.connection_end(connection=register_entry, actor=manager, reason="Moved")
    register_entry.refresh_from_db()
    assert register_entry.is_restricted
    assert ChildPerson.objects.restricted().filter(pk=register_entry.pk).exists()
    assert not ChildPerson.objects.unrestricted().filter(pk=register_entry.pk).exists()
    page = client.get(f"/children/{child.pk}/").content.decode()
    assert (
        "Court order restriction:</strong> Farah Khan (mother, connection ended): "
        "Prohibited steps order" in page
    )
    assert "Interpreter needed" not in page
    listing = client.get("/children/").content.decode()
    assert "badge--court-order" in listing
    assert ">Interpreter<" not in listing
    # Once the order's end date has passed, it shows nowhere.
    ChildPerson.objects.filter(pk=register_entry.pk).update(restriction_ends_on=YESTERDAY)
    assert "banner--danger" not in client.get(f"/children/{child.pk}/").content.decode()
    assert "badge--court-order" not in client.get("/children/").content.decode()


def test_an_interpreter_need_marks_the_list(client, manager, practitioner, register_entry):
    register.person_update(
        person=register_entry.person, actor=manager, reason="x", interpreter_needed=True
    )
    client.force_login(practitioner)
    assert ">Interpreter<" in client.get("/children/").content.decode()


def test_the_managers_register_links_are_for_the_manager(
    client, manager, keyperson, child, register_entry
):
    client.force_login(keyperson)
    assert (
        f"/connections/{register_entry.pk}/edit/"
        not in client.get(f"/children/{child.pk}/").content.decode()
    )
    client.force_login(manager)
    page = client.get(f"/children/{child.pk}/").content.decode()
    for action in ("edit", "person", "end"):
        assert f"/connections/{register_entry.pk}/{action}/" in page


# Query counts: the marks ride in the list's one query; the register is one query on the page.


def test_the_list_costs_the_same_with_marks(
    client, manager, keyperson, sibling, register_entry, django_assert_num_queries
):
    restrict(register_entry, manager)
    client.force_login(keyperson)
    # rooms for the filter, count of visible children, the page of children with their marks
    count_for(client, "/children/", django_assert_num_queries, FRAME + 3)


def test_the_child_page_costs_the_same_with_ended_connections(
    client,
    manager,
    keyperson,
    child,
    general_record,
    sibling,
    register_entry,
    django_assert_num_queries,
):
    restrict(register_entry, manager)
    services.connection_add(
        child=child,
        person=register.family_people(child).get(),
        relationship="father",
        actor=manager,
    )
    register.connection_end(connection=register_entry, actor=manager, reason="Moved")
    client.force_login(keyperson)
    # As tests/children/test_query_counts.py, with no disclosures in the sharing log.
    count_for(client, f"/children/{child.pk}/", django_assert_num_queries, FRAME + CHILD_PAGE + 1)


# The migration: a restriction entered as words alone keeps counting, as "other".


def test_the_migration_types_an_old_restriction(manager, register_entry):
    migration = importlib.import_module("children.migrations.0010_register_restriction_type")
    register_entry.restriction = "Old order, entered as words"
    save_as(register_entry, actor=manager, reason="test: as before the migration")
    migration.restrictions_typed(apps, None)
    register_entry.refresh_from_db()
    assert register_entry.restriction_type == RestrictionType.OTHER
    assert register_entry.is_restricted
    latest = register_entry.history.first()
    assert latest.restriction_type == RestrictionType.OTHER
    assert latest.history_change_reason == migration.REASON
