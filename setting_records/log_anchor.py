"""The access log's head, kept outside the database, so that a removed tail or an emptied table
shows when the log is verified.

After every transaction that appended to the log, the head (how many rows, the last row's hash,
the row keying began at, and when) is written to ``settings.ACCESS_LOG_ANCHOR`` with an HMAC
under the log key, so it cannot be forged or rolled back to match a shortened table without the
key. Someone with database access alone cannot reach it. ``read`` and ``write`` are the only
two functions that know where the anchor lives: an object store later replaces just those.
"""

import contextlib
import fcntl
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from setting_records import log_key
from setting_records.models import AccessLogEntry, ChainScheme

logger = logging.getLogger(__name__)


class AnchorDamaged(Exception):
    """The anchor cannot be read, or its HMAC does not match: altered, or another key's."""


@dataclass(frozen=True)
class Anchor:
    rows: int
    head: str
    keyed_from: int | None
    at: datetime

    def content(self) -> str:
        return json.dumps(
            {
                "rows": self.rows,
                "head": self.head,
                "keyed_from": self.keyed_from,
                "at": self.at.isoformat(),
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    def signed(self) -> str:
        fields = json.loads(self.content())
        return json.dumps(fields | {"mac": log_key.mac("anchor", self.content())}, indent=2)

    @classmethod
    def from_signed(cls, text: str) -> "Anchor":
        try:
            fields = json.loads(text)
            anchor = cls(
                rows=int(fields["rows"]),
                head=str(fields["head"]),
                keyed_from=None if fields["keyed_from"] is None else int(fields["keyed_from"]),
                at=datetime.fromisoformat(fields["at"]),
            )
            mac = str(fields["mac"])
        except (ValueError, TypeError, KeyError) as error:
            raise AnchorDamaged(f"it cannot be read ({error})") from None
        if not log_key.same(mac, log_key.mac("anchor", anchor.content())):
            raise AnchorDamaged("its HMAC does not match: it was altered or made with another key")
        return anchor


def read() -> Anchor | None:
    """The anchor on file, None when there is none; AnchorDamaged when it cannot be trusted."""
    try:
        text = settings.ACCESS_LOG_ANCHOR.read_text()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise AnchorDamaged(f"it cannot be read ({error})") from None
    return Anchor.from_signed(text)


def write(anchor: Anchor) -> None:
    """Replace the anchor atomically: a reader sees the old one or the new one, never half."""
    path = settings.ACCESS_LOG_ANCHOR
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as file:
            file.write(anchor.signed())
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def forget() -> None:
    """Remove the anchor, for ``flush`` only: a log emptied on purpose starts again from row 1."""
    settings.ACCESS_LOG_ANCHOR.unlink(missing_ok=True)


@contextlib.contextmanager
def elsewhere():
    """Anchor a throwaway database (the benchmarks' test database) in a temporary directory,
    so that its head never replaces the real database's anchor."""
    with (
        tempfile.TemporaryDirectory(prefix="access-log-anchor-") as directory,
        override_settings(ACCESS_LOG_ANCHOR=Path(directory) / "access-log-anchor.json"),
    ):
        yield


@contextlib.contextmanager
def _exclusive():
    """One writer at a time on this machine, so a slower process never moves the anchor back."""
    path = settings.ACCESS_LOG_ANCHOR
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def record_head() -> None:
    """Anchor the committed head of the log, unless the anchor on file is already as far on.

    A damaged anchor is left alone (and logged): overwriting it would hide what it would show.
    """
    last = AccessLogEntry.objects.order_by("-id").values_list("id", "hash").first()
    if last is None:
        return
    rows, head = last
    with _exclusive():
        try:
            current = read()
        except AnchorDamaged as error:
            logger.error("The access log's anchor was not moved on: %s.", error)
            return
        if current is not None and current.rows >= rows:
            return
        keyed_from = (
            current.keyed_from
            if current is not None and current.keyed_from is not None
            else AccessLogEntry.objects.filter(scheme=ChainScheme.HMAC)
            .order_by("id")
            .values_list("id", flat=True)
            .first()
        )
        write(Anchor(rows=rows, head=head, keyed_from=keyed_from, at=timezone.now()))


def after_commit() -> None:
    """Anchor the head once the caller's transaction commits; once per transaction, however
    many rows it appends. A failure to write is logged, never turned into an error page for a
    change that is already committed."""
    if any(pending[1] is record_head for pending in connection.run_on_commit):
        return
    transaction.on_commit(record_head, robust=True)
