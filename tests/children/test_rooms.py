"""The rooms pages (/rooms/): adding, renaming, closing, reopening rooms and moving children,
who sees what, and the child form offering open rooms only."""

import datetime

import pytest
from django.utils import timezone

from children import rooms
from children import services as children_services
from children.forms import ChildForm
from children.models import Child, Room
from setting_records.errors import WorkflowError
from setting_records.models import Role
from setting_records.services import membership_add
from tests.children.test_query_counts import FRAME


@pytest.fixture
def babies(setting, manager):
    return rooms.room_create(setting=setting, name="Babies", actor=manager)


@pytest.fixture
def other_room(other_setting, othermanager):
    return rooms.room_create(setting=other_setting, name="Rainbows", actor=othermanager)


@pytest.fixture
def second_child(setting, manager, room):
    # In the Toddlers room, in nobody's care but the manager's.
    return children_services.child_create(
        setting=setting,
        actor=manager,
        first_name="Noah",
        last_name="Patel",
        date_of_birth=datetime.date(2023, 6, 1),
        started_on=datetime.date(2024, 9, 2),
        room=room,
    )


def reasons(obj):
    return [row.history_change_reason for row in obj.history.order_by("history_id")]


# Adding


def test_manager_adds_a_room(client, manager):
    client.force_login(manager)
    response = client.post("/rooms/new/", {"name": "  Pre-school  "})
    assert response.status_code == 302
    assert response["Location"] == "/rooms/"
    room = Room.objects.get(name="Pre-school")
    assert room.setting == manager.memberships.get().setting
    assert room.closed_on is None
    assert reasons(room) == ["Room added"]
    assert room.history.get().history_user_id == manager.pk


@pytest.mark.parametrize("name", ["Toddlers", "toddlers", " TODDLERS "])
def test_a_name_taken_in_any_case_is_refused_beside_the_field(client, manager, room, name):
    client.force_login(manager)
    response = client.post("/rooms/new/", {"name": name})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["name"] == [f"There is already a room called “{name.strip()}”."]
    assert form["name"].value() == name
    assert Room.objects.count() == 1


def test_an_empty_name_is_refused(client, manager):
    client.force_login(manager)
    response = client.post("/rooms/new/", {"name": "   "})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert not Room.objects.exists()


def test_the_same_name_may_be_used_at_another_setting(manager, othermanager, other_setting, room):
    other = rooms.room_create(setting=other_setting, name="toddlers", actor=othermanager)
    assert other.name == "toddlers"


def test_a_manager_cannot_add_a_room_to_another_setting(manager, other_setting):
    with pytest.raises(WorkflowError):
        rooms.room_create(setting=other_setting, name="Sneaky", actor=manager)
    assert not Room.objects.exists()


def test_a_manager_of_two_settings_chooses_which_a_room_is_for(
    client, manager, other_setting, setting
):
    membership_add(user=manager, setting=other_setting, role=Role.MANAGER, actor=None)
    client.force_login(manager)
    page = client.get("/rooms/new/").content.decode()
    assert 'name="setting"' in page
    assert other_setting.name in page
    # Not chosen: asked again, beside the field, nothing added.
    response = client.post("/rooms/new/", {"name": "Garden"})
    assert response.status_code == 200
    assert response.context["form"].errors["setting"]
    assert not Room.objects.filter(name="Garden").exists()
    response = client.post("/rooms/new/", {"name": "Garden", "setting": other_setting.pk})
    assert response.status_code == 302
    assert Room.objects.get(name="Garden").setting == other_setting


def test_practitioner_may_not_add_a_room(client, practitioner):
    client.force_login(practitioner)
    assert client.post("/rooms/new/", {"name": "Mine"}).status_code == 403
    assert not Room.objects.exists()


# Renaming


def test_manager_renames_a_room(client, manager, room, child):
    client.force_login(manager)
    response = client.post(f"/rooms/{room.pk}/rename/", {"name": "Little Explorers"})
    assert response.status_code == 302
    room.refresh_from_db()
    assert room.name == "Little Explorers"
    assert reasons(room)[-1] == "Renamed from “Toddlers”"
    # The child's record names the room by its new name.
    assert "Little Explorers" in client.get(f"/children/{child.pk}/").content.decode()


def test_rename_to_another_rooms_name_is_refused(client, manager, room, babies):
    client.force_login(manager)
    response = client.post(f"/rooms/{babies.pk}/rename/", {"name": "TODDLERS"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["There is already a room called “TODDLERS”."]
    babies.refresh_from_db()
    assert babies.name == "Babies"


def test_a_room_may_change_the_case_of_its_own_name(manager, room):
    rooms.room_rename(room=room, name="TODDLERS", actor=manager)
    room.refresh_from_db()
    assert room.name == "TODDLERS"


def test_renaming_to_the_same_name_writes_nothing(manager, room):
    before = room.history.count()
    rooms.room_rename(room=room, name="Toddlers", actor=manager)
    assert room.history.count() == before


# Closing and reopening


def test_closing_a_room_with_children_offers_the_move_first(client, manager, room, child):
    client.force_login(manager)
    page = client.get(f"/rooms/{room.pk}/close/")
    assert page.status_code == 200
    assert page.context["children"] == [child]
    assert f'href="/rooms/{room.pk}/move/"' in page.content.decode()
    response = client.post(f"/rooms/{room.pk}/close/")
    assert response.status_code == 200
    assert response.context["error"] == "Move the children in this room to another room first."
    room.refresh_from_db()
    assert room.closed_on is None


def test_manager_closes_an_empty_room_and_reopens_it(client, manager, babies):
    client.force_login(manager)
    assert client.get(f"/rooms/{babies.pk}/close/").status_code == 200
    assert client.post(f"/rooms/{babies.pk}/close/").status_code == 302
    babies.refresh_from_db()
    assert babies.closed_on == timezone.localdate()
    # A second click changes nothing.
    assert client.post(f"/rooms/{babies.pk}/close/").status_code == 302
    assert reasons(babies) == ["Room added", "Room closed"]
    assert client.get(f"/rooms/{babies.pk}/reopen/").status_code == 200
    assert client.post(f"/rooms/{babies.pk}/reopen/").status_code == 302
    assert client.post(f"/rooms/{babies.pk}/reopen/").status_code == 302
    babies.refresh_from_db()
    assert babies.closed_on is None
    assert reasons(babies) == ["Room added", "Room closed", "Room reopened"]


def test_a_child_who_left_does_not_hold_a_room_open(manager, room, child):
    child.left_on = timezone.localdate()
    child.save()
    rooms.room_close(room=room, actor=manager)
    room.refresh_from_db()
    child.refresh_from_db()
    assert room.closed_on is not None
    # The leaver's record still names the room.
    assert child.room == room


def test_close_and_reopen_need_a_post(client, manager, babies):
    client.force_login(manager)
    client.get(f"/rooms/{babies.pk}/close/")
    babies.refresh_from_db()
    assert babies.closed_on is None
    assert client.put(f"/rooms/{babies.pk}/close/").status_code == 405


# Moving children


def test_manager_moves_children_to_another_room(client, manager, room, babies, child, second_child):
    client.force_login(manager)
    page = client.get(f"/rooms/{room.pk}/move/")
    form = page.context["form"]
    assert list(form.fields["children"].queryset) == [child, second_child]
    assert list(form.fields["to_room"].queryset) == [babies]
    response = client.post(
        f"/rooms/{room.pk}/move/", {"children": [child.pk], "to_room": babies.pk}
    )
    assert response.status_code == 302
    child.refresh_from_db()
    second_child.refresh_from_db()
    assert child.room == babies
    assert second_child.room == room
    last = child.history.latest("history_id")
    assert last.history_change_reason == "Moved from Toddlers to Babies"
    assert last.history_user_id == manager.pk
    # The same post again (a double click): shown again with a message, nothing changed.
    before = child.history.count()
    again = client.post(f"/rooms/{room.pk}/move/", {"children": [child.pk], "to_room": babies.pk})
    assert again.status_code == 200
    assert again.context["form"].errors["children"] == [
        "One of the children chosen is no longer in this room."
    ]
    assert child.history.count() == before


def test_move_needs_children_and_a_room(client, manager, room, babies, child):
    client.force_login(manager)
    response = client.post(f"/rooms/{room.pk}/move/", {})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["children"] == ["Choose at least one child to move."]
    assert "to_room" in errors


def test_move_to_a_closed_or_another_settings_room_is_refused(
    client, manager, room, babies, child, other_room
):
    rooms.room_close(room=babies, actor=manager)
    client.force_login(manager)
    for target in (babies, other_room, room):
        response = client.post(
            f"/rooms/{room.pk}/move/", {"children": [child.pk], "to_room": target.pk}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["to_room"] == [
            "Choose one of the open rooms listed."
        ]
    child.refresh_from_db()
    assert child.room == room


def test_move_service_refuses_a_closed_room(manager, room, babies, child):
    rooms.room_close(room=babies, actor=manager)
    with pytest.raises(WorkflowError, match="closed"):
        rooms.children_move(children=[child], from_room=room, to_room=babies, actor=manager)


def test_move_service_refuses_a_child_of_another_room(manager, room, babies, child):
    with pytest.raises(WorkflowError, match="is not in Babies"):
        rooms.children_move(children=[child], from_room=babies, to_room=room, actor=manager)


def test_a_practitioner_may_not_move_children(practitioner, room, babies, child):
    with pytest.raises(WorkflowError):
        rooms.children_move(children=[child], from_room=room, to_room=babies, actor=practitioner)


# Who sees what


def test_practitioner_sees_only_the_children_in_their_care(
    client, practitioner, room, child, second_child, babies
):
    client.force_login(practitioner)
    response = client.get("/rooms/")
    assert response.status_code == 200
    listed = {r.name: r.in_care for r in response.context["rooms"]}
    assert listed == {"Babies": [], "Toddlers": [child]}
    body = response.content.decode()
    assert "Patel" not in body
    assert "/rename/" not in body
    assert "Add a room" not in body


def test_outsider_sees_the_rooms_but_no_child(client, outsider, room, child):
    client.force_login(outsider)
    response = client.get("/rooms/")
    assert [r.in_care for r in response.context["rooms"]] == [[]]
    assert "Khan" not in response.content.decode()


def test_manager_sees_every_child_and_the_actions(client, manager, room, child, second_child):
    client.force_login(manager)
    response = client.get("/rooms/")
    assert response.context["rooms"][0].in_care == [child, second_child]
    body = response.content.decode()
    for action in ("rename", "move", "close"):
        assert f'href="/rooms/{room.pk}/{action}/"' in body


def test_leavers_are_not_listed(client, manager, room, child):
    child.left_on = timezone.localdate()
    child.save()
    client.force_login(manager)
    assert client.get("/rooms/").context["rooms"][0].in_care == []


def test_another_settings_rooms_are_not_listed_and_are_404(client, manager, room, other_room):
    client.force_login(manager)
    assert [r.name for r in client.get("/rooms/").context["rooms"]] == ["Toddlers"]
    for action in ("rename", "move", "close", "reopen"):
        assert client.get(f"/rooms/{other_room.pk}/{action}/").status_code == 404
        assert client.post(f"/rooms/{other_room.pk}/{action}/", {"name": "x"}).status_code == 404
    other_room.refresh_from_db()
    assert other_room.name == "Rainbows"
    assert other_room.closed_on is None


# The child form


def test_child_form_offers_only_open_rooms(client, manager, room, babies, child):
    rooms.room_close(room=babies, actor=manager)
    client.force_login(manager)
    offered = client.get("/children/new/").context["form"].fields["room"].queryset
    assert list(offered) == [room]
    offered = client.get(f"/children/{child.pk}/edit/").context["form"].fields["room"].queryset
    assert list(offered) == [room]


def test_child_form_refuses_a_closed_room(client, manager, room, babies, child):
    rooms.room_close(room=babies, actor=manager)
    client.force_login(manager)
    response = client.post(
        f"/children/{child.pk}/edit/",
        {
            "first_name": "Amara",
            "last_name": "Khan",
            "date_of_birth": "2023-03-14",
            "started_on": "2024-09-02",
            "room": babies.pk,
        },
    )
    assert response.status_code == 200
    assert "room" in response.context["form"].errors
    assert Child.objects.get(pk=child.pk).room == room


def test_child_service_refuses_a_closed_room(manager, setting, babies):
    rooms.room_close(room=babies, actor=manager)
    with pytest.raises(WorkflowError, match="closed"):
        children_services.child_create(
            setting=setting,
            actor=manager,
            first_name="Late",
            last_name="Comer",
            date_of_birth=datetime.date(2023, 1, 1),
            started_on=datetime.date(2024, 1, 1),
            room=babies,
        )


def test_a_leaver_keeps_their_closed_room_when_edited(manager, room, babies, child):
    child.left_on = timezone.localdate()
    child.save()
    rooms.room_close(room=room, actor=manager)
    form = ChildForm(instance=child, setting=child.setting)
    assert set(form.fields["room"].queryset) == {room, babies}
    children_services.child_update(
        child=child,
        actor=manager,
        **{name: getattr(child, name) for name in children_services.CHILD_FIELDS},
    )
    child.refresh_from_db()
    assert child.room == room


# Query counts


def test_room_list_queries(
    client, manager, room, babies, child, second_child, django_assert_num_queries
):
    client.force_login(manager)
    client.get("/rooms/")
    # managed settings, rooms with their setting, the visible children in rooms
    with django_assert_num_queries(FRAME + 3):
        response = client.get("/rooms/")
    assert response.status_code == 200


def test_room_list_queries_do_not_grow(
    client, manager, setting, room, child, django_assert_num_queries
):
    for index in range(10):
        extra = rooms.room_create(setting=setting, name=f"Room {index}", actor=manager)
        children_services.child_create(
            setting=setting,
            actor=manager,
            first_name=f"Child{index}",
            last_name="Extra",
            date_of_birth=datetime.date(2023, 1, 1),
            started_on=datetime.date(2024, 1, 1),
            room=extra,
        )
    client.force_login(manager)
    client.get("/rooms/")
    with django_assert_num_queries(FRAME + 3):
        client.get("/rooms/")


def test_move_page_queries(client, manager, room, babies, child, django_assert_num_queries):
    client.force_login(manager)
    url = f"/rooms/{room.pk}/move/"
    client.get(url)
    # the room with whether the user manages its setting, the children (exists, then the
    # choices), the rooms (exists, then the choices)
    with django_assert_num_queries(FRAME + 5):
        assert client.get(url).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_migration_tells_apart_rooms_named_alike_in_other_case():
    """Before names were unique whatever their case, "Toddlers" and "toddlers" could both be
    made (in the admin): the migration renames the later one, in its history, instead of
    failing to add the constraint."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from children.models import Room as CurrentRoom
    from setting_records.models import Setting

    before = [("children", "0008_dashboard_indexes")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old_apps = MigrationExecutor(connection).loader.project_state(before).apps
        OldRoom = old_apps.get_model("children", "Room")
        # The settings' table is not rolled back: today's model writes it.
        setting = Setting.objects.create(name="Acorns", ofsted_urn="EY990001")
        for name in ("Toddlers", "toddlers", "TODDLERS", "Babies"):
            OldRoom.objects.create(setting_id=setting.pk, name=name)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    rooms = CurrentRoom.objects.filter(setting=Setting.objects.get(ofsted_urn="EY990001"))
    assert sorted(rooms.values_list("name", flat=True)) == [
        "Babies",
        "TODDLERS (3)",
        "Toddlers",
        "toddlers (2)",
    ]
    renamed = rooms.get(name="toddlers (2)")
    assert renamed.history.first().history_change_reason.startswith("Renamed")
