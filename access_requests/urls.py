from django.urls import path

from access_requests import views

app_name = "access_requests"

urlpatterns = [
    path("access-requests/", views.request_list, name="list"),
    path("access-requests/new/", views.request_new, name="new"),
    path("access-requests/<int:pk>/", views.request_detail, name="detail"),
    path("access-requests/<int:pk>/preview.pdf", views.request_preview, name="preview"),
    path("access-requests/<int:pk>/pack.pdf", views.request_pack, name="pack"),
    path("access-requests/<int:pk>/review/", views.request_review, name="review"),
    path("access-requests/<int:pk>/<slug:step>/", views.request_step, name="step"),
]
