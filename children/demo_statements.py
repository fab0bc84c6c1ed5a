"""Parents' statements in the demo (policy P11): recorded at the time an entry was talked
through with a parent, without any request to correct it, and one corrected by a later
statement that replaces it (both kept). Written through the service, like real ones."""

from django.utils import timezone

from children.models import ParentStatement, Person, Record, StatementTakenHow
from children.statements import statement_record
from setting_records.demo import DemoStaff

FIRST_SETTING_CHILD = "Amelia"


def _record(title: str) -> Record:
    return Record.objects.get(child__first_name=FIRST_SETTING_CHILD, title=title)


def _parent(first_name: str) -> Person:
    return Person.objects.get(
        first_name=first_name,
        last_name="Thompson",
        connections__child__first_name=FIRST_SETTING_CHILD,
    )


def create_statements(*, staff: DemoStaff) -> list[ParentStatement]:
    """Three statements on Millie Thompson's entries: her father's view of her fall, given when
    he signed the accident form, and her mother's view of the termly summary, sent by email and
    then corrected by a letter that replaces it."""
    # The demo's entries are written the day it is seeded: a statement cannot be older.
    today = timezone.localdate()
    fall = statement_record(
        record=_record("Bump in the garden: mouth and front tooth"),
        actor=staff.keyperson,
        person=_parent("David"),
        made_on=today,
        taken_how=StatementTakenHow.MEETING,
        words=(
            "Millie told me at home that another child pushed her into the sandpit; she did "
            "not trip.\n\nI would like that written down next to the accident report."
        ),
        reason="Recorded when David signed the accident form",
    )
    summary = _record("Termly progress summary")
    first = statement_record(
        record=summary,
        actor=staff.manager,
        person=_parent("Sarah"),
        made_on=today,
        taken_how=StatementTakenHow.EMAIL,
        words=(
            "Millie waits for her turn at home without any trouble. I do not think it is fair "
            "to say she finds waiting hard."
        ),
    )
    corrected = statement_record(
        record=summary,
        actor=staff.manager,
        person=_parent("Sarah"),
        made_on=today,
        taken_how=StatementTakenHow.LETTER,
        words=(
            "Having thought about it, Millie can find waiting hard when she is excited, as "
            "she is at home with her brother. I am happy with the sand timer games.\n\n"
            "I would still like it noted that she waits well at home most of the time."
        ),
        supersedes=first,
        reason="Sarah's letter corrects her email",
    )
    return [fall, first, corrected]
