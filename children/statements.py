"""Parents' statements on entries (policy P11): recorded, never edited, superseded when the
parent corrects what they said.

Each is one transaction, names its actor (kept in history) and is in the access log. The
rectification services call ``statement_record`` when the manager keeps an entry that a parent
disputes as opinion or professional judgement.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from children.models import ParentStatement, Person, Record, StatementTakenHow
from setting_records import access, access_log, submissions
from setting_records.errors import WorkflowError
from setting_records.history import attach_users
from setting_records.models import AccessAction, User


def statement_exists(record_ref: str = "pk") -> Exists:
    """An annotation saying whether the entry at ``record_ref`` has any parent's statement: the
    mark every list shows beside such an entry, in the list's own query."""
    return Exists(ParentStatement.objects.filter(record_id=OuterRef(record_ref)))


def statements_of(record: Record) -> QuerySet[ParentStatement]:
    """An entry's statements, oldest first, with who made them and what replaced them."""
    return record.statements.select_related(
        "person", "recorded_by", "supersedes", "superseded_by"
    ).order_by("made_on", "recorded_at", "pk")


@dataclass(frozen=True)
class StatementEvent:
    """A statement's place in its entry's history: recorded, or recorded to replace another."""

    statement_id: int
    user: User | None
    at: datetime.datetime
    reason: str
    made_by: str
    made_on: datetime.date
    taken_how: str
    replaces_made_on: datetime.date | None

    @property
    def kind(self) -> str:
        if self.replaces_made_on is not None:
            return "Parent's statement recorded, replacing an earlier one"
        return "Parent's statement recorded"


def statement_events(record: Record) -> list[StatementEvent]:
    """The entry's statements as events of its history, newest first, from their own history
    rows (who recorded each, when and why). Statements are never edited, so each has one.
    Two queries: the rows with whom and what they name, and the users who recorded them."""
    rows = list(
        ParentStatement.history.filter(record_id=record.pk, history_type="+")
        .select_related("person", "supersedes")
        .order_by("-history_date", "-history_id")
    )
    attach_users(rows)
    return [
        StatementEvent(
            statement_id=row.id,
            user=row.history_user,
            at=row.history_date,
            reason=row.history_change_reason or "",
            made_by=str(row.person) if row.person_id else row.made_by_name,
            made_on=row.made_on,
            taken_how=str(StatementTakenHow(row.taken_how).label),
            replaces_made_on=row.supersedes.made_on if row.supersedes_id else None,
        )
        for row in rows
    ]


@transaction.atomic
def statement_record(
    *,
    record: Record,
    actor: User,
    words: str,
    made_on: datetime.date,
    taken_how: str,
    person: Person | None = None,
    made_by_name: str = "",
    supersedes: ParentStatement | None = None,
    reason: str = "Parent's statement recorded",
    submission_key: uuid.UUID | None = None,
) -> ParentStatement:
    """Attach a parent's statement to an entry, in their words.

    ``person`` is someone in the child's register; ``made_by_name`` names someone who is not
    (a solicitor acting for a parent). ``supersedes`` is an earlier statement on the same entry
    that this one corrects: the earlier one is kept, marked as superseded.

    ``submission_key`` is the form's one-time key (``setting_records.submissions``): when a
    statement was already recorded with it, that one is returned and nothing new is written
    (a statement is never edited or removed, so a double click would otherwise leave a false
    second statement for good).
    """
    if not access.can(actor, "record_statement", record):
        raise WorkflowError("Only the manager or the child's key person can record a statement.")
    same = {"record_id": record.pk, "recorded_by_id": actor.pk}
    if earlier := submissions.claim(ParentStatement, submission_key, **same):
        return earlier
    if not words.strip():
        raise WorkflowError("Write down the parent's statement in their words.")
    if taken_how not in StatementTakenHow.values:
        raise WorkflowError("Say how the statement was taken.")
    if made_on > timezone.localdate():
        raise WorkflowError("A statement cannot be made on a day still to come.")
    if made_on < timezone.localdate(record.created_at):
        raise WorkflowError("A statement cannot be made before the entry was written.")
    made_by_name = made_by_name.strip()
    if person is None and not made_by_name:
        raise WorkflowError("Say who made the statement.")
    if person is not None:
        made_by_name = ""
        if not person.connections.current().filter(child_id=record.child_id).exists():
            raise WorkflowError("That person is not in this child's register.")
    if supersedes is not None:
        # Lock the earlier statement so that two corrections of it cannot both be kept.
        supersedes = ParentStatement.objects.select_for_update().get(pk=supersedes.pk)
        if supersedes.record_id != record.pk:
            raise WorkflowError("That statement is about another entry.")
        if ParentStatement.objects.filter(supersedes=supersedes).exists():
            raise WorkflowError("That statement has already been replaced by a later one.")
    statement = ParentStatement(
        record=record,
        person=person,
        made_by_name=made_by_name,
        made_on=made_on,
        taken_how=taken_how,
        # Verbatim: only the surrounding blank space is trimmed.
        words=words.strip(),
        supersedes=supersedes,
        recorded_by=actor,
        submission_key=submission_key,
    )
    statement, saved = submissions.save_once(statement, actor=actor, reason=reason, **same)
    if not saved:
        return statement
    access_log.append(
        action=AccessAction.STATEMENT_RECORDED,
        actor=actor,
        record=record,
        detail={"statement": statement.pk, "supersedes": supersedes.pk if supersedes else None},
    )
    return statement
