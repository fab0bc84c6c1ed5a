from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from setting_records.history import kept_history
from setting_records.models import Setting

if TYPE_CHECKING:
    # For annotations only: the policy imports these models, so they cannot import it back.
    from setting_records.access import ChildRights, RecordRights


class Room(models.Model):
    """A room or group within a setting (Babies, Toddlers, Pre-school...)."""

    setting = models.ForeignKey(Setting, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(_("name"), max_length=100)

    history = kept_history()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["setting", "name"], name="room_name_unique_in_setting"),
        ]

    def __str__(self) -> str:
        return self.name


class Family(models.Model):
    """A family or household: the people a child lives with or is cared for by."""

    setting = models.ForeignKey(Setting, on_delete=models.PROTECT, related_name="families")
    name = models.CharField(_("name"), max_length=200, help_text=_("e.g. “The Ahmed household”"))
    notes = models.TextField(_("notes"), blank=True)

    history = kept_history()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("families")

    def __str__(self) -> str:
        return self.name


class Child(models.Model):
    setting = models.ForeignKey(Setting, on_delete=models.PROTECT, related_name="children")
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="children", null=True, blank=True
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    known_as = models.CharField(
        _("known as"), max_length=100, blank=True, help_text=_("The name the child is known by.")
    )
    date_of_birth = models.DateField(_("date of birth"))
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, related_name="children", null=True, blank=True
    )
    started_on = models.DateField(_("started on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    key_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="key_children",
        null=True,
        blank=True,
        verbose_name=_("key person"),
    )
    care_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="CareTeamMember",
        related_name="care_team_children",
        blank=True,
        verbose_name=_("care team"),
    )

    history = kept_history()
    # Set by the access policy on each child it fetches for a user (``access.get_child``): what
    # that user may do with it. Not a field.
    rights: "ChildRights"

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        verbose_name_plural = _("children")
        permissions = [
            ("view_sensitive_records", _("Can see the child's sensitive records")),
        ]
        indexes = [models.Index(fields=["setting", "last_name", "first_name"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(left_on__gte=models.F("started_on")),
                name="child_leaves_after_starting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def get_absolute_url(self) -> str:
        return reverse("children:detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        if self.known_as and self.known_as != self.first_name:
            return f"{self.known_as} ({self.first_name}) {self.last_name}"
        return str(self)

    @property
    def has_left(self) -> bool:
        return self.left_on is not None and self.left_on <= timezone.localdate()


# What a manager may edit about a child; the key person and care team change separately.
CHILD_FIELDS = (
    "first_name",
    "last_name",
    "known_as",
    "date_of_birth",
    "room",
    "started_on",
    "left_on",
    "family",
)


class CareTeamMember(models.Model):
    """A member of staff involved in a child's care: sees the child and its general records."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="care_team_members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_team_memberships"
    )
    added_on = models.DateTimeField(_("added on"), default=timezone.now)

    history = kept_history()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "user"], name="care_team_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} cares for {self.child}"


class Person(models.Model):
    """A parent, carer or other adult connected with a child."""

    setting = models.ForeignKey(Setting, on_delete=models.PROTECT, related_name="people")
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="people", null=True, blank=True
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    organisation = models.CharField(
        _("organisation"),
        max_length=200,
        blank=True,
        help_text=_("For a professional, e.g. the local authority a social worker acts for."),
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.TextField(_("address"), blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=60, blank=True)
    interpreter_needed = models.BooleanField(_("interpreter needed"), default=False)

    history = kept_history()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Relationship(models.TextChoices):
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    PARENT = "parent", _("Parent")
    STEP_PARENT = "step_parent", _("Step-parent")
    ADOPTIVE_PARENT = "adoptive_parent", _("Adoptive parent")
    GRANDPARENT = "grandparent", _("Grandparent")
    OTHER_RELATIVE = "other_relative", _("Other relative")
    SPECIAL_GUARDIAN = "special_guardian", _("Special guardian")
    FOSTER_CARER = "foster_carer", _("Foster carer")
    LOCAL_AUTHORITY = "local_authority", _("Local authority (social worker)")
    OTHER = "other", _("Other")


class PREvidence(models.TextChoices):
    NONE = "", _("None seen")
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
    MARRIAGE_OR_CIVIL_PARTNERSHIP = "marriage", _("Marriage or civil partnership at birth")
    PR_AGREEMENT = "pr_agreement", _("Parental responsibility agreement")
    PR_ORDER = "pr_order", _("Parental responsibility order")
    CHILD_ARRANGEMENTS_ORDER = "child_arrangements_order", _("Child arrangements order")
    SPECIAL_GUARDIANSHIP_ORDER = "special_guardianship_order", _("Special guardianship order")
    CARE_ORDER = "care_order", _("Care order (local authority)")
    ADOPTION_ORDER = "adoption_order", _("Adoption order")


class ChildPerson(models.Model):
    """How a person is connected with a child, and whether they hold parental responsibility.

    This register is what an access request is checked against: who may ask for the records,
    and who must not receive information.
    """

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="connections")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="connections")
    relationship = models.CharField(_("relationship"), max_length=30, choices=Relationship.choices)
    has_parental_responsibility = models.BooleanField(_("parental responsibility"), default=False)
    pr_evidence = models.CharField(
        _("evidence of parental responsibility"),
        max_length=40,
        choices=PREvidence.choices,
        blank=True,
    )
    pr_evidence_note = models.CharField(
        _("evidence details"),
        max_length=200,
        blank=True,
        help_text=_("Which document was seen, its date, and who saw it."),
    )
    restriction = models.TextField(
        _("court order restriction"),
        blank=True,
        help_text=_(
            "Any court order limiting what this person may receive or do, "
            "e.g. a prohibited steps order. Leave empty when there is none."
        ),
    )
    lives_with_child = models.BooleanField(_("lives with the child"), default=False)

    history = kept_history()

    class Meta:
        ordering = ["-has_parental_responsibility", "person__last_name", "person__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["child", "person"], name="child_person_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_relationship_display()} of {self.child}"

    @property
    def is_restricted(self) -> bool:
        return bool(self.restriction.strip())


class RecordKind(models.TextChoices):
    OBSERVATION = "observation", _("Observation")
    PROGRESS = "progress", _("Progress")
    WELLBEING = "wellbeing", _("Well-being")
    CONCERN = "concern", _("Concern")
    MEETING_NOTE = "meeting_note", _("Meeting note")
    INCIDENT = "incident", _("Incident")
    OTHER = "other", _("Other")


class Sensitivity(models.TextChoices):
    GENERAL = "general", _("General")
    SENSITIVE = "sensitive", _("Sensitive")


class Nature(models.TextChoices):
    FACT = "fact", _("Fact")
    OPINION = "opinion", _("Opinion or professional judgement")


class Source(models.TextChoices):
    SETTING = "setting", _("The setting")
    THIRD_PARTY = "third_party", _("A third party")


class Record(models.Model):
    """An entry in a child's records."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="records")
    kind = models.CharField(_("kind"), max_length=20, choices=RecordKind.choices)
    sensitivity = models.CharField(
        _("sensitivity"),
        max_length=10,
        choices=Sensitivity.choices,
        help_text=_(
            "General: the child's care team may see it. "
            "Sensitive: only the manager and the child's key person."
        ),
    )
    nature = models.CharField(
        _("fact or opinion"),
        max_length=10,
        choices=Nature.choices,
        help_text=_(
            "A fact can be corrected if it is wrong; an opinion or professional judgement is "
            "kept, with the parent's view added if they disagree."
        ),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("entry"))
    occurred_at = models.DateTimeField(_("when it happened"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_records"
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last changed at"), default=timezone.now)

    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.SETTING
    )
    third_party_name = models.CharField(_("third party's name"), max_length=200, blank=True)
    third_party_organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    third_party_role = models.CharField(_("role"), max_length=200, blank=True)
    third_party_confidential = models.BooleanField(
        _("confidential third-party information"),
        null=True,
        blank=True,
        help_text=_(
            "Whether the third party shared this in confidence, for them or for the person it "
            "concerns. Empty until someone has checked."
        ),
    )
    confidentiality_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    confidentiality_checked_at = models.DateTimeField(null=True, blank=True)

    history = kept_history()
    # Set by the access policy on each record it fetches for a user (``access.get_record``):
    # what that user may do with it. Not a field.
    rights: "RecordRights"

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["child", "-occurred_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sensitivity__in=["general", "sensitive"]),
                name="record_sensitivity_known",
            ),
            models.CheckConstraint(
                condition=models.Q(source="setting")
                | ~models.Q(third_party_name="")
                | ~models.Q(third_party_organisation=""),
                name="third_party_is_named",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("children:record", args=[self.pk])

    @property
    def is_sensitive(self) -> bool:
        return self.sensitivity == Sensitivity.SENSITIVE

    @property
    def is_third_party(self) -> bool:
        return self.source == Source.THIRD_PARTY

    @property
    def third_party_label(self) -> str:
        parts = [self.third_party_name, self.third_party_role, self.third_party_organisation]
        return ", ".join(part for part in parts if part)


class NeedToKnowGrant(models.Model):
    """A manager lets a named member of staff see one child's sensitive records, or one record.

    Grants stop working when they expire or are revoked, on the very next request.
    """

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="grants")
    record = models.ForeignKey(
        Record,
        on_delete=models.PROTECT,
        related_name="grants",
        null=True,
        blank=True,
        help_text=_("Leave empty to cover all of the child's records."),
    )
    grantee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grants_held"
    )
    reason = models.TextField(_("reason"))
    expires_on = models.DateField(_("expires on"), help_text=_("The last day the grant works."))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grants_given"
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="grants_revoked",
        null=True,
        blank=True,
    )
    revoke_reason = models.TextField(_("reason for revoking"), blank=True)

    history = kept_history()

    class Meta:
        ordering = ["-granted_at", "-pk"]
        indexes = [models.Index(fields=["grantee", "expires_on"])]

    def __str__(self) -> str:
        scope = f"“{self.record}”" if self.record_id else "sensitive records"
        return f"{self.grantee}: {scope} of {self.child}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_on >= timezone.localdate()

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.expires_on >= timezone.localdate() else "expired"
