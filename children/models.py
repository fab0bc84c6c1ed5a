import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
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
    # A closed room is kept, not deleted: old records and history still name it, and it is no
    # longer offered when a child's room is chosen.
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    history = kept_history()

    class Meta:
        ordering = ["name"]
        constraints = [
            # "Toddlers" and "toddlers" would be two rooms nobody could tell apart in a list.
            models.UniqueConstraint(
                "setting", Lower("name"), name="room_name_unique_in_setting_any_case"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


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


class RestrictionType(models.TextChoices):
    """The kinds of court order a register records against a person (Children Act 1989 s.8;
    Family Law Act 1996 s.42 for a non-molestation order)."""

    NONE = "", _("None")
    PROHIBITED_STEPS = "prohibited_steps", _("Prohibited steps order")
    CHILD_ARRANGEMENTS = "child_arrangements", _("Child arrangements order")
    NON_MOLESTATION = "non_molestation", _("Non-molestation order")
    OTHER = "other", _("Other court order")


class ChildPersonQuerySet(models.QuerySet["ChildPerson"]):
    """The register's two questions, asked the same way everywhere, in SQL as in Python
    (``ChildPerson.is_current`` and ``ChildPerson.is_restricted``)."""

    def current(self) -> "ChildPersonQuerySet":
        """Connections not ended: an ended one counts nowhere a current one does."""
        return self.filter(CURRENT_CONNECTION)

    def restricted(self, day: datetime.date | None = None) -> "ChildPersonQuerySet":
        """Connections under a court-order restriction in force on ``day`` (today), ended or
        not: a court order binds the person whatever their connection's state (Children Act
        1989 s.8; DPA 2018 Sch. 2 para 16), so ending a connection never hides it."""
        return self.filter(restriction_in_force(day))

    def unrestricted(self, day: datetime.date | None = None) -> "ChildPersonQuerySet":
        """Current connections under no court-order restriction in force on ``day`` (today)."""
        return self.current().exclude(restriction_in_force(day))


#: A connection that has not been ended (``ended_on`` is never after today: ``connection_end``).
CURRENT_CONNECTION = models.Q(ended_on__isnull=True)


def restriction_in_force(day: datetime.date | None = None, prefix: str = "") -> models.Q:
    """A restriction of some type, started on or before ``day`` (or with no start recorded:
    in force from when it was entered) and not ended before it (or with no end date)."""
    day = day or timezone.localdate()
    return (
        ~models.Q(**{f"{prefix}restriction_type": RestrictionType.NONE})
        & (
            models.Q(**{f"{prefix}restriction_starts_on__isnull": True})
            | models.Q(**{f"{prefix}restriction_starts_on__lte": day})
        )
        & (
            models.Q(**{f"{prefix}restriction_ends_on__isnull": True})
            | models.Q(**{f"{prefix}restriction_ends_on__gte": day})
        )
    )


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
    # A court order limiting what this person may receive or do. An access request is checked
    # against it (DPA 2018 Sch. 2 para 16 and the ICO's right of access guidance: a parent's
    # right to a child's records yields to a court order). In force only with a type, between
    # its dates (``restriction_in_force``).
    restriction_type = models.CharField(
        _("court order"),
        max_length=30,
        choices=RestrictionType.choices,
        blank=True,
        help_text=_("Leave as “None” when no court order limits what this person may do."),
    )
    restriction_starts_on = models.DateField(
        _("order made on"),
        null=True,
        blank=True,
        help_text=_("Leave empty if not known: the order then counts from now."),
    )
    restriction_ends_on = models.DateField(
        _("order ends on"),
        null=True,
        blank=True,
        help_text=_("Leave empty if it has no end date. It stops counting after this day."),
    )
    restriction = models.TextField(
        _("what the order says"),
        blank=True,
        help_text=_("What the order forbids this person, and its reference."),
    )
    lives_with_child = models.BooleanField(_("lives with the child"), default=False)
    # Never deleted: an ended connection stays in the register's history (UK GDPR Art. 5(1)(d)
    # keeps the register accurate; the EYFS framework's information and records
    # requirements ask who has parental responsibility and who the child lives with).
    ended_on = models.DateField(_("ended on"), null=True, blank=True, editable=False)
    end_reason = models.CharField(_("why it ended"), max_length=500, blank=True, editable=False)

    objects = ChildPersonQuerySet.as_manager()
    history = kept_history()

    class Meta:
        ordering = ["-has_parental_responsibility", "person__last_name", "person__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["child", "person"], name="child_person_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_relationship_display()} of {self.child}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None

    @property
    def is_restricted(self) -> bool:
        """A court-order restriction in force today, whether or not the connection has ended (a
        court order binds the person whatever the register says of them): the same rule as
        ``ChildPersonQuerySet.restricted``."""
        return self.restriction_in_force_on(timezone.localdate())

    def restriction_in_force_on(self, day: datetime.date) -> bool:
        return (
            bool(self.restriction_type)
            and (self.restriction_starts_on is None or self.restriction_starts_on <= day)
            and (self.restriction_ends_on is None or self.restriction_ends_on >= day)
        )

    @property
    def restriction_summary(self) -> str:
        """The order in words, for banners, refusals and the record pack."""
        words = str(RestrictionType(self.restriction_type).label)
        if self.restriction_starts_on:
            words += f" made {self.restriction_starts_on:%d/%m/%Y}"
        if self.restriction_ends_on:
            words += f", until {self.restriction_ends_on:%d/%m/%Y}"
        if self.restriction.strip():
            words += f": {self.restriction.strip()}"
        return words


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
    # Search's index over title and body is made outside the ORM, by migration
    # children/0007_record_search, and a migration changing these fields or this table must
    # keep it: on SQLite, a migration that rebuilds children_record (most AlterFields do) drops
    # the three triggers that keep the FTS5 table in step, without a word; make them again in
    # that migration (0007's SQLITE_CREATE). On PostgreSQL, the stored generated column
    # search_document depends on title and body and blocks ALTER COLUMN ... TYPE on them: drop
    # it (and its GIN index) and add them again in that migration (0007's POSTGRES_DROP and
    # POSTGRES_CREATE). tests/children/test_search.py checks the triggers after migrations.
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
    # Policy P6 names two parties whose confidentiality is checked: the person or agency who
    # shared the information, and the person it is about (DPA 2018 Sch. 2 para 16: information
    # about, or from, another person; ICO right of access guidance on third-party information).
    # Each answer is kept with who checked and when; the services alone write them.
    sharer_confidential = models.BooleanField(
        _("confidential for the person who shared it"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Did the person or agency who shared this ask for it to be kept confidential? "
            "Empty until someone has checked."
        ),
    )
    sharer_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    sharer_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    subject_confidential = models.BooleanField(
        _("confidential for the person it is about"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Would the person it is about expect it to be kept confidential? "
            "Empty until someone has checked."
        ),
    )
    subject_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    subject_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The two answers combined, kept by the services (``children.services``) so that the rest
    # of the code can read and filter on one field: confidential if either party says so, open
    # when both say not, empty while an answer is missing and neither says confidential.
    third_party_confidential = models.BooleanField(
        _("confidential third-party information"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Confidential for the person who shared it or for the person it is about. "
            "Empty until both have been checked, unless one already says confidential."
        ),
    )
    # Set from a rectification request's receipt until the parent is told the decision, or it
    # is withdrawn or refused (UK GDPR Art. 18(1)(a): processing is restricted while the
    # accuracy is checked; 18(3): the parent is told before it is lifted). Kept by the rectification
    # services only, in the same transaction as the request, so lists, search, packs and the
    # sharing log can mark the entry without asking another app; the change is in history.
    disputed = models.BooleanField(_("disputed by a parent"), default=False, editable=False)

    history = kept_history()
    # Set by the access policy on each record it fetches for a user (``access.get_record``):
    # what that user may do with it. Not a field.
    rights: "RecordRights"

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["child", "-occurred_at"]),
            # The home page's capped lists (setting_records.dashboard), each walked in the
            # order it is shown and stopped after its first rows, whatever the years of
            # entries behind them: a person's last entries; entries a parent disputes (few at
            # a time); third-party entries with an answer still missing (policy P6).
            models.Index(fields=["author", "-created_at"], name="children_record_by_author"),
            models.Index(
                fields=["author", "-updated_at"],
                condition=models.Q(disputed=True),
                name="children_record_disputed",
            ),
            models.Index(
                fields=["-created_at"],
                condition=models.Q(source=Source.THIRD_PARTY)
                & (
                    models.Q(sharer_confidential__isnull=True)
                    | models.Q(subject_confidential__isnull=True)
                ),
                name="children_record_unchecked",
            ),
        ]
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
    def third_party_unchecked(self) -> bool:
        """A third-party entry with an answer still missing, for either party."""
        return self.is_third_party and (
            self.sharer_confidential is None or self.subject_confidential is None
        )

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


class StatementTakenHow(models.TextChoices):
    MEETING = "meeting", _("In a meeting")
    LETTER = "letter", _("By letter")
    EMAIL = "email", _("By email")
    PHONE = "phone", _("By phone")


class ParentStatement(models.Model):
    """A parent's own view of an entry, in their words (policy P11).

    It belongs to one entry and travels with it: the record page, every list that shows the
    entry, its history, every later record pack and any later note of what was shared.
    A statement is never edited: a correction is a new statement that ``supersedes`` it, and
    both are kept.
    """

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="statements")
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="statements",
        null=True,
        blank=True,
        help_text=_("The person in the child's register who made the statement."),
    )
    made_by_name = models.CharField(
        _("made by (when not in the register)"),
        max_length=200,
        blank=True,
        help_text=_("e.g. a solicitor making the statement for a parent."),
    )
    made_on = models.DateField(_("made on"))
    taken_how = models.CharField(
        _("how it was taken"), max_length=20, choices=StatementTakenHow.choices
    )
    words = models.TextField(_("their words"), help_text=_("Exactly as the parent put it."))
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        related_name="superseded_by",
        null=True,
        blank=True,
        help_text=_("The earlier statement this one corrects; both are kept."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    # One per form shown (a random token in a hidden field): a double click or a resent form
    # finds the row the first submission made instead of recording the same thing twice.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = kept_history()

    class Meta:
        ordering = ["made_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | ~models.Q(made_by_name=""),
                name="statement_names_who_made_it",
            ),
        ]

    def __str__(self) -> str:
        return f"Statement by {self.made_by} on “{self.record}”"

    @property
    def made_by(self) -> str:
        return str(self.person) if self.person_id else self.made_by_name


class SharingDecision(models.TextChoices):
    SHARED = "shared", _("Shared")
    NOT_SHARED = "not_shared", _("Decided not to share")


class LawfulBasis(models.TextChoices):
    """UK GDPR Art. 6(1) bases a nursery relies on when it shares about a child; with special
    category data the condition is usually DPA 2018 Sch. 1 para 18 (safeguarding of children
    and of individuals at risk), said in ``lawful_basis_detail``."""

    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation (UK GDPR Art. 6(1)(c))")
    PUBLIC_TASK = "public_task", _("Public task (UK GDPR Art. 6(1)(e))")
    VITAL_INTERESTS = "vital_interests", _("Vital interests (UK GDPR Art. 6(1)(d))")
    LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests (UK GDPR Art. 6(1)(f))")
    CONSENT = "consent", _("Consent (UK GDPR Art. 6(1)(a))")


class Consent(models.TextChoices):
    GIVEN = "given", _("Given")
    REFUSED = "refused", _("Refused")
    NOT_SOUGHT = "not_sought", _("Not sought")


class Framework(models.TextChoices):
    CHILD_PROTECTION_CONFERENCE = "child_protection_conference", _("Child protection conference")
    STRATEGY_DISCUSSION = "strategy_discussion", _("Strategy discussion")
    CORE_GROUP = "core_group", _("Core group meeting")
    TEAM_AROUND_THE_FAMILY = "team_around_the_family", _("Team Around the Family")
    REFERRAL = "referral", _("Referral")
    OTHER = "other", _("Other")


class SharingMethod(models.TextChoices):
    SECURE_EMAIL = "secure_email", _("Secure email")
    MEETING = "meeting", _("Meeting")
    PHONE = "phone", _("Phone")
    LETTER = "letter", _("Letter")
    OTHER = "other", _("Other")


class InformationSharing(models.Model):
    """One disclosure about a child to another agency or professional, or one decision not to
    share (policy P5; HM Government, "Information sharing: advice for practitioners", 2024).

    Nothing leaves the setting through the software: this records what staff did elsewhere.
    """

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="sharings")
    decision = models.CharField(_("decision"), max_length=20, choices=SharingDecision.choices)
    decided_on = models.DateField(_("date"), help_text=_("When it was shared, or decided not to."))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("who decided"),
    )
    recipient_organisation = models.CharField(_("organisation"), max_length=200)
    recipient_name = models.CharField(_("person"), max_length=200, blank=True)
    recipient_role = models.CharField(_("their role"), max_length=200, blank=True)
    summary = models.TextField(
        _("what was shared"),
        blank=True,
        help_text=_("A written summary, when it was not (only) entries; or what was asked for."),
    )
    entries = models.ManyToManyField(
        Record, through="SharedEntry", related_name="sharings", blank=True
    )
    purpose = models.TextField(_("why"))
    lawful_basis = models.CharField(
        _("lawful basis"), max_length=30, choices=LawfulBasis.choices, blank=True
    )
    lawful_basis_detail = models.CharField(
        _("condition for special category data, or other detail"), max_length=300, blank=True
    )
    consent = models.CharField(_("consent"), max_length=20, choices=Consent.choices)
    consent_reason = models.TextField(
        _("about consent"),
        blank=True,
        help_text=_("Why consent was not sought, or why it went ahead when consent was refused."),
    )
    framework = models.CharField(
        _("professional framework"), max_length=40, choices=Framework.choices
    )
    framework_detail = models.CharField(_("framework details"), max_length=200, blank=True)
    method = models.CharField(
        _("how it was shared"), max_length=20, choices=SharingMethod.choices, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    # One per form shown (a random token in a hidden field): a double click or a resent form
    # finds the row the first submission made instead of recording the same thing twice.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = kept_history()

    class Meta:
        ordering = ["-decided_on", "-pk"]
        indexes = [models.Index(fields=["child", "-decided_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decision="not_shared")
                | (~models.Q(lawful_basis="") & ~models.Q(method="")),
                name="sharing_has_basis_and_method",
            ),
        ]

    def __str__(self) -> str:
        verb = "Shared with" if self.decision == SharingDecision.SHARED else "Not shared with"
        return f"{verb} {self.recipient_label} on {self.decided_on:%d/%m/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("children:sharing", args=[self.pk])

    @property
    def is_shared(self) -> bool:
        return self.decision == SharingDecision.SHARED

    @property
    def recipient_label(self) -> str:
        parts = [self.recipient_name, self.recipient_role, self.recipient_organisation]
        return ", ".join(part for part in parts if part)


class SharedEntry(models.Model):
    """An entry named in a disclosure, with what stood beside it that day: its title, whether a
    parent was disputing it (and why it went anyway), and the parent's statements."""

    sharing = models.ForeignKey(
        InformationSharing, on_delete=models.PROTECT, related_name="shared_entries"
    )
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="shared_entries")
    title = models.CharField(_("title when shared"), max_length=200)
    statements_note = models.TextField(
        _("parent's statements when shared"),
        blank=True,
        help_text=_("The parent's statements on the entry at the time, in their words."),
    )
    was_disputed = models.BooleanField(_("disputed by a parent when shared"), default=False)
    disputed_reason = models.TextField(
        _("why it was shared while disputed"),
        blank=True,
        help_text=_("UK GDPR Art. 18(2), e.g. a safeguarding referral."),
    )

    history = kept_history()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["sharing", "record"], name="entry_shared_once"),
            models.CheckConstraint(
                condition=models.Q(was_disputed=False) | ~models.Q(disputed_reason=""),
                name="disputed_entry_shared_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.sharing})"
