"""One-time submission keys: a form that records something permanent (a disclosure, a parent's
statement) carries a random key in a hidden field, made when the form is first shown and kept
when it is shown again with errors. The row it records keeps the key in a unique column, so a
double click or a resent form finds the row the first submission made instead of recording
the same thing twice.

The service checks for the key while holding a lock on it (``lock``), and the unique column
catches whatever gets past the check.
"""

import uuid

from django.db import connection
from django.db.models import Model

from setting_records.errors import WorkflowError

# The first half of the two-part advisory lock key (the second is taken from the submission
# key): PostgreSQL keeps two-part keys apart from the one-part key the access log locks with.
ADVISORY_LOCK_CLASS = 0x5B3155


def lock(key: uuid.UUID) -> None:
    """Hold, until the end of the transaction, a lock that every submission with this key takes
    before looking for its row: the second of two waits for the first to commit, then finds its
    row. SQLite needs none: ``BEGIN IMMEDIATE`` lets one writer in at a time."""
    if connection.vendor == "postgresql":
        part = int.from_bytes(key.bytes[:4], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_LOCK_CLASS, part])


def earlier[M: Model](model: type[M], key: uuid.UUID | None, **same: object) -> M | None:
    """The row that an earlier submission with ``key`` recorded, or None (also when there is
    no key). Its fields named in ``same`` must have the values given (the same child or entry,
    the same member of staff): a key sent again with another form's page is refused rather than
    answered with someone else's row."""
    if key is None:
        return None
    found = model._default_manager.filter(submission_key=key).first()
    if found is None:
        return None
    if any(getattr(found, name) != value for name, value in same.items()):
        raise WorkflowError(
            "This form has already been sent. Open it again to record something new."
        )
    return found
