"""The rooms pages, under ``/rooms/`` (namespace ``rooms``)."""

from django.urls import path

from children import room_views

app_name = "rooms"

urlpatterns = [
    path("rooms/", room_views.room_list, name="list"),
    path("rooms/new/", room_views.room_add, name="add"),
    path("rooms/<id:pk>/rename/", room_views.room_rename, name="rename"),
    path("rooms/<id:pk>/move/", room_views.room_move, name="move"),
    path("rooms/<id:pk>/close/", room_views.room_close, name="close"),
    path("rooms/<id:pk>/reopen/", room_views.room_reopen, name="reopen"),
]
