from django.apps import AppConfig


class SettingRecordsConfig(AppConfig):
    name = "setting_records"
    verbose_name = "Setting Records"

    def ready(self) -> None:
        from setting_records import signals  # noqa: F401 - connects the access log's receivers
