from django.contrib import admin
from django.urls import include, path

from setting_records import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/", include("setting_records.password_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("setting_records.two_factor.urls")),
    path("", include("setting_records.staff_urls")),
    path("", include("children.urls")),
    path("", include("children.search_urls")),
    path("", include("children.room_urls")),
    path("", include("access_requests.urls")),
    path("", include("complaints.urls")),
    path("", include("setting_records.log_urls")),
    path("admin/", admin.site.urls),
]
