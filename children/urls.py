from django.urls import path

from children import views

app_name = "children"

urlpatterns = [
    path("children/", views.child_list, name="list"),
    path("children/new/", views.child_add, name="add"),
    path("children/<int:pk>/", views.child_detail, name="detail"),
    path("children/<int:pk>/edit/", views.child_edit, name="edit"),
    path("children/<int:pk>/history/", views.child_history, name="history"),
    path("children/<int:pk>/access-log/", views.child_access_log, name="access_log"),
    path("children/<int:pk>/people/new/", views.connection_add, name="connection_add"),
    path("children/<int:pk>/records/new/", views.record_add, name="record_add"),
    path("children/<int:pk>/team/", views.child_team, name="team"),
    path("children/<int:pk>/grants/", views.child_grants, name="grants"),
    path("records/<int:pk>/", views.record_detail, name="record"),
    path("records/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("records/<int:pk>/history/", views.record_history, name="record_history"),
    path("grants/", views.grant_list, name="grant_list"),
    path("grants/<int:pk>/revoke/", views.grant_revoke, name="grant_revoke"),
]
