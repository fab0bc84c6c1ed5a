import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access_requests import deadlines
from children.models import (
    Child,
    ChildPerson,
    InformationSharing,
    Nature,
    ParentStatement,
    Person,
    Record,
    SharingMethod,
)
from setting_records.history import kept_history
from setting_records.models import Setting


class State(models.TextChoices):
    RECEIVED = "received", _("Received")
    IDENTITY_VERIFIED = "identity_verified", _("Identity verified")
    PREPARING = "preparing", _("Preparing")
    READY_FOR_MEETING = "ready_for_meeting", _("Ready for meeting")
    MEETING_HELD = "meeting_held", _("Meeting held")
    MEETING_DECLINED = "meeting_declined", _("Meeting offered and declined")
    COPY_RELEASED = "copy_released", _("Copy released")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REFUSED = "refused", _("Refused")


OPEN_STATES = {
    State.RECEIVED,
    State.IDENTITY_VERIFIED,
    State.PREPARING,
    State.READY_FOR_MEETING,
    State.MEETING_HELD,
    State.MEETING_DECLINED,
    State.COPY_RELEASED,
}


class Channel(models.TextChoices):
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("Email")
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")


class RefusalGround(models.TextChoices):
    NO_PARENTAL_RESPONSIBILITY = (
        "no_parental_responsibility",
        _("The requester does not hold parental responsibility for the child"),
    )
    IDENTITY_NOT_CONFIRMED = "identity_not_confirmed", _("Identity could not be confirmed")
    MANIFESTLY_UNFOUNDED = "manifestly_unfounded", _("Manifestly unfounded (Art. 12(5))")
    EXCESSIVE = "excessive", _("Excessive, e.g. repetitive (Art. 12(5))")
    OTHER = "other", _("Other (explained in the reasons)")


class StatutoryClock(models.Model):
    """The one-month clock a parent's request runs on, shared by access requests (UK GDPR
    Art. 15) and rectification requests (Art. 16): receipt, proof of identity (Art. 12A(2)) and
    an extension (Art. 12(3)) for both; clarification pauses (each model's ``pauses``) for
    access requests only (Art. 12A(3)-(5); DPA 2018 s.54(3C)). The due date itself comes from
    the pure ``deadlines.due_date``."""

    received_on = models.DateField(_("received on"))
    channel = models.CharField(_("received by"), max_length=20, choices=Channel.choices)
    identity_method = models.CharField(_("how identity was verified"), max_length=300, blank=True)
    identity_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    identity_verified_at = models.DateTimeField(null=True, blank=True)
    # Asking for proof of identity does not pause the month: the month starts again on the day
    # it arrives (UK GDPR Art. 12A, DPA 2018 s.54(3)); see access_requests/deadlines.py.
    identity_requested_on = models.DateField(
        _("proof of identity asked for on"), null=True, blank=True
    )
    identity_asked_for = models.CharField(
        _("what was asked for to confirm identity"), max_length=300, blank=True
    )
    identity_received_on = models.DateField(
        _("proof of identity received on"), null=True, blank=True
    )
    extension_months = models.PositiveSmallIntegerField(_("extended by (months)"), default=0)
    extension_reason = models.TextField(_("why the request is complex"), blank=True)
    extension_told_on = models.DateField(
        _("requester told of the extension on"), null=True, blank=True
    )
    extension_reasons_told = models.BooleanField(
        _("requester told the reasons for the delay"),
        default=False,
        help_text=_("UK GDPR Art. 12(3): the extension is told together with its reasons."),
    )

    # Each concrete model's clarification pauses (a reverse foreign key of its pause model).
    pauses: Any

    class Meta:
        abstract = True

    @property
    def waiting_for_identity(self) -> bool:
        """Proof of identity was asked for and has not arrived: the month has not started."""
        return self.identity_requested_on is not None and self.identity_received_on is None

    @property
    def open_pause(self) -> "Pause | None":
        """The clarification still awaited, if any (uses a prefetch of ``pauses`` if any)."""
        return next((pause for pause in self.pauses.all() if pause.ended_on is None), None)

    def deadline_pauses(self) -> list[deadlines.Pause]:
        """The clarification pauses, as ``deadlines`` takes them (uses a prefetch if any)."""
        return [deadlines.Pause(pause.started_on, pause.ended_on) for pause in self.pauses.all()]

    def due_on(self) -> datetime.date | None:
        """The due date, or None while identity is awaited or the clock is stopped."""
        return deadlines.due_date(
            received=self.received_on,
            identity_requested=self.identity_requested_on,
            identity_received=self.identity_received_on,
            pauses=self.deadline_pauses(),
            extension_months=self.extension_months,
        )

    def deadline(self, today: datetime.date | None = None) -> deadlines.Deadline:
        """The due date with its workings (identity wait, stopped clock, late pauses, days
        left from ``today``, by default the local date) for the request page."""
        return deadlines.deadline(
            received=self.received_on,
            identity_requested=self.identity_requested_on,
            identity_received=self.identity_received_on,
            pauses=self.deadline_pauses(),
            extension_months=self.extension_months,
            today=today or timezone.localdate(),
        )


class AccessRequest(StatutoryClock):
    """A parent's (or their representative's) request to see what is held on a child (P7)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="access_requests")
    # The child's setting, kept on the request so that its reference can be unique per setting.
    setting = models.ForeignKey(Setting, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("reference"), max_length=20)
    requester = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="access_requests",
        help_text=_("The person in the child's register the request is made by or for."),
    )
    representative_name = models.CharField(
        _("legal representative"),
        max_length=200,
        blank=True,
        help_text=_("When a solicitor or other representative makes the request for them."),
    )
    representative_authority = models.CharField(
        _("evidence of the representative's authority"), max_length=300, blank=True
    )
    state = models.CharField(
        _("state"), max_length=30, choices=State.choices, default=State.RECEIVED
    )
    outcome_reason = models.TextField(_("reason"), blank=True)
    # A refusal (UK GDPR Art. 12(4)): the requester is told, without undue delay and within the
    # month, why, and that they may complain to the ICO and seek a judicial remedy.
    refusal_ground = models.CharField(
        _("ground for refusing"), max_length=30, choices=RefusalGround.choices, blank=True
    )
    refusal_told_on = models.DateField(_("requester told of the refusal on"), null=True, blank=True)
    refusal_told_how = models.CharField(
        _("told by"), max_length=20, choices=Channel.choices, blank=True
    )
    told_of_rights = models.BooleanField(
        _("told of the right to complain to the ICO and to go to court"), default=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = kept_history()

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["setting", "reference"], name="one_reference_per_setting"
            ),
            models.CheckConstraint(
                condition=models.Q(extension_months__lte=deadlines.MAX_EXTENSION_MONTHS),
                name="extension_at_most_two_months",
            ),
            models.CheckConstraint(
                condition=models.Q(identity_received_on__isnull=True)
                | models.Q(identity_received_on__gte=models.F("identity_requested_on")),
                name="identity_received_after_it_was_asked_for",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("access_requests:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ReferenceCounter(models.Model):
    """The last reference number a setting gave its access requests in one year.

    Each setting numbers its own requests (AR-2026-0001 onwards), so a reference says nothing
    about another setting's volume. ``request_create`` takes this row under a lock, so that
    requests made at the same moment get different numbers. Not kept in history: each number
    given out is in its request's history.
    """

    setting = models.ForeignKey(Setting, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["setting", "year"], name="one_counter_per_setting_year")
        ]

    def __str__(self) -> str:
        return f"{self.setting} {self.year}: {self.last}"


class Pause(models.Model):
    """The clock stops while the setting waits for a clarification it reasonably needs to find
    the information asked for (UK GDPR Art. 12A, DPA 2018 s.54(3C)). Waiting for proof of
    identity is not a pause: it restarts the month (``AccessRequest.identity_received_on``)."""

    request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="pauses")
    started_on = models.DateField(_("asked on"))
    ended_on = models.DateField(_("answer received on"), null=True, blank=True)
    reason = models.CharField(_("what was asked for"), max_length=300)

    history = kept_history()

    class Meta:
        ordering = ["started_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="pause_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request}: {self.reason}"


class Helper(models.Model):
    """Someone recorded against the request who may attend the meeting besides people with
    parental responsibility: the requester's legal representative or an interpreter (P8)."""

    class Role(models.TextChoices):
        LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")
        INTERPRETER = "interpreter", _("Interpreter")

    request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="helpers")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)

    history = kept_history()

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class Disclosure(models.TextChoices):
    DISCLOSE = "disclose", _("Disclose")
    CONSENT = "consent", _("Disclose: the third party consented")
    REASONABLE = "reasonable", _("Disclose: reasonable without consent")
    PROFESSIONAL = "professional", _("Disclose: a professional acting in their role")
    WITHHOLD = "withhold", _("Withhold")


# Third-party information goes out only on one of these grounds (DPA 2018 Sch. 2 para 16(1)-(2)
# consent or reasonable without it; para 17 a health, social work or education professional
# acting in their role): a plain "disclose" is for the setting's own entries.
THIRD_PARTY_GROUNDS = {Disclosure.CONSENT, Disclosure.REASONABLE, Disclosure.PROFESSIONAL}


class WithholdReason(models.TextChoices):
    """The exemptions a nursery may rely on to withhold (part of) an entry from a copy.

    The serious-harm exemptions are narrow and each is tied to a kind of data: health data
    (DPA 2018 Sch. 3 para 5, only after the opinion of the appropriate health professional,
    para 6), social work data (Sch. 3 para 12: data the local authority's children's services
    and other listed bodies hold or pass on, para 7-8), and education data (Sch. 3 para 19,
    "educational records" of a school, para 14-15: a maintained nursery school or a school's
    nursery class, not a private, voluntary or independent nursery's own notes). There is no
    general serious-harm exemption for a setting's own observations.
    """

    THIRD_PARTY = "third_party", _("Information about another person (DPA 2018 Sch. 2 para 16)")
    SERIOUS_HARM = (
        "serious_harm",
        _("Serious harm: health data, on a health professional's opinion (DPA 2018 Sch. 3 para 5)"),
    )
    SERIOUS_HARM_SOCIAL_WORK = (
        "serious_harm_social_work",
        _("Serious harm: social work data (DPA 2018 Sch. 3 para 12)"),
    )
    SERIOUS_HARM_EDUCATION = (
        "serious_harm_education",
        _("Serious harm: a school's educational record (DPA 2018 Sch. 3 para 19)"),
    )
    CHILD_ABUSE = (
        "child_abuse",
        _("Child abuse data not in the child's best interests (DPA 2018 Sch. 3 para 21)"),
    )
    LEGAL_PRIVILEGE = "legal_privilege", _("Legal professional privilege (DPA 2018 Sch. 2 para 19)")
    CRIME = "crime", _("Prevention or detection of crime (DPA 2018 Sch. 2 para 2)")
    OTHER = "other", _("Other (explain in the note)")


# What the parent reads in place of what was withheld, when the reason may be told.
REASON_FOR_PARENT: dict[str, str] = {
    WithholdReason.THIRD_PARTY: "it is information about another person "
    "(Data Protection Act 2018, Schedule 2, paragraph 16)",
    WithholdReason.SERIOUS_HARM: "a health professional advised that it would be likely to "
    "cause serious harm (Data Protection Act 2018, Schedule 3, paragraph 5)",
    WithholdReason.SERIOUS_HARM_SOCIAL_WORK: "it is social work information likely to cause "
    "serious harm (Data Protection Act 2018, Schedule 3, paragraph 12)",
    WithholdReason.SERIOUS_HARM_EDUCATION: "it is education information likely to cause "
    "serious harm (Data Protection Act 2018, Schedule 3, paragraph 19)",
    WithholdReason.CHILD_ABUSE: "sharing it would not be in the child's best interests "
    "(Data Protection Act 2018, Schedule 3, paragraph 21)",
    WithholdReason.LEGAL_PRIVILEGE: "it is legal advice protected by legal professional "
    "privilege (Data Protection Act 2018, Schedule 2, paragraph 19)",
    WithholdReason.CRIME: "sharing it would be likely to prejudice the prevention or "
    "detection of crime (Data Protection Act 2018, Schedule 2, paragraph 2)",
    WithholdReason.OTHER: "",  # the note says why
}
# Printed instead of "[withheld — reason]" when telling the reason would itself reveal what is
# withheld (recorded as ``reason_may_be_told=False``).
NEUTRAL_WITHHELD = "[some information has been withheld]"


def reason_for_parent(code: str, note: str, *, may_be_told: bool) -> str:
    """The words inside "[withheld — …]" in the pack; empty when the reason may not be told
    (the pack then prints the neutral line)."""
    if not may_be_told:
        return ""
    if code == WithholdReason.OTHER:
        return note.strip()
    return REASON_FOR_PARENT.get(code, "")


def withheld_line(reason: str) -> str:
    return f"[withheld — {reason}]" if reason else NEUTRAL_WITHHELD


def withholding_problem(code: str, note: str) -> str | None:
    """Why this withholding cannot be recorded, or None: every one needs a code and a note."""
    if code not in WithholdReason.values:
        return "Give the reason for withholding: choose the exemption that applies."
    if not note.strip():
        return "Add a note saying why the exemption applies."
    return None


class PreparedEntry(models.Model):
    """One of the child's entries, chosen for the pack or not, with the review of third-party
    information (P6).

    Nothing is left out silently: an entry that is not disclosed is withheld with an exemption
    and a note, and the pack prints a "[withheld — reason]" line in its place (or a neutral line
    when ``reason_may_be_told`` is off).
    """

    request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="entries")
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="+")
    included = models.BooleanField(_("included"), default=True)
    disclosure = models.CharField(
        _("decision"), max_length=20, choices=Disclosure.choices, blank=True
    )
    withhold_reason = models.CharField(
        _("reason for withholding"), max_length=30, choices=WithholdReason.choices, blank=True
    )
    withhold_note = models.TextField(_("why the exemption applies"), blank=True)
    reason_may_be_told = models.BooleanField(
        _("the parent may be told the reason"),
        default=True,
        help_text=_(
            "Off when telling the reason would itself reveal what is withheld: the pack then "
            "says only that some information has been withheld."
        ),
    )
    names_third_party = models.BooleanField(
        _("names another person"),
        default=False,
        help_text=_("The entry's text names another child or a person in the register."),
    )
    disclosed_by_default = models.BooleanField(
        _("disclosed by default"),
        default=False,
        help_text=_("A professional acting in their role (DPA 2018 Sch. 2 para 17)."),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = kept_history()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "record"], name="entry_once_per_request"),
            models.CheckConstraint(
                condition=~models.Q(disclosure="withhold") | ~models.Q(withhold_reason=""),
                name="withholding_has_a_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(included=True) | ~models.Q(withhold_reason=""),
                name="leaving_out_has_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request}: {self.record}"

    @property
    def review_required(self) -> bool:
        """Third-party, sensitive (safeguarding, health) and naming entries are looked at."""
        return self.record.is_third_party or self.record.is_sensitive or self.names_third_party

    @property
    def needs_review(self) -> bool:
        return self.included and self.review_required and not self.disclosure

    @property
    def withheld(self) -> bool:
        return self.disclosure == Disclosure.WITHHOLD or not self.included

    @property
    def reason_for_parent(self) -> str:
        return reason_for_parent(
            self.withhold_reason, self.withhold_note, may_be_told=self.reason_may_be_told
        )


class Redaction(models.Model):
    """A passage of an entry's text withheld from the pack, with its reason.

    The record itself is never changed: the pack prints the entry with "[withheld — reason]"
    in place of every occurrence of the passage. Should the passage no longer be found in the
    text (the entry was changed), the whole entry is withheld rather than risk printing it.
    """

    entry = models.ForeignKey(PreparedEntry, on_delete=models.CASCADE, related_name="redactions")
    passage = models.TextField(_("passage to withhold"))
    reason = models.CharField(
        _("reason for withholding"), max_length=30, choices=WithholdReason.choices
    )
    note = models.TextField(_("why the exemption applies"))
    reason_may_be_told = models.BooleanField(_("the parent may be told the reason"), default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    history = kept_history()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(passage="") & ~models.Q(reason=""),
                name="redaction_has_a_passage_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry}: {self.get_reason_display()}"

    @property
    def reason_for_parent(self) -> str:
        return reason_for_parent(self.reason, self.note, may_be_told=self.reason_may_be_told)


class Inclusion(models.TextChoices):
    INCLUDE = "include", _("Include")
    WITHHOLD = "withhold", _("Withhold")


class PreparedExtra(models.Model):
    """What a pack prints besides the entries, decided in the review like an entry: include it,
    or withhold it under an exemption (``WithholdReason``) with a note. Empty ``decision``:
    not yet decided, and the pack does not print it."""

    decision = models.CharField(_("decision"), max_length=20, choices=Inclusion.choices, blank=True)
    withhold_reason = models.CharField(
        _("reason for withholding"), max_length=30, choices=WithholdReason.choices, blank=True
    )
    withhold_note = models.TextField(_("why the exemption applies"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def included(self) -> bool:
        return self.decision == Inclusion.INCLUDE

    @property
    def withheld(self) -> bool:
        return self.decision == Inclusion.WITHHOLD


class PreparedStatement(PreparedExtra):
    """A parent's statement on one of the child's entries, reviewed before it goes in the pack.

    A statement made by anyone but the requester (the other parent, a solicitor) is that
    person's data, and it may quote a passage withheld from its entry (DPA 2018 Sch. 2
    para 16): the manager includes or withholds it. The requester's own statement is their
    own data and is proposed for inclusion (``proposed_by_default``). A withheld statement is
    printed as "[a statement has been withheld — reason]", or the neutral line when the reason
    itself may not be told, as entries are.
    """

    request = models.ForeignKey(
        AccessRequest, on_delete=models.CASCADE, related_name="prepared_statements"
    )
    statement = models.ForeignKey(ParentStatement, on_delete=models.PROTECT, related_name="+")
    reason_may_be_told = models.BooleanField(_("the parent may be told the reason"), default=True)
    proposed_by_default = models.BooleanField(
        _("proposed by default"),
        default=False,
        help_text=_("The requester's own statement: their own data."),
    )

    history = kept_history()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "statement"], name="statement_once_per_request"
            ),
            models.CheckConstraint(
                condition=~models.Q(decision="withhold") | ~models.Q(withhold_reason=""),
                name="withheld_statement_has_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request}: {self.statement}"

    @property
    def reason_for_parent(self) -> str:
        return reason_for_parent(
            self.withhold_reason, self.withhold_note, may_be_told=self.reason_may_be_told
        )


class PreparedRecipient(PreparedExtra):
    """One recipient from the information-sharing log, reviewed before the pack's "Your rights"
    page names it.

    UK GDPR Art. 15(1)(c) gives the parent the recipients, but an exemption can cover them: a
    referral to children's social care or the police can tell a parent under investigation
    that there is one (DPA 2018 Sch. 2 para 2, crime; Sch. 3 paras 7-8 and 12, social work
    data; Sch. 3 para 21, child abuse data). A withheld recipient is simply left out, with no
    line saying so: the ICO's guidance on the right of access ("exemptions") accepts not
    telling the requester where telling would itself prejudice the purpose of the exemption.
    """

    request = models.ForeignKey(
        AccessRequest, on_delete=models.CASCADE, related_name="prepared_recipients"
    )
    sharing = models.ForeignKey(InformationSharing, on_delete=models.PROTECT, related_name="+")

    history = kept_history()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "sharing"], name="recipient_once_per_request"
            ),
            models.CheckConstraint(
                condition=~models.Q(decision="withhold") | ~models.Q(withhold_reason=""),
                name="withheld_recipient_has_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request}: {self.sharing.recipient_label}"


class Controversy(models.TextChoices):
    COURT_CASE = "court_case", _("Court case between the parents")
    LEGAL_ACTION = "legal_action", _("Social care or police considering legal action")
    APPEAL = "appeal", _("Case completed with an appeal under way")


class ControversyFlag(models.Model):
    """Controversial content: release is blocked until legal advice is recorded (P12)."""

    request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(_("kind"), max_length=20, choices=Controversy.choices)
    note = models.TextField(_("note"), blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)

    history = kept_history()

    def __str__(self) -> str:
        return self.get_kind_display()


class AdviceOutcome(models.TextChoices):
    RELEASE = "release", _("Release")
    RELEASE_REDACTED = "release_redacted", _("Release with further redactions")
    DO_NOT_RELEASE = "do_not_release", _("Do not release")


class LegalAdvice(models.Model):
    request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="advice")
    adviser = models.CharField(_("adviser"), max_length=200)
    advised_on = models.DateField(_("advised on"))
    summary = models.TextField(_("summary"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=AdviceOutcome.choices)
    flags = models.ManyToManyField(
        ControversyFlag,
        through="AdviceAnswer",
        related_name="advice",
        verbose_name=_("flags it answers"),
    )
    redactions_requested = models.TextField(
        _("further redactions the adviser asked for"), blank=True
    )
    redactions_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    redactions_confirmed_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    history = kept_history()

    class Meta:
        ordering = ["-advised_on", "-pk"]
        verbose_name_plural = _("legal advice")

    def __str__(self) -> str:
        return f"{self.adviser}, {self.advised_on}"

    @property
    def redactions_pending(self) -> bool:
        return (
            self.outcome == AdviceOutcome.RELEASE_REDACTED and self.redactions_confirmed_at is None
        )


class AdviceAnswer(models.Model):
    """Which controversy flags a piece of legal advice answers: a flag raised later needs its
    own advice (P12)."""

    advice = models.ForeignKey(LegalAdvice, on_delete=models.CASCADE, related_name="answers")
    flag = models.ForeignKey(ControversyFlag, on_delete=models.CASCADE, related_name="answers")

    history = kept_history()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["advice", "flag"], name="advice_answers_flag_once"),
        ]

    def __str__(self) -> str:
        return f"{self.advice} answers {self.flag}"


class Meeting(models.Model):
    """The manager goes through the records with the parent before any copy is handed over (P8)."""

    request = models.OneToOneField(AccessRequest, on_delete=models.CASCADE, related_name="meeting")
    scheduled_at = models.DateTimeField(_("date and time"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    contents_explained = models.BooleanField(_("the contents were explained"), default=False)
    # The policy's "never without discussion" is met by offering the meeting: a parent may
    # decline it and still receive the copy (UK GDPR Art. 12(3), 15(3)).
    offered_on = models.DateField(_("meeting offered on"), null=True, blank=True)
    offered_how = models.CharField(
        _("offered by"), max_length=20, choices=Channel.choices, blank=True
    )
    declined_on = models.DateField(_("parent declined the meeting on"), null=True, blank=True)

    history = kept_history()

    def __str__(self) -> str:
        return f"Meeting for {self.request}"


class Attendee(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    helper = models.ForeignKey(
        Helper, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requester_agreed = models.BooleanField(
        _("the requester agreed to them attending"),
        default=False,
        help_text=_("Needed for a person with parental responsibility who is not the requester."),
    )

    history = kept_history()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="attendee_person_once"),
            models.UniqueConstraint(fields=["meeting", "helper"], name="attendee_helper_once"),
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, helper__isnull=True)
                | models.Q(person__isnull=True, helper__isnull=False),
                name="attendee_is_a_person_or_a_helper",
            ),
        ]

    def __str__(self) -> str:
        return str(self.person or self.helper)


class ReleaseRoute(models.TextChoices):
    AT_MEETING = "at_meeting", _("Handed over at the meeting")
    COLLECTED = "collected", _("Collected in person")
    SECURE_EMAIL = "secure_email", _("Secure (encrypted) email")
    RECORDED_POST = "recorded_post", _("Recorded delivery")


# A copy sent without a meeting must go by a route that keeps it from anyone else.
SECURE_ROUTES = {ReleaseRoute.COLLECTED, ReleaseRoute.SECURE_EMAIL, ReleaseRoute.RECORDED_POST}


class FrozenPack(models.Model):
    """The pack's content fixed when the request became "ready for the meeting".

    The manager goes through this content at the meeting and the released copy is exactly this
    content with the recipient's name: nothing goes out undiscussed (P9). ``content`` is the
    canonical JSON of ``PackContent`` (``access_requests.snapshot``), ``sha256`` its fingerprint;
    ``entries`` records, per prepared entry, the record it shows, when that record last changed
    and the preparation decision, so a later change can be named; ``extras`` does the same for
    the parents' statements and the recipients reviewed with them.
    """

    request = models.ForeignKey(
        AccessRequest, on_delete=models.CASCADE, related_name="frozen_packs"
    )
    content = models.JSONField()
    sha256 = models.CharField(max_length=64)
    entries = models.JSONField(default=list)
    # Per prepared statement and recipient, what it is and the decision on it: empty for a
    # pack fixed before statements and recipients were reviewed.
    extras = models.JSONField(default=dict)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    frozen_at = models.DateTimeField(default=timezone.now)
    superseded_at = models.DateTimeField(null=True, blank=True)

    history = kept_history()

    class Meta:
        ordering = ["-frozen_at", "-pk"]
        get_latest_by = ["frozen_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request} frozen {self.frozen_at:%Y-%m-%d %H:%M} ({self.sha256[:12]})"


class PackRelease(models.Model):
    """The one copy handed over, immutable: who, to whom, when, and the bytes' SHA-256 (P9)."""

    request = models.OneToOneField(AccessRequest, on_delete=models.PROTECT, related_name="release")
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    released_to = models.CharField(_("released to"), max_length=200)
    recipient_person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The requester, when the copy went to them."),
    )
    recipient_helper = models.ForeignKey(
        Helper,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The requester's legal representative, when the copy went to them."),
    )
    route = models.CharField(
        _("how it was handed over"),
        max_length=20,
        choices=ReleaseRoute.choices,
        default=ReleaseRoute.AT_MEETING,
    )
    explanatory_letter = models.BooleanField(
        _("an explanatory letter went with the copy"), default=False
    )
    frozen = models.ForeignKey(
        "FrozenPack", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(default=timezone.now)
    sha256 = models.CharField(max_length=64)
    file_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()

    history = kept_history()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient_person__isnull=True)
                | models.Q(recipient_helper__isnull=True),
                name="release_goes_to_one_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} released to {self.released_to}"


# When the copy may go out (P9, P12), as one SQL condition on access requests: the dashboard's
# "copies ready to release" (``setting_records.dashboard``). ``services.release_blockers`` makes
# the same checks one by one, to name each blocker in words, and refuses the release on any
# (UK GDPR Art. 15(4): the copy must not adversely affect the rights of others, which is what
# the legal advice on a controversy decides; Art. 12(2), 15(1): only to the data subject's
# representative, here a person with parental responsibility whom no court order restricts).
# ``tests/access_requests/test_releasable.py`` walks requests through every blocking case and
# checks that the two agree. One check is left to the request's page: whether an entry
# changed since the pack was fixed (``services.changes_since_preparation``), which rebuilds the
# whole pack and cannot be a condition in SQL; the page then asks for the pack again.

#: The states a copy is released from: the meeting held, or offered and declined.
RELEASE_STATES = frozenset({State.MEETING_HELD, State.MEETING_DECLINED})
#: Which advice on a flag is the latest, the one that decides: the greatest by these fields
#: (``services.meetings._latest_advice`` and the SQL below).
LATEST_ADVICE_BY = ("advised_on", "recorded_at", "pk")


def _latest_advice_on_flag(field: str) -> models.Subquery:
    """``field`` of the latest advice answering the flag in ``OuterRef("pk")``; NULL for a
    flag with no advice yet."""
    return models.Subquery(
        AdviceAnswer.objects.filter(flag=models.OuterRef("pk"))
        .order_by(*(f"-advice__{name}" for name in LATEST_ADVICE_BY))
        .values(f"advice__{field}")[:1]
    )


def flags_with_latest_advice() -> models.QuerySet[ControversyFlag]:
    """The flags of the request in ``OuterRef("pk")``, each with the outcome of its latest
    advice (``latest_outcome``) and when that advice's further redactions were confirmed
    (``latest_confirmed_at``). Advice answers only the flags it names (P12)."""
    return ControversyFlag.objects.filter(request=models.OuterRef("pk")).annotate(
        latest_outcome=_latest_advice_on_flag("outcome"),
        latest_confirmed_at=_latest_advice_on_flag("redactions_confirmed_at"),
    )


#: A flag with no advice yet; one whose latest advice is not to release; one whose latest
#: advice asks for further redactions not yet confirmed (``LegalAdvice.redactions_pending``).
FLAG_AWAITS_ADVICE = models.Q(latest_outcome__isnull=True)
FLAG_ADVISED_AGAINST = models.Q(latest_outcome=AdviceOutcome.DO_NOT_RELEASE)
FLAG_AWAITS_REDACTIONS = models.Q(
    latest_outcome=AdviceOutcome.RELEASE_REDACTED, latest_confirmed_at__isnull=True
)


def requester_may_receive() -> models.Exists:
    """The requester of the request in ``OuterRef`` is in the child's register (a current
    connection, not ended) with parental responsibility and under no court-order restriction in
    force today (``ChildPerson.is_restricted``), by the register as it is now."""
    return models.Exists(
        ChildPerson.objects.unrestricted().filter(
            child_id=models.OuterRef("child_id"),
            person_id=models.OuterRef("requester_id"),
            has_parental_responsibility=True,
        )
    )


def releasable() -> models.Q:
    """The request's copy may be released: the meeting held with the contents explained (or
    offered and declined), the pack fixed for it, no controversy flag holding it (P12), and a
    requester who may receive it. For ``filter`` or, wrapped, ``annotate``."""
    return (
        models.Q(state__in=RELEASE_STATES)
        & (
            models.Q(state=State.MEETING_DECLINED)
            | models.Exists(
                Meeting.objects.filter(request=models.OuterRef("pk"), contents_explained=True)
            )
        )
        & models.Exists(
            FrozenPack.objects.filter(request=models.OuterRef("pk"), superseded_at__isnull=True)
        )
        & ~models.Exists(
            flags_with_latest_advice().filter(
                FLAG_AWAITS_ADVICE | FLAG_ADVISED_AGAINST | FLAG_AWAITS_REDACTIONS
            )
        )
        & requester_may_receive()
    )


class RectificationState(models.TextChoices):
    RECEIVED = "received", _("Received")
    IDENTITY_VERIFIED = "identity_verified", _("Identity verified")
    DECIDED = "decided", _("Decided: parent to be told")
    CLOSED = "closed", _("Closed: parent told")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REFUSED = "refused", _("Refused")


# Not yet decided: the request can still be withdrawn or refused.
PENDING_RECTIFICATION_STATES = {RectificationState.RECEIVED, RectificationState.IDENTITY_VERIFIED}
OPEN_RECTIFICATION_STATES = PENDING_RECTIFICATION_STATES | {RectificationState.DECIDED}
# While one of these, the entry is disputed (``Record.disputed``): UK GDPR Art. 18(1)(a)
# restricts its use while its accuracy is checked, and Art. 18(3) has the data subject who
# obtained the restriction informed before it is lifted. So a decided request still restricts
# the entry until the parent is told (``rectification_tell``); withdrawing or refusing the
# request ends it too.
RESTRICTING_RECTIFICATION_STATES = OPEN_RECTIFICATION_STATES


class RectificationOutcome(models.TextChoices):
    CORRECTED = "corrected", _("Factual inaccuracy: the entry was corrected")
    KEPT = "kept", _("Opinion, judgement or a different view: kept, with the parent's statement")


class RectificationRequest(StatutoryClock):
    """A parent says an entry is inaccurate and asks for it to be put right (policy P11; UK
    GDPR Art. 16), on the same one-month clock as an access request (Art. 12(3)).

    From receipt until the parent is told the decision the entry is disputed (Art. 18(1)(a),
    18(3)). The manager decides: a factual inaccuracy is corrected (history keeps the old text)
    and every past recipient in the sharing log is told (Art. 19, ``RectificationNotice``); an
    opinion or professional judgement is kept and the parent's view attached as a
    ``children.ParentStatement``. The parent is then told the decision and their right to
    complain (the setting's complaints procedure and the ICO). A request may instead be refused
    (Art. 12(4)-(5)): the ground and reasons, and the parent told of the right to complain to
    the ICO and to seek a judicial remedy, are recorded in ``refusal_ground``,
    ``outcome_reason``, ``told_on``, ``told_how`` and ``told_of_rights``.

    The clock is the access requests' (``StatutoryClock``): receipt or proof of identity
    (Art. 12A(2)) and an extension (Art. 12(3)). It is never stopped for a clarification: that
    applies to access requests only (Art. 12A(3)-(5)); ``pauses`` stays empty.
    """

    record = models.ForeignKey(
        Record, on_delete=models.PROTECT, related_name="rectification_requests"
    )
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    requester = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="rectification_requests",
        help_text=_("The person in the child's register the request is made by or for."),
    )
    representative_name = models.CharField(
        _("acting for them"),
        max_length=200,
        blank=True,
        help_text=_("When a solicitor or someone else makes the request for the parent."),
    )
    what_is_wrong = models.TextField(_("what they say is wrong"))
    what_it_should_say = models.TextField(_("what they say it should say"), blank=True)
    state = models.CharField(
        _("state"),
        max_length=30,
        choices=RectificationState.choices,
        default=RectificationState.RECEIVED,
    )
    # The decision, with reasons. The entry's own fact/opinion mark is where the decision form
    # starts; ``misclassified`` records that the manager found it marked wrongly.
    outcome = models.CharField(
        _("decision"), max_length=20, choices=RectificationOutcome.choices, blank=True
    )
    found_nature = models.CharField(
        _("the entry is"), max_length=10, choices=Nature.choices, blank=True
    )
    misclassified = models.BooleanField(_("the entry was marked wrongly"), default=False)
    decision_reasons = models.TextField(_("reasons for the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    statement = models.OneToOneField(
        ParentStatement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rectification",
        help_text=_("The parent's statement attached when the entry was kept."),
    )
    told_on = models.DateField(_("parent told of the decision on"), null=True, blank=True)
    told_how = models.CharField(_("told by"), max_length=20, choices=Channel.choices, blank=True)
    told_of_rights = models.BooleanField(
        _("told of the right to complain (complaints procedure and the ICO)"), default=False
    )
    outcome_reason = models.TextField(_("reason"), blank=True)
    # A refusal (UK GDPR Art. 12(4)-(5)), told on ``told_on`` by ``told_how``, with the reasons
    # in ``outcome_reason``.
    refusal_ground = models.CharField(
        _("ground for refusing"), max_length=30, choices=RefusalGround.choices, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = kept_history()

    class Meta:
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["record", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(extension_months__lte=deadlines.MAX_EXTENSION_MONTHS),
                name="rectification_extension_at_most_two_months",
            ),
            models.CheckConstraint(
                condition=models.Q(identity_received_on__isnull=True)
                | models.Q(identity_received_on__gte=models.F("identity_requested_on")),
                name="rectification_identity_after_asked",
            ),
            models.CheckConstraint(
                condition=~models.Q(state__in=["decided", "closed"]) | ~models.Q(outcome=""),
                name="decided_rectification_has_outcome",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="refused")
                | (~models.Q(refusal_ground="") & models.Q(told_of_rights=True)),
                name="refused_rectification_has_ground_and_rights",
            ),
        ]

    def __str__(self) -> str:
        return f"Correction request {self.pk} about “{self.record}”"

    def get_absolute_url(self) -> str:
        return reverse("access_requests:rectification", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_RECTIFICATION_STATES

    @property
    def is_pending(self) -> bool:
        return self.state in PENDING_RECTIFICATION_STATES

    # No clarification pause: UK GDPR Art. 12A(3)-(5) (DPA 2018 s.54(3C)) stops the clock only
    # while the setting identifies what an Art. 15 access request is about. A correction request
    # runs for one month from receipt or proof of identity, extendable by two months
    # (Art. 12(3), 12A(2)); ``clock.pause_start`` refuses to stop it.

    def deadline_pauses(self) -> list[deadlines.Pause]:
        return []

    @property
    def open_pause(self) -> None:
        return None


class NoticeOutcome(models.TextChoices):
    NOTIFIED = "notified", _("Told of the correction")
    IMPOSSIBLE = "impossible", _("Could not be told (impossible)")
    DISPROPORTIONATE = "disproportionate", _("Not told: it would take disproportionate effort")
    # Only for a disclosure recorded as a written summary (no entries named): checked, and it
    # did not include the entry, so there is nobody to tell (Art. 19).
    NOT_INCLUDED = "not_included", _("Checked: the summary did not include the entry")


class RectificationNotice(models.Model):
    """Telling one past recipient of a corrected entry about the correction (UK GDPR Art. 19),
    or why they could not be told. The recipients come from the sharing log: the disclosures
    that named the entry, and those recorded as a written summary only that may have included
    it (for these, checking that the summary did not include it is recorded here too)."""

    rectification = models.ForeignKey(
        RectificationRequest, on_delete=models.PROTECT, related_name="notices"
    )
    sharing = models.ForeignKey(
        InformationSharing, on_delete=models.PROTECT, related_name="rectification_notices"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=NoticeOutcome.choices)
    done_on = models.DateField(_("on"))
    method = models.CharField(_("how"), max_length=20, choices=SharingMethod.choices, blank=True)
    note = models.TextField(
        _("note"), blank=True, help_text=_("Why it was impossible or disproportionate.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    history = kept_history()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rectification", "sharing"], name="recipient_noticed_once"
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="notified") | ~models.Q(note=""),
                name="notice_not_given_says_why",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sharing.recipient_label}: {self.get_outcome_display()}"
