"""The complaints clock, as pure functions of dates (policy P10).

The EYFS statutory framework (section 3, "Complaints") has the provider investigate a written
complaint about its fulfilment of the EYFS requirements and tell the complainant the outcome
within 28 days of receiving it. A complaint made orally may be put on the same clock by
choice; a written one always is.
"""

import datetime

#: EYFS statutory framework, section 3 "Complaints": the outcome is notified within 28 days.
EYFS_DAYS = 28


def due_on(*, received: datetime.date, on_clock: bool) -> datetime.date | None:
    """The day the outcome must be told by: received + 28 days, or None off the clock."""
    if not on_clock:
        return None
    return received + datetime.timedelta(days=EYFS_DAYS)


def days_left(*, due: datetime.date, today: datetime.date) -> int:
    """Days from ``today`` to ``due``: negative once overdue, 0 on the day itself."""
    return (due - today).days


def met(*, due: datetime.date | None, notified: datetime.date | None) -> bool | None:
    """Whether the outcome was told in time: None off the clock or while not yet told."""
    if due is None or notified is None:
        return None
    return notified <= due


def overdue(
    *, due: datetime.date | None, notified: datetime.date | None, today: datetime.date
) -> bool:
    """Past the due day with the outcome still not told."""
    return due is not None and notified is None and today > due
