from django.apps import AppConfig


class SettingRecordsConfig(AppConfig):
    name = "setting_records"
    verbose_name = "Setting Records"
