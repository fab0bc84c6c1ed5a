from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class User(AbstractUser):
    """A member of staff (or a superuser who sets the deployment up).

    Accounts are deactivated, never deleted, so that history keeps who did what.
    """

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Setting(models.Model):
    """A nursery or pre-school. A group may run several on one deployment."""

    name = models.CharField(_("name"), max_length=200)
    ofsted_urn = models.CharField(
        _("Ofsted URN"),
        max_length=20,
        unique=True,
        help_text=_("The unique reference number Ofsted gave the setting."),
    )
    address = models.TextField(_("address"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        permissions = [("manage_setting", _("Can manage the setting"))]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    MANAGER = "manager", _("Manager")
    PRACTITIONER = "practitioner", _("Practitioner")


class Membership(models.Model):
    """A member of staff working at one setting, in one role."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    setting = models.ForeignKey(Setting, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Cleared when the member of staff leaves; their access ends at once."),
    )
    joined_on = models.DateField(_("joined on"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["setting__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "setting"], name="one_membership_per_setting"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}, {self.setting}"

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER


# The permission rows are models of this app; importing them here registers them.
from setting_records.object_permissions import (  # noqa: E402
    ChildUserObjectPermission,
    SettingUserObjectPermission,
)

__all__ = [
    "ChildUserObjectPermission",
    "Membership",
    "Role",
    "Setting",
    "SettingUserObjectPermission",
    "User",
]
