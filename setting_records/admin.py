"""The admin: accounts, memberships and settings, every change through the logged services.

A superuser sets the deployment up; they get nothing extra in the app. Whatever they change
here about a person's account or place at a setting goes through ``setting_records.services``,
so it is in the history and the access log like any manager's change. Nobody sets another
person's password: the admin sends a set-password link instead.
"""

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.http import Http404, HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from setting_records import services
from setting_records.admin_site import KeptHistoryAdmin
from setting_records.errors import WorkflowError
from setting_records.models import Membership, Role, Setting, User

# The app's access is per object (the policy in access.py); Django's groups and model
# permissions grant nothing here, and would be a way round the log if they did.
admin.site.unregister(Group)


def _each[Obj](
    request: HttpRequest, objects: Iterable[Obj], change: Callable[[Obj], object], done: str
) -> None:
    """Run one service per selected object; say how many it did and why it refused the rest."""
    count = 0
    for obj in objects:
        try:
            change(obj)
        except WorkflowError as refused:
            messages.error(request, str(refused))
        else:
            count += 1
    if count:
        messages.success(request, f"{done}: {count}.")


class MembershipInline(admin.TabularInline):
    """Where the account works, to read only: changes are the membership list's actions."""

    model = Membership
    extra = 0
    fields = ("setting", "role", "is_active", "joined_on")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StaffUserCreationForm(forms.ModelForm):
    """A new account has no password: its owner sets one through the emailed link."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = "The set-password link is sent here."


class StaffUserChangeForm(forms.ModelForm):
    class Meta:
        model = User
        fields = sorted(services.EDITABLE_USER_FIELDS)


@admin.register(User)
class StaffUserAdmin(UserAdmin, KeptHistoryAdmin):
    form = StaffUserChangeForm
    add_form = StaffUserCreationForm
    add_form_template = None
    fieldsets = (
        (None, {"fields": ("username",)}),
        ("Personal details", {"fields": ("first_name", "last_name", "email")}),
        (
            "Access",
            {
                "fields": ("is_active", "is_staff", "is_superuser"),
                "description": (
                    "Deactivate or reactivate an account with the actions on the list of "
                    "accounts. A superuser gets nothing extra in the app itself."
                ),
            },
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "first_name", "last_name", "email"),
                "description": (
                    "The account starts without a password: its owner is emailed a link to "
                    "choose one."
                ),
            },
        ),
    )
    readonly_fields = ["is_active", "last_login", "date_joined"]
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_superuser"]
    list_filter = ["is_active", "is_superuser"]
    filter_horizontal = ()
    actions = ["deactivate", "reactivate", "send_password_link"]

    def get_inlines(self, request, obj):
        # A new account has no memberships to show; it joins settings from the membership list.
        return self.inlines if obj is not None else []

    def user_change_password(self, request, id, form_url=""):
        raise Http404("Nobody sets another person's password: send them a link instead.")

    def save_model(self, request, obj, form, change):
        if change:
            services.user_update(user=obj, fields=form.changed_data, actor=request.user)
        else:
            if services.user_create(user=obj, actor=request.user).link_sent:
                messages.info(request, f"A link to set a password was emailed to {obj.email}.")
            else:
                messages.warning(
                    request,
                    f"The email to {obj.email} could not be sent. Send a set-password link "
                    "from the list of accounts once mail is working.",
                )

    @admin.action(description="Deactivate the selected accounts (they leave every setting)")
    def deactivate(self, request, queryset):
        _each(
            request,
            queryset,
            lambda user: services.user_deactivate(user=user, actor=request.user),
            "Accounts deactivated",
        )

    @admin.action(description="Reactivate the selected accounts and send each a set-password link")
    def reactivate(self, request, queryset):
        _each(
            request,
            queryset,
            lambda user: services.user_reactivate(user=user, actor=request.user),
            "Accounts reactivated",
        )

    @admin.action(description="Email the selected people a link to set a new password")
    def send_password_link(self, request, queryset):
        _each(
            request,
            queryset,
            lambda user: services.password_link_send(user=user, actor=request.user),
            "Set-password links sent",
        )


@admin.register(Membership)
class MembershipAdmin(KeptHistoryAdmin):
    """Who works where. Memberships are added here and changed only by the actions."""

    fields = ["user", "setting", "role"]
    list_display = ["user", "setting", "role", "is_active", "joined_on"]
    list_filter = ["setting", "role", "is_active"]
    list_select_related = ["user", "setting"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "setting__name"]
    actions = ["make_manager", "make_practitioner", "end", "reactivate"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["user", "setting", "role", "is_active", "joined_on"]

    def has_change_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # A deactivated account joins nothing until it is reactivated.
            kwargs["queryset"] = User.objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        created = services.membership_add(
            user=obj.user, setting=obj.setting, role=obj.role, actor=request.user
        )
        # The admin goes on to name and link the object it was given: make it the one saved.
        obj.pk, obj.joined_on = created.pk, created.joined_on

    def _change_role(self, request, queryset, role: str, done: str) -> None:
        _each(
            request,
            queryset.select_related("user", "setting"),
            lambda m: services.membership_change_role(membership=m, role=role, actor=request.user),
            done,
        )

    @admin.action(description="Make the selected members of staff managers of their setting")
    def make_manager(self, request, queryset):
        self._change_role(request, queryset, Role.MANAGER, "Made managers")

    @admin.action(description="Make the selected members of staff practitioners")
    def make_practitioner(self, request, queryset):
        self._change_role(request, queryset, Role.PRACTITIONER, "Made practitioners")

    @admin.action(description="End the selected memberships (the person leaves that setting)")
    def end(self, request, queryset):
        _each(
            request,
            queryset.select_related("user", "setting"),
            lambda m: services.membership_end(membership=m, actor=request.user),
            "Memberships ended",
        )

    @admin.action(description="Give the selected leavers their place back")
    def reactivate(self, request, queryset):
        _each(
            request,
            queryset.select_related("user", "setting"),
            lambda m: services.membership_reactivate(membership=m, actor=request.user),
            "Memberships reactivated",
        )


@admin.register(Setting)
class SettingAdmin(KeptHistoryAdmin):
    list_display = ["name", "ofsted_urn", "require_two_factor_for_all"]
    search_fields = ["name", "ofsted_urn"]
    # The complaints procedure is what parents are told in every record pack and with every
    # decision on a correction request (policy P10).
    fields = ["name", "ofsted_urn", "address", "complaints_procedure", "require_two_factor_for_all"]

    def save_model(self, request, obj, form, change):
        services.setting_save(
            setting=obj, fields=form.changed_data if change else None, actor=request.user
        )


# Devices change only through the logged two-factor services (a person's own setup, a manager's
# reset): an admin-made device with a known secret would step round both.
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)

# django-axes' records of sign-in attempts are not in the admin either (AXES_ENABLE_ADMIN is
# off in settings.py): deleting one would lift a lockout with nothing in the access log.
