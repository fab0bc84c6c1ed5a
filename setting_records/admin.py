from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

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


@admin.register(Setting)
class SettingAdmin(KeptHistoryAdmin):
    list_display = ["name", "ofsted_urn"]
    search_fields = ["name", "ofsted_urn"]
