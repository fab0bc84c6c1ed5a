from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from setting_records import access
from setting_records.admin_site import KeptHistoryAdmin
from setting_records.models import Membership, Setting, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["setting", "role", "is_active"]
    can_delete = False


@admin.register(User)
class StaffUserAdmin(UserAdmin, KeptHistoryAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_superuser"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Memberships edited here bypass the services: bring the policy's rows into step.
        user = form.instance
        for membership in user.memberships.select_related("setting"):
            access.sync_setting_permissions(membership.setting, user)


@admin.register(Setting)
class SettingAdmin(KeptHistoryAdmin):
    list_display = ["name", "ofsted_urn"]
    search_fields = ["name", "ofsted_urn"]


# Devices change only through the logged two-factor services (a person's own setup, a manager's
# reset): an admin-made device with a known secret would step round both.
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)
