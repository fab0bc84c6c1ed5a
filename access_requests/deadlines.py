"""Deadlines for parents' subject access requests (rule P7).

Pure date arithmetic: no models, no database, ``datetime.date`` in and out. The law applied:

* **One month from the relevant time.** UK GDPR Art. 12(3) and Art. 12A (inserted by the Data
  (Use and Access) Act 2025), and DPA 2018 s.54(2)-(3) in the same words: the response is due
  within one month beginning with the *latest* of the day the request arrives, the day the
  information asked for to confirm the requester's identity arrives (Art. 12(6)), and the day a
  fee is paid (Art. 12(5); the setting charges none, but the rule is here). Identity therefore
  does not pause the clock: it *restarts* it. Received 28 January 2026, identity asked for that
  day and received 31 January: due 28 February 2026, one month from 31 January.
* **"One month"** runs to the corresponding date of the next month, or to the last day of that
  month where it has no such date (ICO guidance, "How long do we have to comply?"): 31 January
  gives 28 February (29 in a leap year). This module does not move a date that falls on a
  weekend or bank holiday to the next working day (which the ICO allows): the earlier date is
  always safe.
* **Clarification stops the clock** (Art. 12A; DPA 2018 s.54(3C)): while the setting waits for
  a clarification it reasonably needs to find the information, those days do not count, neither
  towards the month nor towards the window for notifying an extension. A pause counts from the
  day the question is asked up to (not including) the day the answer arrives, so a question
  asked and answered on the same day costs nothing and a pause from 10 to 20 March gives ten
  more days. (The Act excludes both of those days from a period that strictly ends the day
  *before* the corresponding date; counted against the ICO's corresponding date, the same
  deadline comes out of excluding one of them.) Days covered by more than one pause count once.
  A month that has already run out cannot be stopped: a pause that starts after the due date
  as it then stands is ignored (the request stays overdue); a pause starting on the due date
  itself still counts, that day being the last one for the response. Time spent waiting before
  the month started (while identity was awaited) changes nothing.
* **Extension** (Art. 12(3) and 12A; DPA 2018 s.54(3A)-(3B)): by up to two further months where
  the request is complex or numerous, if the requester is told, with the reasons for the delay,
  before the unextended month runs out: on or before the unextended due date, which already
  counts from the relevant time and leaves out the paused days. "Two further months" has two
  readings where month ends differ: three months counted from the start as one period
  (31 January to 30 April, the ICO's wording) or two months added to the one-month due date
  (28 February to 28 April). The software uses the **earlier** of the two, which satisfies both
  readings; the paused days are then added to it as above.
"""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

__all__ = [
    "MAX_EXTENSION_MONTHS",
    "Deadline",
    "Pause",
    "add_months",
    "days_left",
    "deadline",
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
    """The clock stopped for a clarification on ``start`` and restarted on ``end``.

    ``start`` is the day the requester was asked to clarify what they want; ``end`` is the day
    the answer arrived, or ``None`` while still waiting. The days stopped are ``start`` up to
    but excluding ``end``.
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


@dataclass(frozen=True)
class Deadline:
    """A request's deadline with its workings, so that a page can explain the date it shows.

    * ``start``: the day the month runs from (receipt, or the day identity or a fee arrived);
      ``None`` while proof of identity is awaited.
    * ``due``: what ``due_date`` returns: ``None`` while identity is awaited or while the clock
      is stopped for a clarification; otherwise the last day for the response.
    * ``unextended_due``: the due date without the extension (``None`` when ``due`` is): the
      last day on which the requester can be told of an extension.
    * ``waiting_for_identity_since``: the day identity was asked for, while it is awaited.
    * ``stopped_since`` and ``days_left_when_stopped``: while the clock is stopped for a
      clarification, the day it stopped and the days that were then left (0 when stopped on the
      due date itself); the new due date will be that many days after the answer arrives.
    * ``counted_pauses``: the pauses that moved (or are holding) the date.
    * ``late_pauses``: pauses that started after the due date: they change nothing.
    * ``days_left`` and ``overdue``: from ``today`` when one was given, otherwise ``None`` and
      ``False``.
    """

    start: date | None
    due: date | None
    unextended_due: date | None
    extension_months: int
    waiting_for_identity_since: date | None = None
    stopped_since: date | None = None
    days_left_when_stopped: int | None = None
    counted_pauses: tuple[Pause, ...] = ()
    late_pauses: tuple[Pause, ...] = ()
    days_left: int | None = None
    overdue: bool = False

    @property
    def clock_stopped(self) -> bool:
        return self.stopped_since is not None

    @property
    def days_overdue(self) -> int:
        """How many days past the due date (0 when not overdue or when not known)."""
        return -self.days_left if self.overdue and self.days_left is not None else 0


def _check(
    *,
    received: date,
    identity_requested: date | None,
    identity_received: date | None,
    fee_paid: date | None,
    pauses: Sequence[Pause],
    extension_months: int,
) -> None:
    if (
        isinstance(extension_months, bool)
        or not isinstance(extension_months, int)
        or not 0 <= extension_months <= MAX_EXTENSION_MONTHS
    ):
        raise ValueError(
            f"An extension must be 0, 1 or 2 further months, not {extension_months!r}."
        )
    for name, day in (
        ("Identity", identity_requested),
        ("Proof of identity", identity_received),
        ("A fee", fee_paid),
    ):
        if day is not None and day < received:
            raise ValueError(
                f"{name} cannot be asked for or arrive ({day.isoformat()}) before the request "
                f"was received ({received.isoformat()})."
            )
    if identity_requested and identity_received and identity_received < identity_requested:
        raise ValueError(
            f"Proof of identity cannot arrive ({identity_received.isoformat()}) before it was "
            f"asked for ({identity_requested.isoformat()})."
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


def _stopped_spans(start: date, pauses: Sequence[Pause]) -> list[tuple[date, date | None]]:
    """The stretches when the clock was stopped after ``start``, in order, overlapping and
    touching pauses merged into one; ``None`` as the end of one still open."""
    spans: list[tuple[date, date | None]] = []
    # Only the part of a pause after the month started matters; earlier days are not counted.
    clipped = (
        (max(pause.start, start), pause.end)
        for pause in pauses
        if pause.end is None or pause.end > start
    )
    for begin, end in sorted(clipped, key=lambda span: (span[0], span[1] or date.max)):
        if spans and (spans[-1][1] is None or begin <= spans[-1][1]):
            last_begin, last_end = spans[-1]
            spans[-1] = (
                last_begin,
                None if last_end is None or end is None else max(last_end, end),
            )
        else:
            spans.append((begin, end))
    return spans


def _run_clock(
    start: date, months: int, pauses: Sequence[Pause]
) -> tuple[date | None, date | None, int | None]:
    """Run the clock from ``start`` for one month plus ``months`` further ones (the earlier
    reading), stopping it for each pause that starts on or before the due date as it then
    stands. Return the due date (``None`` while stopped), the day it stopped and the days then
    left."""
    one_month = add_months(start, 1)
    due = min(add_months(start, 1 + months), add_months(one_month, months))
    for begin, end in _stopped_spans(start, pauses):
        if begin > due:
            break  # already overdue: neither this pause nor any later one stops the clock
        if end is None:
            return None, begin, (due - begin).days
        due += end - begin
    return due, None, None


def deadline(
    *,
    received: date,
    identity_requested: date | None = None,
    identity_received: date | None = None,
    fee_paid: date | None = None,
    pauses: Sequence[Pause] = (),
    extension_months: int = 0,
    today: date | None = None,
) -> Deadline:
    """Work out a request's deadline and how it was reached (see the module docstring).

    * ``received``: the day the request arrived.
    * ``identity_requested``: the day the setting asked for the information it needed to confirm
      the requester's identity, if it did. While that information has not arrived
      (``identity_received`` is ``None``) the month has not started and there is no due date.
    * ``identity_received``: the day that information arrived; the month runs from it when it
      is later than receipt.
    * ``fee_paid``: the day a fee was paid, if one was charged; likewise.
    * ``pauses``: the clarification pauses, each a ``Pause(start, end)``.
    * ``extension_months``: 0, 1 or 2 further months; anything else raises ``ValueError``.
    * ``today``: when given, ``days_left`` and ``overdue`` are filled in.

    A date before receipt (a pause, identity, a fee), identity arriving before it was asked for,
    or a pause ending before it starts raises ``ValueError``.
    """
    _check(
        received=received,
        identity_requested=identity_requested,
        identity_received=identity_received,
        fee_paid=fee_paid,
        pauses=pauses,
        extension_months=extension_months,
    )
    if identity_requested is not None and identity_received is None:
        return Deadline(
            start=None,
            due=None,
            unextended_due=None,
            extension_months=extension_months,
            waiting_for_identity_since=identity_requested,
        )
    start = max(day for day in (received, identity_received, fee_paid) if day is not None)
    due, stopped_since, days_when_stopped = _run_clock(start, extension_months, pauses)
    unextended_due = (
        due if extension_months == 0 or due is None else _run_clock(start, 0, pauses)[0]
    )
    counted, late = [], []
    for pause in pauses:
        if pause.end is not None and pause.end <= start:
            continue  # over before the month started: it changes nothing
        if due is not None and max(pause.start, start) > due:
            late.append(pause)
        else:
            counted.append(pause)
    left = None if due is None or today is None else days_left(due=due, today=today)
    return Deadline(
        start=start,
        due=due,
        unextended_due=unextended_due,
        extension_months=extension_months,
        stopped_since=stopped_since,
        days_left_when_stopped=days_when_stopped,
        counted_pauses=tuple(counted),
        late_pauses=tuple(late),
        days_left=left,
        overdue=left is not None and left < 0,
    )


def due_date(
    *,
    received: date,
    identity_received: date | None = None,
    pauses: Sequence[Pause] = (),
    extension_months: int = 0,
    identity_requested: date | None = None,
    fee_paid: date | None = None,
) -> date | None:
    """The one answer to "when is the response to this request due?".

    * The month runs from the latest of ``received``, ``identity_received`` and ``fee_paid``:
      ``add_months(start, 1)``; identity arriving restarts it, it does not add days.
    * ``extension_months`` (0, 1 or 2) further months, by the earlier of the two readings:
      ``min(add_months(start, 1 + n), add_months(add_months(start, 1), n))``.
    * Each clarification pause adds the days from its ``start`` up to but excluding its
      ``end`` that fall after the month started, counting a day covered twice once, provided it
      starts on or before the due date as it then stands; a later pause changes nothing.
    * ``None`` while the clock is stopped by an open pause that counts, and while identity has
      been asked for (``identity_requested``) but has not arrived.

    Bad input raises ``ValueError`` as described in ``deadline``.
    """
    return deadline(
        received=received,
        identity_requested=identity_requested,
        identity_received=identity_received,
        fee_paid=fee_paid,
        pauses=pauses,
        extension_months=extension_months,
    ).due


def extension_allowed(
    *,
    received: date,
    told_on: date,
    identity_received: date | None = None,
    pauses: Sequence[Pause] = (),
    identity_requested: date | None = None,
    fee_paid: date | None = None,
) -> bool:
    """Whether an extension notified on ``told_on`` was notified in time (Art. 12A; DPA 2018
    s.54(3B)): on or after receipt, and on or before the unextended due date, which runs from
    identity (or a fee) when that came later and leaves out the clarification pauses.

    While identity is still awaited, or the clock is stopped for a clarification, the month has
    not run out, so any day from receipt on is in time.
    """
    if told_on < received:
        return False
    unextended = due_date(
        received=received,
        identity_requested=identity_requested,
        identity_received=identity_received,
        fee_paid=fee_paid,
        pauses=pauses,
    )
    return unextended is None or told_on <= unextended


def days_left(*, due: date, today: date) -> int:
    """Days from ``today`` to ``due``: 0 on the due date, negative once overdue."""
    return (due - today).days
