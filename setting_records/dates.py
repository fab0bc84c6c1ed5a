"""Small date helpers shared by the apps (setting_records sits below them, so they import it)."""

import datetime

from django.utils import timezone


def start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the setting's local time (``TIME_ZONE``).

    A filter on a date-time column from this bound (``column__gte=start_of(day)``), rather than
    on the column's date, lets the column's index serve it."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
