from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from setting_records.password_forms import OwnPasswordChangeForm


class SuperuserAdminSite(admin.AdminSite):
    """The admin is for setting the deployment up, never for daily work: superusers only."""

    site_header = "Setting Records administration"
    site_title = "Setting Records administration"
    # A superuser's own password, changed through the logged service like anyone's.
    password_change_form = OwnPasswordChangeForm

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)


class KeptHistoryAdmin(SimpleHistoryAdmin):
    """Shows an object's history and never rewrites it.

    ``SIMPLE_HISTORY_REVERT_DISABLED`` only hides simple-history's Revert button: a POST to
    a past version's page still saves it over the object. Refuse that POST here.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def has_delete_permission(self, request, obj=None):
        # Records end by being closed or deactivated, never deleted: history must stay whole.
        return False
