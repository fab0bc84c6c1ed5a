"""Demo correction (rectification) requests for ``seed_demo`` (policy P11): one pending, so its
entry shows as disputed; one decided as a factual inaccuracy, with a past recipient from the
sharing log told of the correction and the parent still to be told (so its entry stays disputed
until they are: UK GDPR Art. 18(3)); one kept as professional judgement with the parent's
statement, the parent told and the request closed.

Written through the services, like the demo access requests, the disclosure that makes the
past recipient included.
"""

import datetime

from django.utils import timezone

from access_requests import services
from children.models import (
    ChildPerson,
    InformationSharing,
    Nature,
    Record,
    Relationship,
    SharingDecision,
    Source,
)
from children.sharing import sharing_record
from setting_records.demo import DemoStaff


def _entries(staff: DemoStaff, nature: str) -> list[tuple[Record, ChildPerson]]:
    """The setting's own entries of ``nature`` from at least three weeks ago, each with a
    parent of its child who holds parental responsibility and is under no restriction.

    Children whose access request has its pack fixed for the meeting are left out: a
    correction would change that pack, and the demo's request would have to be prepared
    again before its copy could be released."""
    parents = {
        connection.child_id: connection
        for connection in ChildPerson.objects.filter(
            child__setting=staff.first_setting,
            child__left_on__isnull=True,
            has_parental_responsibility=True,
            restriction="",
        )
        .exclude(relationship=Relationship.LOCAL_AUTHORITY)
        .select_related("person")
        .order_by("-pk")
    }
    before = timezone.now() - datetime.timedelta(days=21)
    records = Record.objects.filter(
        child__setting=staff.first_setting,
        child_id__in=parents,
        nature=nature,
        source=Source.SETTING,
        occurred_at__lte=before,
    )
    records = records.exclude(child__access_requests__state__in=services.FROZEN_STATES)
    records = records.order_by("occurred_at", "pk")
    return [(record, parents[record.child_id]) for record in records]


def _shared_before(record: Record, staff: DemoStaff, on: datetime.date) -> InformationSharing:
    """A referral that included the entry, recorded before the parent disputed it."""
    return sharing_record(
        child=record.child,
        actor=staff.manager,
        decision=SharingDecision.SHARED,
        decided_on=on,
        decided_by=staff.manager,
        recipient_organisation="Local authority early help team",
        recipient_name="Priya Shah",
        recipient_role="Family support worker",
        entries=[record],
        purpose="Early help assessment agreed with the family.",
        lawful_basis="public_task",
        consent="given",
        framework="team_around_the_family",
        method="secure_email",
    )


def create_rectifications(*, staff: DemoStaff) -> None:
    manager = staff.manager
    today = timezone.localdate()
    facts = _entries(staff, Nature.FACT)
    opinions = _entries(staff, Nature.OPINION)
    if len(facts) < 2 or not opinions:
        return

    # Pending: received three days ago; the entry is disputed until the parent is told.
    record, parent = facts[-1]
    services.rectification_create(
        record=record,
        requester=parent.person,
        received_on=today - datetime.timedelta(days=3),
        channel="email",
        what_is_wrong="The time given is wrong: I collected at 4pm, not 5pm.",
        what_it_should_say="Collected by mother at 4pm.",
        actor=manager,
    )

    # A factual inaccuracy: shared with early help before, corrected, the recipient told.
    record, parent = facts[0]
    sharing = _shared_before(record, staff, today - datetime.timedelta(days=20))
    corrected = services.rectification_create(
        record=record,
        requester=parent.person,
        received_on=today - datetime.timedelta(days=12),
        channel="letter",
        what_is_wrong="It names the wrong day: this was on Tuesday, not Monday.",
        what_it_should_say="The same, but on Tuesday.",
        actor=manager,
    )
    services.identity_verify(
        request=corrected, method="Known to staff; letter signed", actor=manager
    )
    services.rectification_decide(
        rectification=corrected,
        actor=manager,
        outcome="corrected",
        found_nature=Nature.FACT,
        misclassified=False,
        reasons="The sign-in sheet confirms the parent is right about the day.",
        corrected_title=record.title,
        corrected_body=(
            f"{record.body.rstrip()}\n\n(Corrected at the parent's request: this was on "
            "Tuesday, not Monday.)"
        ),
    )
    services.notice_record(
        rectification=corrected,
        sharing=sharing,
        actor=manager,
        outcome="notified",
        done_on=today,
        method="secure_email",
    )

    # Professional judgement: kept, with the parent's statement; the parent told.
    record, parent = opinions[0]
    kept = services.rectification_create(
        record=record,
        requester=parent.person,
        received_on=today - datetime.timedelta(days=15),
        channel="in_person",
        what_is_wrong="I do not agree that she seemed withdrawn; she was tired after a late night.",
        actor=manager,
    )
    services.identity_verify(request=kept, method="Known to staff", actor=manager)
    services.rectification_decide(
        rectification=kept,
        actor=manager,
        outcome="kept",
        found_nature=Nature.OPINION,
        misclassified=False,
        reasons=(
            "This is the key person's professional judgement at the time. It stays as written, "
            "with the parent's view beside it wherever it appears."
        ),
        statement_words=(
            "I do not agree that she seemed withdrawn. She had a late night because of a family "
            "event and was tired, nothing more."
        ),
        # The demo's entries were all written today (they are about earlier days).
        statement_made_on=today,
        statement_taken_how="meeting",
    )
    services.rectification_tell(
        rectification=kept,
        actor=manager,
        told_on=today,
        told_how="letter",
        told_of_rights=True,
    )
