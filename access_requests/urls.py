from django.urls import path

from access_requests import views

app_name = "access_requests"

urlpatterns = [
    path("access-requests/", views.request_list, name="list"),
    path("access-requests/new/", views.request_new, name="new"),
    path("access-requests/<id:pk>/", views.request_detail, name="detail"),
    path("access-requests/<id:pk>/preview.pdf", views.request_preview, name="preview"),
    path("access-requests/<id:pk>/pack.pdf", views.request_pack, name="pack"),
    path("access-requests/<id:pk>/review/", views.request_review, name="review"),
    path("access-requests/<id:pk>/<slug:step>/", views.request_step, name="step"),
    path("rectifications/", views.rectification_list, name="rectification_list"),
    path(
        "records/<id:pk>/rectification/new/",
        views.rectification_new,
        name="rectification_new",
    ),
    path("rectifications/<id:pk>/", views.rectification_detail, name="rectification"),
    path(
        "rectifications/<id:pk>/<slug:step>/",
        views.rectification_step,
        name="rectification_step",
    ),
]
