"""The append-only, tamper-evident access log: appending and verifying (guard: log_guard.py).

Each row stores HMAC-SHA-256(previous row's hash + its own canonical content) under the log key
(log_key.py), with its id inside the content, so altering, removing or moving any row breaks the
chain from that row on, and nobody without the key can recompute it. After each appending
transaction the head is anchored outside the database (log_anchor.py), so a removed tail or an
emptied table shows too. Rows written before keying began keep their plain SHA-256
(``ChainScheme.UNKEYED``): the log is append-only, so they are never re-chained, and they are
accepted only before the first keyed row, never after it.

Appends are serialised so that two requests can never both extend the same row (a fork):
PostgreSQL takes a transaction-level advisory lock, SQLite's ``BEGIN IMMEDIATE``
(``transaction_mode``) already allows one writer at a time. The id is the next number in the
chain, and it is the primary key, so a fork would also fail the insert.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from setting_records import log_anchor, log_key
from setting_records.models import AccessAction, AccessLogEntry, ChainScheme

GENESIS = "0" * 64
# Any constant will do: it names the one lock every append takes.
ADVISORY_LOCK_KEY = 0x5E771065


def canonical(entry: AccessLogEntry) -> str:
    # The scheme is part of a keyed row's content; unkeyed rows were hashed without it.
    keyed = {"scheme": entry.scheme} if entry.scheme != ChainScheme.UNKEYED else {}
    return json.dumps(
        keyed
        | {
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
    if entry.scheme == ChainScheme.HMAC:
        return log_key.mac("chain", prev_hash + canonical(entry))
    return hashlib.sha256((prev_hash + canonical(entry)).encode()).hexdigest()


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def storable(value: object) -> object:
    """``value`` with every NUL character taken out of its strings (keys too), at any depth.

    A detail often carries what someone typed (a page number from the URL, a search), and
    PostgreSQL's jsonb cannot hold a NUL: the row, and the request with it, would fail."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    return value


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
            detail=storable(detail or {}),
            prev_hash=prev_hash,
            scheme=ChainScheme.HMAC,
        )
        entry.hash = chain_hash(prev_hash, entry)
        entry.save(force_insert=True)
        log_anchor.after_commit()
    return entry


@dataclass(frozen=True)
class Verdict:
    """What ``verify`` found: ``problem`` is empty when the log is intact.

    ``first_bad`` names the first row that does not fit, when the fault is in a row; faults
    that only the anchor shows (a removed tail, an emptied table) have none.
    """

    rows: int
    head: str
    problem: str = ""
    first_bad: int | None = None
    anchor: log_anchor.Anchor | None = None
    keyed_from: int | None = None

    @property
    def intact(self) -> bool:
        return not self.problem


def _entries() -> Iterator[AccessLogEntry]:
    return AccessLogEntry.objects.order_by("id").iterator(chunk_size=2000)


def _walk(anchored_row: int) -> tuple[Verdict, str | None]:
    """Walk the chain from the first row; name the first row that does not fit. Also return
    the hash of row ``anchored_row`` as found, to hold against the anchor."""
    prev_hash, expected_id, keyed_from, anchored_hash = GENESIS, 1, None, None
    for entry in _entries():
        rows = expected_id
        if entry.id != expected_id:
            problem = f"row {expected_id} is missing (the next row is {entry.id})"
            return Verdict(rows, prev_hash, problem, entry.id), None
        if entry.prev_hash != prev_hash:
            problem = f"row {entry.id} does not follow the row before it"
            return Verdict(rows, prev_hash, problem, entry.id), None
        if entry.scheme not in ChainScheme.values:
            return Verdict(rows, prev_hash, f"row {entry.id} has an unknown scheme", entry.id), None
        if entry.scheme == ChainScheme.UNKEYED and keyed_from is not None:
            problem = (
                f"row {entry.id} has no key although the log is keyed from row {keyed_from}: "
                "it was rewritten by someone without the key"
            )
            return Verdict(rows, prev_hash, problem, entry.id), None
        if not log_key.same(chain_hash(prev_hash, entry), entry.hash):
            problem = (
                f"row {entry.id} was changed after it was written "
                "(or its hash was recomputed without the key)"
            )
            return Verdict(rows, prev_hash, problem, entry.id), None
        if keyed_from is None and entry.scheme == ChainScheme.HMAC:
            keyed_from = entry.id
        if entry.id == anchored_row:
            anchored_hash = entry.hash
        prev_hash, expected_id = entry.hash, expected_id + 1
    return Verdict(expected_id - 1, prev_hash, keyed_from=keyed_from), anchored_hash


def _against_anchor(walked: Verdict, anchor: log_anchor.Anchor, anchored_hash: str | None) -> str:
    """What the anchor shows that the chain alone cannot; empty when the chain reaches it."""
    when = timezone.localtime(anchor.at).strftime("%d/%m/%Y %H:%M")
    said = f"the anchor written {when} says it held {anchor.rows} rows"
    if walked.rows == 0:
        return f"the log is empty, but {said}: the log was emptied"
    if walked.rows < anchor.rows:
        removed = anchor.rows - walked.rows
        gone = "row was" if removed == 1 else f"{removed} rows were"
        return f"the last {gone} removed: {said}, and it holds {walked.rows}"
    if anchored_hash is None or not log_key.same(anchored_hash, anchor.head):
        return (
            f"row {anchor.rows} is not the row that was anchored ({when}): the chain up to it "
            "was rewritten"
        )
    if walked.keyed_from != anchor.keyed_from:
        return (
            f"the log claims to be keyed from row {walked.keyed_from}, but the anchor says row "
            f"{anchor.keyed_from}: rows were rewritten without the key"
        )
    return ""


def verify() -> Verdict:
    """Walk the chain, then hold it against the anchor (log_anchor.py). A fault in a row is
    named first; then what the anchor shows."""
    try:
        anchor, distrust = log_anchor.read(), ""
    except log_anchor.AnchorDamaged as error:
        anchor = None
        distrust = f"the anchor at {settings.ACCESS_LOG_ANCHOR} cannot be trusted: {error}"
    walked, anchored_hash = _walk(anchor.rows if anchor else 0)
    if not walked.intact:
        return replace(walked, anchor=anchor)
    if distrust:
        return replace(walked, problem=distrust)
    if anchor is None:
        if walked.rows == 0:
            return walked
        return replace(
            walked,
            problem=(
                f"there is no anchor at {settings.ACCESS_LOG_ANCHOR}, so a removed tail or an "
                "emptied table would not show (it is written after every new row)"
            ),
        )
    return replace(walked, anchor=anchor, problem=_against_anchor(walked, anchor, anchored_hash))


def check(*, actor=None) -> tuple[Verdict, AccessLogEntry]:
    """Verify the log (``verify``) and log the result as a row of its own, so that the log
    shows when it was last found intact, and by whom (UK GDPR Art. 5(1)(f), 5(2): the
    integrity of the record of access, and being able to show it). The ``verify_access_log``
    command and the manager's button on the log page both come here.

    The row keeps the verdict's facts (intact or not, how many rows, the first bad row), never
    the problem's wording: the page tells a manager only to contact the administrator, who
    runs the command to see the detail."""
    verdict = verify()
    detail: dict[str, object] = {"intact": verdict.intact, "rows": verdict.rows}
    if verdict.first_bad is not None:
        detail["first_bad"] = verdict.first_bad
    with transaction.atomic():
        row = append(action=AccessAction.LOG_CHECKED, actor=actor, detail=detail)
    return verdict, row


def last_check() -> AccessLogEntry | None:
    """The latest check of the log (``check``), whoever ran it; None before the first."""
    return AccessLogEntry.objects.filter(action=AccessAction.LOG_CHECKED).order_by("-id").first()
