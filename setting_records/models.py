from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from setting_records.history import kept_history

# The permission rows are models of this app: importing them here registers them.
from setting_records.object_permissions import (
    ChildUserObjectPermission,
    SettingUserObjectPermission,
)


class User(AbstractUser):
    """A member of staff (or a superuser who sets the deployment up).

    Accounts are deactivated, never deleted, so that history keeps who did what.
    """

    history = kept_history(excluded_fields=["password", "last_login"])

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.get_full_name() or self.username


DEFAULT_COMPLAINTS_PROCEDURE = (
    "Speak to or write to the manager. A written complaint is looked into and you are told the "
    "outcome within 28 days of it being received. If you are not satisfied, or believe the "
    "setting is not meeting the Early Years Foundation Stage requirements, you can contact "
    "Ofsted on 0300 123 1231 or at enquiries@ofsted.gov.uk."
)


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
    require_two_factor_for_all = models.BooleanField(
        _("two-factor login for every member of staff"),
        default=False,
        help_text=_(
            "Managers always need a code from an authenticator app; with this on, every member "
            "of staff here does too."
        ),
    )

    # Named to parents in every record pack's "Your rights" page and with every decision on a
    # correction request (policy P10; UK GDPR Art. 15(1)(f), 12(4)); the EYFS framework has the
    # setting keep a written complaints procedure and tell parents how to contact Ofsted.
    complaints_procedure = models.TextField(
        _("complaints procedure"),
        default=DEFAULT_COMPLAINTS_PROCEDURE,
        help_text=_("How a parent complains, told to them in plain words: who to, and how."),
    )

    history = kept_history()

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

    history = kept_history()

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


class AccessAction(models.TextChoices):
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logged out")
    LOCKED_OUT = "locked_out", _("Locked out after repeated failed logins")
    LOCKOUT_ATTEMPTS = "lockout_attempts", _("Failed logins refused during a lockout (counted)")
    RECORD_VIEWED = "record_viewed", _("Viewed a sensitive entry")
    RECORD_HISTORY_VIEWED = "record_history_viewed", _("Viewed a sensitive entry's history")
    CHILD_HISTORY_VIEWED = "child_history_viewed", _("Viewed a child's history")
    ACCESS_LOG_VIEWED = "access_log_viewed", _("Viewed a child's access log")
    ENTRIES_REVIEWED = "entries_reviewed", _("Read sensitive entries preparing an access request")
    GRANT_GIVEN = "grant_given", _("Gave need-to-know access")
    GRANT_REVOKED = "grant_revoked", _("Withdrew need-to-know access")
    KEY_PERSON_CHANGED = "key_person_changed", _("Changed the key person")
    CARE_TEAM_CHANGED = "care_team_changed", _("Changed the care team")
    REQUEST_STATE_CHANGED = "request_state_changed", _("Moved an access request on")
    PACK_PREVIEWED = "pack_previewed", _("Previewed a record pack")
    PACK_RELEASED = "pack_released", _("Released a record pack")
    PACK_DOWNLOADED = "pack_downloaded", _("Downloaded a released record pack")
    STAFF_ACCOUNT_CREATED = "staff_account_created", _("Created a staff account")
    STAFF_ACCOUNT_CHANGED = "staff_account_changed", _("Changed a staff account's details")
    STAFF_ACCOUNT_DEACTIVATED = "staff_account_deactivated", _("Deactivated a staff account")
    STAFF_ACCOUNT_REACTIVATED = "staff_account_reactivated", _("Reactivated a staff account")
    MEMBERSHIP_ADDED = "membership_added", _("Added a member of staff to a setting")
    MEMBERSHIP_ROLE_CHANGED = "membership_role_changed", _("Changed a member of staff's role")
    MEMBERSHIP_ENDED = "membership_ended", _("Ended a member of staff's place at a setting")
    MEMBERSHIP_REACTIVATED = "membership_reactivated", _("Gave a member of staff their place back")
    PASSWORD_LINK_SENT = "password_link_sent", _("Sent a set-password link")
    PASSWORD_CHANGED = "password_changed", _("Changed their own password")
    SETTING_ADDED = "setting_added", _("Added a setting")
    SETTING_CHANGED = "setting_changed", _("Changed a setting's details or login rules")
    TWO_FACTOR_CONFIRMED = "two_factor_confirmed", _("Set up an authenticator app")
    TWO_FACTOR_PASSED = "two_factor_passed", _("Passed the second step of logging in")
    TWO_FACTOR_FAILED = "two_factor_failed", _("Gave a wrong two-factor code")
    BACKUP_CODES_GENERATED = "backup_codes_generated", _("Generated new backup codes")
    TWO_FACTOR_RESET = "two_factor_reset", _("Reset a member of staff's two-factor login")
    SHARING_RECORDED = "sharing_recorded", _("Recorded information shared, or not shared")
    SHARING_VIEWED = "sharing_viewed", _("Viewed a child's information-sharing log")
    SHARING_PRINTED = "sharing_printed", _("Printed the record of a disclosure")
    STATEMENT_RECORDED = "statement_recorded", _("Recorded a parent's statement")
    RECTIFICATION_STATE_CHANGED = (
        "rectification_state_changed",
        _("Moved a correction (rectification) request on"),
    )
    RECIPIENT_NOTICE_RECORDED = (
        "recipient_notice_recorded",
        _("Recorded telling a past recipient of a correction"),
    )
    THIRD_PARTY_CHECKED = (
        "third_party_checked",
        _("Checked whether third-party information is confidential"),
    )
    COMPLAINT_LOGGED = "complaint_logged", _("Logged a complaint")
    COMPLAINT_STATE_CHANGED = "complaint_state_changed", _("Moved a complaint on")
    COMPLAINT_CHANGED = "complaint_changed", _("Recorded a complaint being taken further")
    COMPLAINT_NOTE_ADDED = "complaint_note_added", _("Added an investigation note to a complaint")
    COMPLAINT_INVESTIGATION_VIEWED = (
        "complaint_investigation_viewed",
        _("Viewed a complaint's investigation notes and findings"),
    )
    COMPLAINTS_EXPORTED = "complaints_exported", _("Exported the record of complaints")
    SETTING_LOG_VIEWED = "setting_log_viewed", _("Viewed the setting-wide access log")
    LOG_CHECKED = "log_checked", _("Checked the access log's seal")


class ChainScheme(models.IntegerChoices):
    """How a log row's hash was made. Unkeyed rows may only come before the first keyed one."""

    UNKEYED = 1, _("SHA-256 without a key (written before the log was keyed)")
    HMAC = 2, _("HMAC-SHA-256 with the access log key")


class AccessLogEntry(models.Model):
    """One line of the append-only, hash-chained access log.

    Written only by ``access_log.append``; a database trigger refuses UPDATE and DELETE. Each
    row's ``hash`` is an HMAC-SHA-256, under a key held outside the database, of the previous
    row's hash and this row's canonical content, so ``verify_access_log`` finds any row altered,
    removed or moved, and nobody without the key can recompute the chain. Rows written before
    the log was keyed keep their plain SHA-256 (``scheme``). References only: no record text is
    ever copied here.
    """

    id = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("what"), max_length=40, choices=AccessAction.choices)
    setting = models.ForeignKey(
        Setting, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    child = models.ForeignKey(
        "children.Child", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    record = models.ForeignKey(
        "children.Record", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    scheme = models.PositiveSmallIntegerField(choices=ChainScheme.choices)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = _("access log entries")
        indexes = [
            models.Index(fields=["child", "-id"]),
            # The log page's last check and its filter by action.
            models.Index(fields=["action", "-id"], name="accesslog_action_id"),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.at:%Y-%m-%d %H:%M} {self.action}"


class LockoutTally(models.Model):
    """Failed logins refused while one username is locked out, counted here, not logged one by one.

    The username is kept only as a keyed hash of what was typed (``log_key.mac``), as in the log.
    ``login_log`` writes the count to the access log as one row at the next event for that
    username, and starts the count again when a new lockout begins.
    """

    username_mac = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField()
    refused = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.refused} refused since {self.started_at:%d/%m/%Y %H:%M}"


class LoginTurn(models.Model):
    """When a slowed-down username may next have a password checked (``login_throttle``).

    ``username`` is axes' keyed hash of the name typed. Taking the turn moves ``next_at`` on
    under a row lock before the password is checked, so attempts sent all at once from many
    addresses cannot all pass: one does, the rest wait.
    """

    username = models.CharField(max_length=64, unique=True)
    next_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"next attempt at {self.next_at:%d/%m/%Y %H:%M:%S}"


class DeviceCookieFailures(models.Model):
    """Attempts made with one device cookie (``login_device``), each counted before its password
    is checked; a success replaces the cookie, so in effect they are its wrong passwords.

    ``device`` is the random id inside the signed cookie. Past ``LOGIN_DEVICE_FAILURE_LIMIT``
    failures the cookie no longer spares its holder the per-username slow-down: someone who
    stole it cannot use it to guess freely. The count is never reset; the next successful
    login gives the browser a new cookie with a new id.
    """

    device = models.CharField(max_length=32, unique=True)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.failures} failures since {self.first_failure_at:%d/%m/%Y %H:%M}"


__all__ = [
    "AccessAction",
    "AccessLogEntry",
    "ChainScheme",
    "ChildUserObjectPermission",
    "DeviceCookieFailures",
    "LockoutTally",
    "LoginTurn",
    "Membership",
    "Role",
    "Setting",
    "SettingUserObjectPermission",
    "User",
]
