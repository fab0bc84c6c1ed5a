from django.contrib.admin.apps import AdminConfig


class SuperuserAdminConfig(AdminConfig):
    default_site = "setting_records.admin_site.SuperuserAdminSite"
