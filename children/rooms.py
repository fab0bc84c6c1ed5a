"""Rooms: adding, renaming, closing and reopening them, and moving children between them.

Which room a child is in decides nothing about who may see the child (the access policy reads
the setting's managers, the key person, the care team and need-to-know grants, never the room),
so these changes are kept in history (who, when, why: UK GDPR Art. 5(2), accountability; EYFS
3.89, records kept) and write no access-log row, as a change of a child's other details does not.
"""

import datetime
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from children.models import Child, Room
from setting_records import access
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from setting_records.models import Setting, User


class RoomNameTaken(WorkflowError):
    """Another room of the setting has that name (in any case): the form shows it by the name."""


def current_children(room: Room, *, today: datetime.date | None = None) -> QuerySet[Child]:
    """The children in ``room`` who have not left: a child who has left keeps the room's name
    on their record, and does not hold a room open."""
    today = today or timezone.localdate()
    return room.children.filter(Q(left_on__isnull=True) | Q(left_on__gt=today))


def _require_manager(actor: User, setting_id: int) -> None:
    if not access.manages(actor, setting_id):
        raise WorkflowError("Only the setting's manager can change its rooms.")


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise RoomNameTaken("Give the room a name.")
    return name


def _require_free_name(setting_id: int, name: str, *, room_id: int | None = None) -> None:
    taken = Room.objects.filter(setting_id=setting_id, name__iexact=name)
    if room_id is not None:
        taken = taken.exclude(pk=room_id)
    if taken.exists():
        raise RoomNameTaken(f"There is already a room called “{name}”.")


def _save(room: Room, *, actor: User, reason: str, update_fields: list[str] | None = None) -> None:
    """Save, turning a name taken at the same moment by another request (the database's
    any-case unique constraint) into the same message as one taken before."""
    try:
        with transaction.atomic():
            save_as(room, actor=actor, reason=reason, update_fields=update_fields)
    except IntegrityError:
        raise RoomNameTaken(f"There is already a room called “{room.name}”.") from None


def _lock(room: Room) -> None:
    """Lock the room's row and read whether it is closed as it is now: two managers closing
    and filling it at the same moment are taken one after the other."""
    room.closed_on = (
        Room.objects.select_for_update().values_list("closed_on", flat=True).get(pk=room.pk)
    )


@transaction.atomic
def room_create(*, setting: Setting, name: str, actor: User) -> Room:
    _require_manager(actor, setting.pk)
    name = _clean_name(name)
    _require_free_name(setting.pk, name)
    room = Room(setting=setting, name=name)
    _save(room, actor=actor, reason="Room added")
    return room


@transaction.atomic
def room_rename(*, room: Room, name: str, actor: User) -> Room:
    _require_manager(actor, room.setting_id)
    name = _clean_name(name)
    if name == room.name:
        return room
    _require_free_name(room.setting_id, name, room_id=room.pk)
    old = room.name
    room.name = name
    _save(room, actor=actor, reason=f"Renamed from “{old}”", update_fields=["name"])
    return room


@transaction.atomic
def room_close(*, room: Room, actor: User) -> Room:
    """Close the room: kept, with its history and its name on old records, but no longer
    offered for a child. Refused while children who have not left are still in it."""
    _require_manager(actor, room.setting_id)
    _lock(room)
    if room.closed_on is not None:
        return room
    if current_children(room).exists():
        raise WorkflowError("Move the children in this room to another room first.")
    room.closed_on = timezone.localdate()
    save_as(room, actor=actor, reason="Room closed", update_fields=["closed_on"])
    return room


@transaction.atomic
def room_reopen(*, room: Room, actor: User) -> Room:
    _require_manager(actor, room.setting_id)
    _lock(room)
    if room.closed_on is None:
        return room
    room.closed_on = None
    save_as(room, actor=actor, reason="Room reopened", update_fields=["closed_on"])
    return room


@transaction.atomic
def children_move(
    *, children: Iterable[Child], from_room: Room, to_room: Room, actor: User
) -> list[Child]:
    """Move children from one room to another open room of the same setting, each change in
    the child's history."""
    _require_manager(actor, from_room.setting_id)
    if to_room.setting_id != from_room.setting_id:
        raise WorkflowError("That room belongs to another setting.")
    if to_room.pk == from_room.pk:
        raise WorkflowError("Choose a different room to move them to.")
    # Locked, so that a room closing at the same moment cannot take children in.
    _lock(to_room)
    if to_room.closed_on is not None:
        raise WorkflowError(f"{to_room} is closed.")
    children = list(children)
    if not children:
        raise WorkflowError("Choose at least one child to move.")
    moved = []
    for child in children:
        if child.setting_id != from_room.setting_id or child.room_id != from_room.pk:
            raise WorkflowError(f"{child} is not in {from_room}.")
        child.room = to_room
        save_as(
            child,
            actor=actor,
            reason=f"Moved from {from_room} to {to_room}",
            update_fields=["room"],
        )
        moved.append(child)
    return moved
