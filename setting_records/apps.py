from django.apps import AppConfig
from django.urls import register_converter

from setting_records.fields import IdConverter


class SettingRecordsConfig(AppConfig):
    name = "setting_records"
    verbose_name = "Setting Records"

    def ready(self) -> None:
        # Before any URLconf is read: every id in a URL is ``<id:pk>``, bounded to 64 bits.
        register_converter(IdConverter, "id")
        from setting_records import signals  # noqa: F401 - connects the access log's receivers
