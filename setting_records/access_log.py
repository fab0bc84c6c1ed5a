"""The append-only, tamper-evident access log: appending and verifying (guard: log_guard.py).

Each row stores SHA-256(previous row's hash + its own canonical content), with its id inside the
content, so altering, removing or moving any row breaks the chain from that row on. Appends are
serialised so that two requests can never both extend the same row (a fork): PostgreSQL takes a
transaction-level advisory lock, SQLite's ``BEGIN IMMEDIATE`` (``transaction_mode``) already
allows one writer at a time. The id is the next number in the chain, and it is the primary key,
so a fork would also fail the insert.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from setting_records.models import AccessLogEntry

GENESIS = "0" * 64
# Any constant will do: it names the one lock every append takes.
ADVISORY_LOCK_KEY = 0x5E771065


def canonical(entry: AccessLogEntry) -> str:
    return json.dumps(
        {
            "id": entry.id,
            "at": entry.at.isoformat(),
            "actor": entry.actor_id,
            "action": entry.action,
            "setting": entry.setting_id,
            "child": entry.child_id,
            "record": entry.record_id,
            "detail": entry.detail,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def chain_hash(prev_hash: str, entry: AccessLogEntry) -> str:
    return hashlib.sha256((prev_hash + canonical(entry)).encode()).hexdigest()


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def append(
    *, action: str, actor=None, setting=None, child=None, record=None, detail=None
) -> AccessLogEntry:
    """Add one row at the end of the chain, inside the caller's transaction if there is one."""
    if record is not None and child is None:
        child = record.child
    if child is not None and setting is None:
        setting = child.setting
    with transaction.atomic():
        _lock()
        last = AccessLogEntry.objects.order_by("-id").values_list("id", "hash").first()
        last_id, prev_hash = last if last else (0, GENESIS)
        entry = AccessLogEntry(
            id=last_id + 1,
            at=timezone.now(),
            actor=actor if actor is not None and actor.is_authenticated else None,
            action=action,
            setting=setting,
            child=child,
            record=record,
            detail=detail or {},
            prev_hash=prev_hash,
        )
        entry.hash = chain_hash(prev_hash, entry)
        entry.save(force_insert=True)
    return entry


@dataclass(frozen=True)
class Verdict:
    rows: int
    head: str
    first_bad: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.first_bad is None


def _entries() -> Iterator[AccessLogEntry]:
    return AccessLogEntry.objects.order_by("id").iterator(chunk_size=2000)


def verify() -> Verdict:
    """Walk the chain from the first row; name the first row that does not fit."""
    prev_hash, expected_id, rows = GENESIS, 1, 0
    for entry in _entries():
        rows += 1
        if entry.id != expected_id:
            return Verdict(rows, prev_hash, entry.id, f"row {expected_id} is missing")
        if entry.prev_hash != prev_hash:
            return Verdict(rows, prev_hash, entry.id, "does not follow the row before it")
        if chain_hash(prev_hash, entry) != entry.hash:
            return Verdict(rows, prev_hash, entry.id, "its content was changed")
        prev_hash, expected_id = entry.hash, expected_id + 1
    return Verdict(rows, prev_hash)
