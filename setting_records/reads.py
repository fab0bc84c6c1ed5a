"""What counts as reading an entry's sensitive text, and the one access-log row each read leaves.

The policy (P2, P13) restricts sensitive entries to the manager and the child's key person, and
the access log records every view of them. A page *reads sensitive text* when it shows

- an entry's current text while the entry is marked sensitive, or
- any earlier version of an entry that was marked sensitive when it was written (an entry
  downgraded to general keeps its sensitive past in its history).

Every page that shows an entry's text, or an older version of it, describes what it shows as
``shown(...)`` values and calls ``log_read``: the record page, its edit form (also when shown again
with errors), its history, the review list of an access request and the record pack. The rule
lives here alone, so that no page can decide differently. Titles are labels, shown in lists,
and are not the entry's text.

UK GDPR Art. 5(1)(f) (confidentiality) and 5(2) (accountability: being able to show who read
what), and the EYFS statutory framework's "Information and records" (records kept confidential,
open to those who need to see them).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol, cast

from children.models import Child, Record, Sensitivity
from setting_records import access_log
from setting_records.history import HistoryRow
from setting_records.models import AccessAction, AccessLogEntry, User


@dataclass(frozen=True)
class Shown:
    """One entry as a page shows it, judged when the page is built (``shown`` makes one)."""

    record: Record
    current_sensitive: bool
    sensitive_versions: tuple[int, ...]

    @property
    def is_sensitive_read(self) -> bool:
        return self.current_sensitive or bool(self.sensitive_versions)


class _Version(Protocol):
    """A history row of a record: its id in the history table, and its sensitivity then."""

    history_id: int
    sensitivity: str


def shown(record: Record, *, versions: Iterable[HistoryRow] = (), current: bool = True) -> Shown:
    """``record`` as a page shows it: its current text (``current``), and the history rows in
    ``versions`` whose text the page shows. Take it before a form is bound to the record: a
    bound form writes what was typed (a new sensitivity too) onto the instance."""
    return Shown(
        record=record,
        current_sensitive=current and record.sensitivity == Sensitivity.SENSITIVE,
        sensitive_versions=tuple(
            cast(_Version, row).history_id
            for row in versions
            if cast(_Version, row).sensitivity == Sensitivity.SENSITIVE
        ),
    )


def sensitive_reads(items: Iterable[Shown]) -> list[dict[str, object]]:
    """What of ``items`` is sensitive text, as the access log keeps it: ids, never text."""
    return [
        {
            "record": item.record.pk,
            "current": item.current_sensitive,
            "versions": list(item.sensitive_versions),
        }
        for item in items
        if item.is_sensitive_read
    ]


def log_read(
    *,
    actor: User,
    items: Iterable[Shown],
    via: str,
    action: str = AccessAction.RECORD_VIEWED,
    child: Child | None = None,
    detail: Mapping[str, object] | None = None,
    always: bool = False,
) -> AccessLogEntry | None:
    """Append one access-log row for one page view that shows ``items``, if it reads sensitive
    text (or ``always``, for pages logged whatever they show, such as a record pack).

    The row names the entry when the page is about one (no ``child`` given), and lists in
    ``detail["read"]`` each entry read, with the sensitive history versions shown
    (``versions``) and whether its current sensitive text was shown (``current``). ``via``
    names the page. Call it in the view, once the policy has let the user see what is shown.
    """
    items = list(items)
    read = sensitive_reads(items)
    if not read and not always:
        return None
    # A page about one entry names it; a page of several (``child`` given) names their child.
    record = items[0].record if child is None and len(items) == 1 else None
    if child is None and record is None:
        raise ValueError("A read of several entries names their child.")
    return access_log.append(
        action=action,
        actor=actor,
        child=child,
        record=record,
        detail={**(detail or {}), "via": via, "read": read},
    )
