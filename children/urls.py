from django.urls import path

from children import register_views, views

app_name = "children"

urlpatterns = [
    path("children/", views.child_list, name="list"),
    path("children/new/", views.child_add, name="add"),
    path("children/<id:pk>/", views.child_detail, name="detail"),
    path("children/<id:pk>/edit/", views.child_edit, name="edit"),
    path("children/<id:pk>/history/", views.child_history, name="history"),
    path("children/<id:pk>/access-log/", views.child_access_log, name="access_log"),
    path("children/<id:pk>/people/new/", views.connection_add, name="connection_add"),
    path("connections/<id:pk>/edit/", register_views.connection_edit, name="connection_edit"),
    path("connections/<id:pk>/end/", register_views.connection_end, name="connection_end"),
    path("connections/<id:pk>/person/", register_views.person_edit, name="person_edit"),
    path("children/<id:pk>/records/new/", views.record_add, name="record_add"),
    path("children/<id:pk>/team/", views.child_team, name="team"),
    path("children/<id:pk>/grants/", views.child_grants, name="grants"),
    path("children/<id:pk>/sharing/", views.sharing_list, name="sharing_list"),
    path("children/<id:pk>/sharing/new/", views.sharing_add, name="sharing_add"),
    path("sharing/<id:pk>/", views.sharing_detail, name="sharing"),
    path("sharing/<id:pk>/record.pdf", views.sharing_pdf, name="sharing_pdf"),
    path("records/<id:pk>/", views.record_detail, name="record"),
    path("records/<id:pk>/edit/", views.record_edit, name="record_edit"),
    path("records/<id:pk>/history/", views.record_history, name="record_history"),
    path("records/<id:pk>/statements/new/", views.statement_add, name="statement_add"),
    path("records/<id:pk>/third-party-check/", views.third_party_check, name="third_party_check"),
    path("third-party/", views.third_party_review, name="third_party_review"),
    path("grants/", views.grant_list, name="grant_list"),
    path("grants/<id:pk>/revoke/", views.grant_revoke, name="grant_revoke"),
]
