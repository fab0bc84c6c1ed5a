"""The complaints procedure and its written record (policy P10; EYFS statutory framework,
section 3 "Complaints": written complaints investigated and the outcome told within 28 days,
a written record of every complaint and its outcome kept and shown to Ofsted on request)."""

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access_requests.models import AccessRequest, RectificationRequest
from children.models import Child, Person, Record
from complaints import deadlines
from setting_records.history import kept_history
from setting_records.models import Setting


class ComplaintState(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INVESTIGATING = "investigating", _("Being investigated")
    OUTCOME_NOTIFIED = "outcome_notified", _("Outcome told")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: Still being handled: may be moved on or withdrawn.
OPEN_COMPLAINT_STATES = {
    ComplaintState.RECEIVED,
    ComplaintState.ACKNOWLEDGED,
    ComplaintState.INVESTIGATING,
    ComplaintState.OUTCOME_NOTIFIED,
}
#: The outcome is still to be told: the 28 days are running.
AWAITING_OUTCOME_STATES = {
    ComplaintState.RECEIVED,
    ComplaintState.ACKNOWLEDGED,
    ComplaintState.INVESTIGATING,
}


class ReceivedHow(models.TextChoices):
    LETTER = "letter", _("In writing (letter or form)")
    EMAIL = "email", _("Email")
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")


#: A written complaint is always on the EYFS 28-day clock.
WRITTEN = {ReceivedHow.LETTER, ReceivedHow.EMAIL}


class About(models.TextChoices):
    ACCESS_REQUEST = "access_request", _("An access request")
    ENTRY = "entry", _("An entry in a child's records")
    RECTIFICATION = "rectification", _("A decision on a correction request")
    CARE = "care", _("The care of a child")
    STAFF_CONDUCT = "staff_conduct", _("A member of staff's conduct")
    OTHER = "other", _("Something else")


class ComplaintOutcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    PARTLY_UPHELD = "partly_upheld", _("Partly upheld")
    NOT_UPHELD = "not_upheld", _("Not upheld")


class TakenFurther(models.TextChoices):
    OFSTED = "ofsted", _("Ofsted")
    ICO = "ico", _("The Information Commissioner's Office (ICO)")


class Complaint(models.Model):
    """A complaint to the setting, from receipt to its outcome (policy P10).

    The complainant is a person in a child's register, or a name and contact details when not.
    What it is about may be linked to the object it concerns: an access request, an entry, a
    rectification decision. ``due_on`` is set by the services from the received date (EYFS:
    28 days) when the complaint is on the clock; the findings, outcome and investigation notes
    are the managers' alone.
    """

    setting = models.ForeignKey(Setting, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("reference"), max_length=20)
    complainant = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        help_text=_("When the complainant is in a child's register."),
    )
    complainant_name = models.CharField(_("complainant's name"), max_length=200, blank=True)
    complainant_contact = models.CharField(
        _("complainant's contact details"), max_length=300, blank=True
    )
    received_on = models.DateField(_("received on"))
    received_how = models.CharField(
        _("how it was received"), max_length=20, choices=ReceivedHow.choices
    )
    about = models.CharField(_("what it is about"), max_length=20, choices=About.choices)
    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    access_request = models.ForeignKey(
        AccessRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    record = models.ForeignKey(
        Record, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    rectification = models.ForeignKey(
        RectificationRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    staff_concerned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member of staff concerned"),
    )
    summary = models.TextField(_("the complaint, in the complainant's words"))
    on_clock = models.BooleanField(
        _("on the 28-day clock"),
        default=True,
        help_text=_(
            "Always for a written complaint; by choice for one made in person or by phone."
        ),
    )
    due_on = models.DateField(_("outcome due by"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=ComplaintState.choices, default=ComplaintState.RECEIVED
    )
    acknowledged_on = models.DateField(_("acknowledged on"), null=True, blank=True)
    acknowledged_how = models.CharField(
        _("how it was acknowledged"), max_length=20, choices=ReceivedHow.choices, blank=True
    )
    investigated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    investigation_started_on = models.DateField(
        _("investigation started on"), null=True, blank=True
    )
    findings = models.TextField(_("findings"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=ComplaintOutcome.choices, blank=True
    )
    actions_taken = models.TextField(_("actions taken"), blank=True)
    outcome_notified_on = models.DateField(_("outcome told on"), null=True, blank=True)
    outcome_notified_how = models.CharField(
        _("how they were told"), max_length=20, choices=ReceivedHow.choices, blank=True
    )
    taken_further_to = models.CharField(
        _("taken further to"), max_length=20, choices=TakenFurther.choices, blank=True
    )
    taken_further_on = models.DateField(_("taken further on"), null=True, blank=True)
    taken_further_outcome = models.TextField(_("outcome there"), blank=True)
    withdrawn_reason = models.TextField(_("why it was withdrawn"), blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    logged_at = models.DateTimeField(default=timezone.now)
    # One-time form key (setting_records/submissions.py): a double click logs one complaint.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = kept_history()

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["setting", "reference"], name="one_complaint_reference_per_setting"
            ),
            models.CheckConstraint(
                condition=~models.Q(complainant__isnull=True, complainant_name=""),
                name="complaint_has_a_complainant",
            ),
            models.CheckConstraint(
                condition=~models.Q(received_how__in=sorted(WRITTEN), on_clock=False),
                name="written_complaint_on_the_clock",
            ),
            models.CheckConstraint(
                condition=models.Q(on_clock=False, due_on__isnull=True)
                | models.Q(on_clock=True, due_on__isnull=False),
                name="complaint_due_date_iff_on_clock",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_about_display().lower()})"

    def get_absolute_url(self) -> str:
        return reverse("complaints:complaint", args=[self.pk])

    @property
    def complainant_display(self) -> str:
        return str(self.complainant) if self.complainant_id else self.complainant_name

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_COMPLAINT_STATES

    @property
    def awaiting_outcome(self) -> bool:
        return self.state in AWAITING_OUTCOME_STATES

    def days_left(self, today: datetime.date | None = None) -> int | None:
        """Days until the outcome is due, while it is awaited on the clock (negative: overdue)."""
        if self.due_on is None or not self.awaiting_outcome:
            return None
        return deadlines.days_left(due=self.due_on, today=today or timezone.localdate())

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        if not self.awaiting_outcome:
            return False
        return deadlines.overdue(
            due=self.due_on, notified=None, today=today or timezone.localdate()
        )

    @property
    def clock_from(self) -> datetime.date | None:
        """The day the 28 days run from: the day received, or, for a complaint made in person
        or by phone and put on the clock later, the day it was received in writing."""
        if self.due_on is None:
            return None
        return self.due_on - datetime.timedelta(days=deadlines.EYFS_DAYS)

    def met_deadline(self) -> bool | None:
        """Told within 28 days? None off the clock or while the outcome is still awaited."""
        return deadlines.met(due=self.due_on, notified=self.outcome_notified_on)


class ComplaintNote(models.Model):
    """A note of the investigation: the managers' alone, every view logged (policy P10, P13)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField(_("note"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = kept_history()

    class Meta:
        ordering = ["written_at", "pk"]

    def __str__(self) -> str:
        return f"Note on {self.complaint.reference}"
