"""The rooms pages (``/rooms/``): every member of staff sees the rooms of the settings they work
at, each with only the children in it they may see (the policy's ``visible_children``, so never
a child outside their care: policy P4); the setting's managers add, rename, close and reopen
rooms and move children between them. Another setting's room is a 404."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from children import rooms as services
from children.models import Child, Room
from children.room_forms import MoveForm, RoomAddForm, RoomForm
from setting_records import access
from setting_records.errors import WorkflowError
from setting_records.http import AuthenticatedHttpRequest


def _posted(request: AuthenticatedHttpRequest):
    """The posted data, even when empty: an empty POST is a form with every field missing."""
    return request.POST if request.method == "POST" else None


def _in_care(children: QuerySet[Child]) -> QuerySet[Child]:
    """Children who have not left: a leaver keeps the room's name on their record only."""
    return children.filter(Q(left_on__isnull=True) | Q(left_on__gt=timezone.localdate()))


def _children_in(request: AuthenticatedHttpRequest, room: Room) -> QuerySet[Child]:
    return _in_care(access.visible_children(request.user).filter(room=room))


def room_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    managed = list(access.managed_settings(request.user))
    managed_ids = {setting.pk for setting in managed}
    rooms = list(
        access.visible_rooms(request.user)
        .select_related("setting")
        .order_by("setting__name", "setting_id", "closed_on", "name")
    )
    by_room: dict[int, list[Child]] = {room.pk: [] for room in rooms}
    for child in _in_care(access.visible_children(request.user).filter(room__isnull=False)):
        by_room.setdefault(child.room_id, []).append(child)  # type: ignore[arg-type]
    for room in rooms:
        room.in_care = by_room[room.pk]  # type: ignore[attr-defined]
        room.manageable = room.setting_id in managed_ids  # type: ignore[attr-defined]
    return render(
        request,
        "children/room_list.html",
        {
            "rooms": rooms,
            "can_add": bool(managed),
            "several_settings": len({room.setting_id for room in rooms}) > 1,
        },
    )


@require_http_methods(["GET", "POST"])
def room_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    managed = access.managed_settings(request.user)
    if not managed:
        raise PermissionDenied
    form = RoomAddForm(_posted(request), settings=managed)
    if request.method == "POST" and form.is_valid():
        try:
            room = services.room_create(
                setting=form.cleaned_data["setting"],
                name=form.cleaned_data["name"],
                actor=request.user,
            )
        except services.RoomNameTaken as error:
            form.add_error("name", str(error))
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Room “{room}” added.")
            return redirect("rooms:list")
    only = managed[0] if len(managed) == 1 else None
    return render(request, "children/room_form.html", {"form": form, "setting": only})


@require_http_methods(["GET", "POST"])
def room_rename(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    room = access.get_room(request.user, pk, "manage")
    form = RoomForm(_posted(request), initial={"name": room.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.room_rename(room=room, name=form.cleaned_data["name"], actor=request.user)
        except services.RoomNameTaken as error:
            form.add_error("name", str(error))
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Room renamed to “{room}”.")
            return redirect("rooms:list")
    return render(request, "children/room_form.html", {"form": form, "room": room})


@require_http_methods(["GET", "POST"])
def room_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    room = access.get_room(request.user, pk, "manage")
    children = _children_in(request, room)
    destinations = access.visible_rooms(request.user).filter(
        setting_id=room.setting_id, closed_on__isnull=True
    )
    form = MoveForm(_posted(request), children=children, rooms=destinations.exclude(pk=room.pk))
    if request.method == "POST" and form.is_valid():
        try:
            moved = services.children_move(
                children=form.cleaned_data["children"],
                from_room=room,
                to_room=form.cleaned_data["to_room"],
                actor=request.user,
            )
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            to_room = form.cleaned_data["to_room"]
            count = len(moved)
            messages.success(
                request,
                f"{count} {'child' if count == 1 else 'children'} moved to {to_room}.",
            )
            return redirect("rooms:list")
    return render(request, "children/room_move.html", {"form": form, "room": room})


@require_http_methods(["GET", "POST"])
def room_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A GET asks for confirmation (and, while children are still in the room, offers to move
    them first); the POST closes it."""
    room = access.get_room(request.user, pk, "manage")
    error = ""
    if request.method == "POST":
        try:
            services.room_close(room=room, actor=request.user)
        except WorkflowError as refused:
            error = str(refused)
        else:
            messages.success(request, f"Room “{room}” closed. Its name stays on past records.")
            return redirect("rooms:list")
    in_room = list(_children_in(request, room)) if room.is_open else []
    return render(
        request,
        "children/room_close.html",
        {"room": room, "children": in_room, "error": error},
    )


@require_http_methods(["GET", "POST"])
def room_reopen(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    room = access.get_room(request.user, pk, "manage")
    if request.method == "POST":
        try:
            services.room_reopen(room=room, actor=request.user)
        except WorkflowError as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, f"Room “{room}” reopened.")
        return redirect("rooms:list")
    return render(request, "children/room_reopen.html", {"room": room})
