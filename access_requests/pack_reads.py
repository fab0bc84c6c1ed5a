"""Which entries' text a request's pages show, told to ``setting_records.reads`` for the log.

The review list shows every prepared entry's current text. A pack (the working copy, the copy
released) shows the text of every entry not withheld: the live text while the request is being
prepared, and once the pack is fixed for the meeting the text as it stood when it was fixed, so
the version read is the entry's history row as of that moment.
"""

from collections.abc import Iterable

from access_requests.models import AccessRequest, Disclosure, FrozenPack, PreparedEntry
from children.models import Record
from setting_records import reads


def review_shown(entries: Iterable[PreparedEntry]) -> list[reads.Shown]:
    """The review list shows each entry's current text, withheld or not."""
    return [reads.shown(entry.record) for entry in entries]


def _withheld(decision: dict) -> bool:
    return decision.get("disclosure") == Disclosure.WITHHOLD or not decision.get("included", True)


def _frozen_shown(frozen: FrozenPack) -> list[reads.Shown]:
    printed = [row["record"] for row in frozen.entries if not _withheld(row["decision"])]
    # Each entry's last version written at or before the freeze: two queries however many.
    as_fixed = {}
    history = Record.history.filter(id__in=printed, history_date__lte=frozen.frozen_at)
    for row in history.order_by("history_date", "history_id"):
        as_fixed[row.id] = row
    records = Record.objects.in_bulk(printed)
    return [
        reads.shown(records[pk], versions=[as_fixed[pk]], current=False)
        for pk in printed
        if pk in records and pk in as_fixed
    ]


def pack_shown(item: AccessRequest, frozen: FrozenPack | None) -> list[reads.Shown]:
    """The entries whose text a copy of ``item``'s pack prints, as of ``frozen`` if given."""
    if frozen is not None:
        return _frozen_shown(frozen)
    entries = item.entries.select_related("record")
    return [reads.shown(entry.record) for entry in entries if not entry.withheld]
