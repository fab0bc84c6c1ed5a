"""The manager adds children, edits their details and keeps the family register."""

import datetime

import pytest

from children.models import CHILD_FIELDS, Child, ChildPerson


def child_data(**change):
    return {
        "first_name": "Isla",
        "last_name": "Murray",
        "known_as": "",
        "date_of_birth": "2023-06-01",
        "started_on": "2024-09-02",
        "left_on": "",
        "room": "",
        "family": "",
        "new_family": "The Murray household",
    } | change


def test_manager_adds_a_child_with_a_new_family(client, manager, setting):
    client.force_login(manager)
    response = client.post("/children/new/", child_data())
    child = Child.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/children/{child.pk}/team/"
    assert child.setting == setting
    assert child.family.name == "The Murray household"
    assert child.history.get().history_user == manager


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"date_of_birth": "2099-01-01"}, "The date of birth is in the future"),
        ({"started_on": "2020-01-01"}, "cannot start before they are born"),
        ({"left_on": "2024-01-01"}, "The leaving date is before the start date"),
        ({"first_name": ""}, "This field is required"),
        ({"date_of_birth": "31/02/2023"}, "Enter a valid date"),
    ],
)
def test_bad_child_details_are_explained_and_nothing_is_saved(
    client, manager, setting, change, message
):
    client.force_login(manager)
    response = client.post("/children/new/", child_data(**change))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Child.objects.exists()


def test_family_or_new_family_not_both(client, manager, setting):
    from children import services

    family = services.family_create(setting=setting, name="Existing", actor=manager)
    client.force_login(manager)
    response = client.post("/children/new/", child_data(family=family.pk))
    assert "Choose a family or name a new one, not both" in response.content.decode()
    assert not Child.objects.exists()


def test_room_of_another_setting_is_refused(client, manager, other_setting, othermanager):
    from children.models import Room
    from setting_records.history import save_as

    other_room = Room(setting=other_setting, name="Elsewhere")
    save_as(other_room, actor=othermanager)
    client.force_login(manager)
    response = client.post("/children/new/", child_data(room=other_room.pk))
    assert "Select a valid choice" in response.content.decode()
    assert not Child.objects.exists()


def test_manager_edits_details_with_history(client, manager, child):
    client.force_login(manager)
    data = child_data(
        first_name="Amara",
        last_name="Khan-Ali",
        date_of_birth="2023-03-14",
        started_on="2024-09-02",
        new_family="",
    )
    assert client.post(f"/children/{child.pk}/edit/", data).status_code == 302
    child.refresh_from_db()
    assert child.last_name == "Khan-Ali"
    assert child.history.first().history_change_reason == "Details changed"


def test_register_entry_with_parental_responsibility_needs_evidence(client, manager, child):
    client.force_login(manager)
    data = {
        "first_name": "Farah",
        "last_name": "Khan",
        "relationship": "mother",
        "has_parental_responsibility": "on",
        "pr_evidence": "",
    }
    response = client.post(f"/children/{child.pk}/people/new/", data)
    assert "Record the evidence of parental responsibility" in response.content.decode()
    assert not ChildPerson.objects.exists()

    data["pr_evidence"] = "birth_certificate"
    data["restriction"] = ""
    assert client.post(f"/children/{child.pk}/people/new/", data).status_code == 302
    connection = ChildPerson.objects.get()
    assert connection.has_parental_responsibility
    assert connection.person.setting == child.setting


def test_register_shows_court_order_restrictions(client, keyperson, manager, child):
    client.force_login(manager)
    client.post(
        f"/children/{child.pk}/people/new/",
        {
            "first_name": "Dan",
            "last_name": "Khan",
            "relationship": "father",
            "has_parental_responsibility": "on",
            "pr_evidence": "birth_certificate",
            "restriction_type": "prohibited_steps",
            "restriction": "Prohibited steps order, 3 March 2025: must not collect Amara.",
        },
    )
    client.force_login(keyperson)
    page = client.get(f"/children/{child.pk}/").content.decode()
    assert "Court order restriction" in page
    assert "must not collect Amara" in page


def test_leaving_date_shows_as_left(client, manager, child):
    from children import services

    services.child_update(
        child=child,
        actor=manager,
        **{name: getattr(child, name) for name in CHILD_FIELDS if name != "left_on"},
        left_on=datetime.date(2025, 7, 18),
    )
    client.force_login(manager)
    assert "Left" in client.get("/children/").content.decode()
