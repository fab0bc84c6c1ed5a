from django.urls import path

from setting_records import log_views

urlpatterns = [
    path("access-log/", log_views.access_log_page, name="access_log"),
    path("access-log/check/", log_views.access_log_check, name="access_log_check"),
]
