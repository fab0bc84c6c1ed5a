from django.urls import path

from setting_records.two_factor import views

urlpatterns = [
    path("accounts/two-factor/", views.verify, name="two_factor_verify"),
    path("accounts/two-factor/setup/", views.setup, name="two_factor_setup"),
    path("accounts/two-factor/setup/qr.svg", views.qr_code, name="two_factor_qr"),
    path("accounts/two-factor/backup-codes/", views.backup_codes, name="two_factor_backup_codes"),
    path("staff/<id:user_id>/two-factor/reset/", views.reset, name="two_factor_reset"),
]
