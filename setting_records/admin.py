from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

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
