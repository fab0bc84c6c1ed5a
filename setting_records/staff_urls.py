"""The managers' staff pages. ``/staff/<id>/`` is a member of staff by their account's id (as
the two-factor reset's URL); ``/staff/places/<id>/`` one of their places at a setting."""

from django.urls import path

from setting_records import staff_views

app_name = "staff"

urlpatterns = [
    path("staff/", staff_views.staff_list, name="list"),
    path("staff/invite/", staff_views.staff_invite, name="invite"),
    path("staff/<id:pk>/", staff_views.staff_detail, name="detail"),
    path("staff/<id:pk>/add/", staff_views.staff_add_existing, name="add_existing"),
    path("staff/<id:pk>/send-link/", staff_views.staff_send_link, name="send_link"),
    path("staff/places/<id:pk>/role/", staff_views.staff_role, name="role"),
    path("staff/places/<id:pk>/leave/", staff_views.staff_leave, name="leave"),
    path("staff/places/<id:pk>/return/", staff_views.staff_return, name="return"),
]
