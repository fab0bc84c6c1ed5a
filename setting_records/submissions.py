"""One-time submission keys: a form that records something permanent (a disclosure, a parent's
statement) carries a random key in a hidden field, made when the form is first shown and kept
when it is shown again with errors. The row it records keeps the key in a unique column, so a
double click or a resent form finds the row the first submission made instead of recording
the same thing twice.

The service checks for the key while holding a lock on it (``claim``), and the unique column
catches whatever gets past the check (``save_once``).
"""

import uuid

from django.db import IntegrityError, connection, transaction
from django.db.models import Model

from setting_records.errors import WorkflowError
from setting_records.history import save_as
from setting_records.models import User

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


def claim[M: Model](model: type[M], key: uuid.UUID | None, **same: object) -> M | None:
    """Where a service starts: take the key's lock and return the row an earlier submission
    with ``key`` recorded (see ``earlier``), for the service to return instead of recording
    anything. None when there is no such row, or no key."""
    if key is None:
        return None
    lock(key)
    return earlier(model, key, **same)


def save_once[M: Model](row: M, *, actor: User, reason: str, **same: object) -> tuple[M, bool]:
    """Save the new ``row`` (which carries its ``submission_key``) with its history, and say
    whether it was saved: ``(row, True)``. Should the unique key column find that a submission
    with the same key got there first (past ``claim`` only if the lock did not hold), that
    row is returned instead, ``(earlier row, False)``, and nothing is written."""
    try:
        with transaction.atomic():
            save_as(row, actor=actor, reason=reason)
    except IntegrityError:
        if found := earlier(type(row), getattr(row, "submission_key", None), **same):
            return found, False
        raise
    return row, True
