"""Fixtures for tests/setting_records: a clock the tests move by hand (no sleeping, and every
reader of the time agrees)."""

import datetime

import pytest
from django.utils import timezone

# Where the time is read: Django (sessions, the app) through ``timezone.now``, and django-axes,
# which imported ``now`` into its own modules.
READERS = ["django.utils.timezone.now", "axes.attempts.now", "axes.handlers.proxy.now"]


class Clock:
    def __init__(self) -> None:
        self.current = timezone.now()

    def now(self) -> datetime.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    for reader in READERS:
        monkeypatch.setattr(reader, clock.now)
    return clock
