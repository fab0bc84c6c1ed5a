"""Deadlines for parents' subject access requests (rule P7, UK GDPR Art. 12(3)).

Pure date arithmetic: no models, no database, ``datetime.date`` in and out.

* The response is due one calendar month after the day of receipt, "to the corresponding
  calendar date" (ICO guidance); where the later month has no such date (31 January + 1 month),
  the last day of that month is used.
* The deadline may be extended by up to two further months, counted in calendar months from the
  day of receipt as one period (31 January + 3 months = 30 April, not 28 February + 2 months =
  28 April). The extension has to be notified to the requester within the first month.
* The clock stops while the setting waits for proof of identity or a needed clarification, and
  resumes when it arrives: every day it was stopped is added to the deadline.
"""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = [
    "MAX_EXTENSION_MONTHS",
    "Pause",
    "add_months",
    "days_left",
    "due_date",
    "extension_allowed",
]

#: A complex or numerous request may be extended by at most two further months.
MAX_EXTENSION_MONTHS = 2


def add_months(day: date, months: int) -> date:
    """Return the date ``months`` calendar months after ``day`` (before it if negative).

    The result has the same day of the month where that month has it, and otherwise the last
    day of that month: 31 January + 1 month is 28 February (29 in a leap year), 31 March + 1 is
    30 April, 29 February 2028 + 12 is 28 February 2029.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


@dataclass(frozen=True)
class Pause:
    """The clock stopped on ``start`` and restarted on ``end``.

    ``start`` is the day the requester was asked for proof of identity or a needed
    clarification; ``end`` is the day it arrived, or ``None`` while still waiting. The days
    stopped are ``start`` up to but excluding ``end``.
    """

    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValueError(
                f"A pause cannot end ({self.end.isoformat()}) before it starts "
                f"({self.start.isoformat()})."
            )

    @property
    def is_open(self) -> bool:
        return self.end is None


def _paused_days(pauses: Sequence[Pause]) -> int:
    """Count the distinct days covered by closed pauses, each the half-open ``[start, end)``."""
    total = 0
    covered_until = date.min
    for start, end in sorted((p.start, p.end) for p in pauses if p.end is not None):
        start = max(start, covered_until)
        if end > start:
            total += (end - start).days
            covered_until = end
    return total


def due_date(
    *, received: date, extension_months: int = 0, pauses: Sequence[Pause] = ()
) -> date | None:
    """Return the date the response to a request received on ``received`` is due.

    * Base: one calendar month after receipt, ``add_months(received, 1)``.
    * Extension: ``extension_months`` (0, 1 or 2) further months, counted from the receipt date
      as one period: ``add_months(received, 1 + extension_months)``. Anything else raises
      ``ValueError``.
    * Pauses: each pause stops the clock for the days from its ``start`` up to but excluding its
      ``end``, so a pause that starts and ends on the same day costs nothing, and a pause from
      1 to 11 March costs 10 days. Days covered by more than one pause count once. The total
      number of distinct paused days is added to the calendar-month deadline.
    * A pause starting before ``received``, or ending before it starts, raises ``ValueError``.
    * While any pause is still open (``end is None``) there is no deadline: ``None`` is
      returned.
    """
    if (
        isinstance(extension_months, bool)
        or not isinstance(extension_months, int)
        or not 0 <= extension_months <= MAX_EXTENSION_MONTHS
    ):
        raise ValueError(
            f"An extension must be 0, 1 or 2 further months, not {extension_months!r}."
        )
    for pause in pauses:
        if pause.start < received:
            raise ValueError(
                f"A pause cannot start ({pause.start.isoformat()}) before the request was "
                f"received ({received.isoformat()})."
            )
        if pause.end is not None and pause.end < pause.start:
            raise ValueError(
                f"A pause cannot end ({pause.end.isoformat()}) before it starts "
                f"({pause.start.isoformat()})."
            )
    if any(pause.is_open for pause in pauses):
        return None
    deadline = add_months(received, 1 + extension_months)
    return deadline + timedelta(days=_paused_days(pauses))


def extension_allowed(*, received: date, told_on: date) -> bool:
    """Whether an extension notified on ``told_on`` was notified within the first month.

    True when ``told_on`` is on or after ``received`` and on or before
    ``add_months(received, 1)``.
    """
    return received <= told_on <= add_months(received, 1)


def days_left(*, due: date, today: date) -> int:
    """Days from ``today`` to ``due``: 0 on the due date, negative once overdue."""
    return (due - today).days
