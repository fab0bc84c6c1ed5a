"""Deadlines for subject access requests (rule P7): known cases and properties.

Pure date arithmetic: nothing here touches the database.
"""

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from access_requests.deadlines import (
    Pause,
    add_months,
    days_left,
    due_date,
    extension_allowed,
)

DAY = timedelta(days=1)

dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
months = st.integers(min_value=0, max_value=36)
extensions = st.sampled_from([0, 1, 2])


# add_months: known cases.


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        pytest.param(date(2025, 1, 31), 1, date(2025, 2, 28), id="31-jan-2025-to-28-feb"),
        pytest.param(date(2024, 1, 31), 1, date(2024, 2, 29), id="31-jan-2024-leap-to-29-feb"),
        pytest.param(date(2025, 1, 30), 1, date(2025, 2, 28), id="30-jan-2025-to-28-feb"),
        pytest.param(date(2024, 1, 30), 1, date(2024, 2, 29), id="30-jan-2024-leap-to-29-feb"),
        pytest.param(date(2025, 3, 31), 1, date(2025, 4, 30), id="31-mar-to-30-apr"),
        pytest.param(date(2024, 12, 31), 1, date(2025, 1, 31), id="31-dec-to-31-jan"),
        pytest.param(date(2028, 2, 29), 12, date(2029, 2, 28), id="29-feb-2028-plus-12"),
        pytest.param(date(2025, 6, 15), 1, date(2025, 7, 15), id="ordinary-date"),
        pytest.param(date(2025, 6, 15), 0, date(2025, 6, 15), id="zero-months"),
    ],
)
def test_add_months_known_cases(day: date, n: int, expected: date) -> None:
    assert add_months(day, n) == expected


# due_date: known cases.


def test_due_date_is_one_calendar_month_after_receipt() -> None:
    assert due_date(received=date(2025, 1, 31)) == date(2025, 2, 28)
    assert due_date(received=date(2024, 1, 31)) == date(2024, 2, 29)
    assert due_date(received=date(2025, 3, 31)) == date(2025, 4, 30)
    assert due_date(received=date(2025, 5, 6)) == date(2025, 6, 6)


def test_extension_counts_from_receipt_as_one_period_not_chained() -> None:
    # Counted from receipt as one period, not chained from the clamped 28 February deadline.
    received = date(2025, 1, 31)
    # One further month: 31 March, not 28 February + 1 = 28 March.
    assert due_date(received=received, extension_months=1) == date(2025, 3, 31)
    # Two further months: 30 April (31 January + 3), not 28 February + 2 = 28 April.
    assert due_date(received=received, extension_months=2) == date(2025, 4, 30)


def test_no_extension_is_the_plain_one_month_deadline() -> None:
    received = date(2025, 1, 31)
    assert due_date(received=received, extension_months=0) == due_date(received=received)


def test_ten_day_pause_moves_the_due_date_by_ten_days() -> None:
    received = date(2025, 5, 6)
    pause = Pause(start=date(2025, 5, 10), end=date(2025, 5, 20))
    assert due_date(received=received, pauses=[pause]) == date(2025, 6, 16)


def test_pause_that_starts_and_ends_the_same_day_costs_nothing() -> None:
    received = date(2025, 5, 6)
    pause = Pause(start=date(2025, 5, 10), end=date(2025, 5, 10))
    assert due_date(received=received, pauses=[pause]) == date(2025, 6, 6)


def test_pause_on_the_receipt_day_is_allowed() -> None:
    received = date(2025, 5, 6)
    pause = Pause(start=received, end=date(2025, 5, 9))
    assert due_date(received=received, pauses=[pause]) == date(2025, 6, 9)


def test_overlapping_pauses_count_each_day_once() -> None:
    received = date(2025, 5, 6)
    pauses = [
        Pause(start=date(2025, 5, 10), end=date(2025, 5, 20)),  # 10 days
        Pause(start=date(2025, 5, 15), end=date(2025, 5, 25)),  # 5 more days
        Pause(start=date(2025, 5, 12), end=date(2025, 5, 14)),  # inside the first
    ]
    assert due_date(received=received, pauses=pauses) == date(2025, 6, 6) + 15 * DAY


def test_adjacent_pauses_add_up() -> None:
    received = date(2025, 5, 6)
    pauses = [
        Pause(start=date(2025, 5, 10), end=date(2025, 5, 12)),
        Pause(start=date(2025, 5, 12), end=date(2025, 5, 15)),
    ]
    assert due_date(received=received, pauses=pauses) == date(2025, 6, 11)


def test_pauses_combine_with_an_extension() -> None:
    received = date(2025, 1, 31)
    pause = Pause(start=date(2025, 2, 3), end=date(2025, 2, 10))
    assert due_date(received=received, extension_months=2, pauses=[pause]) == date(2025, 5, 7)


def test_open_pause_means_no_due_date() -> None:
    received = date(2025, 5, 6)
    pauses = [
        Pause(start=date(2025, 5, 7), end=date(2025, 5, 9)),
        Pause(start=date(2025, 5, 20), end=None),
    ]
    assert Pause(start=date(2025, 5, 20)).end is None
    assert due_date(received=received, pauses=pauses) is None


# Bad inputs.


@pytest.mark.parametrize("extension", [-1, 3, 12, True])
def test_extension_outside_zero_to_two_months_is_refused(extension: int) -> None:
    with pytest.raises(ValueError, match=r"extension must be 0, 1 or 2 further months"):
        due_date(received=date(2025, 5, 6), extension_months=extension)


def test_pause_starting_before_receipt_is_refused() -> None:
    pause = Pause(start=date(2025, 5, 5), end=date(2025, 5, 10))
    with pytest.raises(ValueError, match=r"cannot start \(2025-05-05\) before the request was"):
        due_date(received=date(2025, 5, 6), pauses=[pause])


def test_open_pause_starting_before_receipt_is_refused_not_ignored() -> None:
    pause = Pause(start=date(2025, 5, 5), end=None)
    with pytest.raises(ValueError, match=r"before the request was received \(2025-05-06\)"):
        due_date(received=date(2025, 5, 6), pauses=[pause])


def test_pause_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match=r"cannot end \(2025-05-09\) before it starts"):
        Pause(start=date(2025, 5, 10), end=date(2025, 5, 9))


def test_pause_is_frozen() -> None:
    pause = Pause(start=date(2025, 5, 10), end=date(2025, 5, 12))
    with pytest.raises(AttributeError):
        pause.end = None  # type: ignore[misc]


# extension_allowed and days_left: known cases.


def test_extension_allowed_within_the_first_month_only() -> None:
    received = date(2025, 1, 31)
    assert extension_allowed(received=received, told_on=received)
    assert extension_allowed(received=received, told_on=date(2025, 2, 28))
    assert not extension_allowed(received=received, told_on=date(2025, 3, 1))
    assert not extension_allowed(received=received, told_on=date(2025, 1, 30))


def test_days_left_counts_down_and_goes_negative_when_overdue() -> None:
    due = date(2025, 6, 6)
    assert days_left(due=due, today=date(2025, 6, 1)) == 5
    assert days_left(due=due, today=due) == 0
    assert days_left(due=due, today=date(2025, 6, 9)) == -3


# Properties.


@given(day=dates, n=months)
def test_add_months_is_never_before_the_input(day: date, n: int) -> None:
    assert add_months(day, n) >= day


@given(day=dates, n=months)
def test_add_months_lands_in_the_right_month(day: date, n: int) -> None:
    result = add_months(day, n)
    assert result.year * 12 + result.month == day.year * 12 + day.month + n


@given(day=dates, n=months)
def test_add_months_keeps_the_day_or_clamps_to_the_last_day(day: date, n: int) -> None:
    result = add_months(day, n)
    last = calendar.monthrange(result.year, result.month)[1]
    if day.day <= last:
        assert result.day == day.day
    else:
        assert result.day == last


@given(d1=dates, d2=dates, n=months)
def test_add_months_is_monotone(d1: date, d2: date, n: int) -> None:
    d1, d2 = min(d1, d2), max(d1, d2)
    assert add_months(d1, n) <= add_months(d2, n)


@given(received=dates, extension=extensions)
def test_due_date_with_extension_is_never_earlier(received: date, extension: int) -> None:
    base = due_date(received=received)
    extended = due_date(received=received, extension_months=extension)
    assert base is not None
    assert extended is not None
    assert extended >= base
    assert extended == add_months(received, 1 + extension)


@given(
    received=dates,
    extension=extensions,
    spans=st.lists(
        st.tuples(st.integers(min_value=0, max_value=120), st.integers(min_value=0, max_value=60)),
        max_size=6,
    ),
)
def test_pauses_add_exactly_the_distinct_paused_days(
    received: date, extension: int, spans: list[tuple[int, int]]
) -> None:
    pauses = [
        Pause(start=received + offset * DAY, end=received + (offset + length) * DAY)
        for offset, length in spans
    ]
    paused_days = {
        pause.start + i * DAY
        for pause in pauses
        if pause.end is not None
        for i in range((pause.end - pause.start).days)
    }
    without = due_date(received=received, extension_months=extension)
    with_pauses = due_date(received=received, extension_months=extension, pauses=pauses)
    assert without is not None
    assert with_pauses is not None
    assert (with_pauses - without).days == len(paused_days)


@given(received=dates, offset=st.integers(min_value=0, max_value=120))
def test_any_open_pause_means_no_due_date(received: date, offset: int) -> None:
    pauses = [Pause(start=received, end=received + DAY), Pause(start=received + offset * DAY)]
    assert due_date(received=received, pauses=pauses) is None


@given(received=dates)
def test_extension_allowed_from_receipt_to_deadline_not_after(received: date) -> None:
    deadline = add_months(received, 1)
    assert extension_allowed(received=received, told_on=received)
    assert extension_allowed(received=received, told_on=deadline)
    assert not extension_allowed(received=received, told_on=deadline + DAY)


@given(due=dates, today=dates)
def test_days_left_is_the_signed_day_difference(due: date, today: date) -> None:
    left = days_left(due=due, today=today)
    assert today + left * DAY == due
    assert (left < 0) == (today > due)
