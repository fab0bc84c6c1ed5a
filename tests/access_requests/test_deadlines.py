"""Deadlines for subject access requests (rule P7): known cases, and properties checked against
an independent oracle.

Pure date arithmetic: nothing here touches the database. The oracle at the bottom counts
months with dateutil's ``relativedelta`` and runs the clock one day at a time; the code under
test does interval arithmetic on its own ``add_months``.
"""

import calendar
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from access_requests.deadlines import (
    Pause,
    add_months,
    days_left,
    deadline,
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


# due_date: the month from receipt.


def test_due_date_is_one_calendar_month_after_receipt() -> None:
    assert due_date(received=date(2025, 1, 31)) == date(2025, 2, 28)
    assert due_date(received=date(2024, 1, 31)) == date(2024, 2, 29)
    assert due_date(received=date(2025, 3, 31)) == date(2025, 4, 30)
    assert due_date(received=date(2025, 5, 6)) == date(2025, 6, 6)


# Identity restarts the month (Art. 12A, DPA 2018 s.54(3)).


def test_identity_arriving_restarts_the_month_it_does_not_add_days() -> None:
    # The case: asked on receipt, arrived 31 January: one month from 31 January is
    # 28 February. Counting the three days waited as a pause would give 3 March.
    received = date(2026, 1, 28)
    assert due_date(
        received=received, identity_requested=received, identity_received=date(2026, 1, 31)
    ) == date(2026, 2, 28)
    assert due_date(received=received, identity_received=date(2026, 1, 31)) == date(2026, 2, 28)
    # A clarification pause over the same days is a different thing: it adds the days.
    clarification = Pause(start=received, end=date(2026, 1, 31))
    assert due_date(received=received, pauses=[clarification]) == date(2026, 3, 3)


def test_identity_received_on_the_day_of_receipt_changes_nothing() -> None:
    received = date(2025, 5, 6)
    assert due_date(received=received, identity_received=received) == date(2025, 6, 6)


def test_while_identity_is_awaited_the_month_has_not_started() -> None:
    received = date(2026, 1, 28)
    facts = deadline(received=received, identity_requested=date(2026, 1, 29))
    assert facts.due is None
    assert facts.start is None
    assert facts.waiting_for_identity_since == date(2026, 1, 29)
    assert due_date(received=received, identity_requested=date(2026, 1, 29)) is None


def test_a_fee_paid_later_restarts_the_month_too() -> None:
    received = date(2026, 1, 5)
    assert due_date(received=received, fee_paid=date(2026, 1, 20)) == date(2026, 2, 20)
    # The latest of the three days counts.
    assert due_date(
        received=received,
        identity_received=date(2026, 1, 31),
        fee_paid=date(2026, 1, 20),
    ) == date(2026, 2, 28)


# Extension: the earlier of the two readings of "two further months".


def test_extension_uses_the_earlier_of_the_two_readings() -> None:
    # Changed: this used to count three months from receipt (31 March and 30 April). Where the
    # readings differ, the earlier date now applies: two months after 28 February, not three
    # after 31 January.
    received = date(2025, 1, 31)
    assert due_date(received=received, extension_months=1) == date(2025, 3, 28)
    assert due_date(received=received, extension_months=2) == date(2025, 4, 28)


def test_extension_where_the_readings_agree() -> None:
    assert due_date(received=date(2025, 1, 15), extension_months=2) == date(2025, 4, 15)
    assert due_date(received=date(2025, 3, 31), extension_months=2) == date(2025, 6, 30)


def test_extension_counts_from_the_day_identity_arrived() -> None:
    received = date(2025, 12, 20)
    assert due_date(
        received=received, identity_received=date(2026, 1, 31), extension_months=2
    ) == date(2026, 4, 28)


def test_no_extension_is_the_plain_one_month_deadline() -> None:
    received = date(2025, 1, 31)
    assert due_date(received=received, extension_months=0) == due_date(received=received)


# Clarification pauses (Art. 12A, DPA 2018 s.54(3C)).


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
    # Changed with the extension reading: 28 April (not 30 April) plus the 7 paused days.
    received = date(2025, 1, 31)
    pause = Pause(start=date(2025, 2, 3), end=date(2025, 2, 10))
    assert due_date(received=received, extension_months=2, pauses=[pause]) == date(2025, 5, 5)


def test_open_pause_means_no_due_date() -> None:
    received = date(2025, 5, 6)
    pauses = [
        Pause(start=date(2025, 5, 7), end=date(2025, 5, 9)),
        Pause(start=date(2025, 5, 20), end=None),
    ]
    assert Pause(start=date(2025, 5, 20)).end is None
    assert due_date(received=received, pauses=pauses) is None


def test_an_open_pause_says_when_the_clock_stopped_and_what_was_left() -> None:
    facts = deadline(
        received=date(2026, 3, 2),
        pauses=[Pause(start=date(2026, 3, 10))],
        today=date(2026, 3, 25),
    )
    assert facts.due is None
    assert facts.clock_stopped
    assert facts.stopped_since == date(2026, 3, 10)
    assert facts.days_left_when_stopped == 23  # 10 March to 2 April
    assert facts.days_left is None
    assert not facts.overdue


def test_a_pause_after_the_due_date_does_not_hide_that_it_is_overdue() -> None:
    # The case: received 2 March 2026, due 2 April; a pause from 10 to 20 April used to
    # move the date to 12 April.
    received = date(2026, 3, 2)
    late = Pause(start=date(2026, 4, 10), end=date(2026, 4, 20))
    assert due_date(received=received, pauses=[late]) == date(2026, 4, 2)
    facts = deadline(received=received, pauses=[late], today=date(2026, 4, 21))
    assert facts.late_pauses == (late,)
    assert facts.counted_pauses == ()
    assert facts.overdue
    assert facts.days_left == -19


def test_an_open_pause_after_the_due_date_leaves_it_overdue() -> None:
    received = date(2026, 3, 2)
    late = Pause(start=date(2026, 4, 10))
    facts = deadline(received=received, pauses=[late], today=date(2026, 4, 15))
    assert facts.due == date(2026, 4, 2)
    assert not facts.clock_stopped
    assert facts.overdue
    assert due_date(received=received, pauses=[late]) == date(2026, 4, 2)


def test_a_pause_starting_on_the_due_date_still_counts() -> None:
    received = date(2026, 3, 2)
    pause = Pause(start=date(2026, 4, 2), end=date(2026, 4, 6))
    assert due_date(received=received, pauses=[pause]) == date(2026, 4, 6)
    assert due_date(received=received, pauses=[Pause(start=date(2026, 4, 3))]) == date(2026, 4, 2)


def test_a_second_pause_counts_while_the_first_one_kept_the_request_in_time() -> None:
    received = date(2026, 3, 2)
    first = Pause(start=date(2026, 3, 10), end=date(2026, 3, 20))  # due 12 April
    second = Pause(start=date(2026, 4, 10), end=date(2026, 4, 15))  # after 2 April, before 12
    assert due_date(received=received, pauses=[second, first]) == date(2026, 4, 17)


def test_a_pause_late_for_the_month_counts_within_an_extension() -> None:
    received = date(2026, 3, 2)
    pause = Pause(start=date(2026, 4, 10), end=date(2026, 4, 20))
    assert due_date(received=received, pauses=[pause], extension_months=1) == date(2026, 5, 12)


def test_days_waited_before_the_month_started_change_nothing() -> None:
    received = date(2026, 1, 5)
    identity = date(2026, 1, 15)
    before = Pause(start=date(2026, 1, 6), end=date(2026, 1, 10))
    straddling = Pause(start=date(2026, 1, 12), end=date(2026, 1, 18))  # 3 days after the 15th
    assert due_date(received=received, identity_received=identity, pauses=[before]) == date(
        2026, 2, 15
    )
    assert due_date(
        received=received, identity_received=identity, pauses=[before, straddling]
    ) == date(2026, 2, 18)


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


def test_identity_before_receipt_or_before_it_was_asked_for_is_refused() -> None:
    with pytest.raises(ValueError, match=r"before the request was received"):
        due_date(received=date(2025, 5, 6), identity_received=date(2025, 5, 5))
    with pytest.raises(ValueError, match=r"before it was asked for \(2025-05-08\)"):
        due_date(
            received=date(2025, 5, 6),
            identity_requested=date(2025, 5, 8),
            identity_received=date(2025, 5, 7),
        )


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


def test_extension_window_runs_from_the_day_identity_arrived() -> None:
    # The case: received 5 January 2026, identity 15 January, told 10 February.
    received = date(2026, 1, 5)
    identity = date(2026, 1, 15)
    assert extension_allowed(
        received=received, identity_received=identity, told_on=date(2026, 2, 10)
    )
    assert extension_allowed(
        received=received, identity_received=identity, told_on=date(2026, 2, 15)
    )
    assert not extension_allowed(
        received=received, identity_received=identity, told_on=date(2026, 2, 16)
    )
    # Without the identity restart the same notice would be late.
    assert not extension_allowed(received=received, told_on=date(2026, 2, 10))


def test_extension_window_leaves_out_the_paused_days() -> None:
    received = date(2026, 1, 5)
    pause = Pause(start=date(2026, 1, 10), end=date(2026, 1, 20))  # due 15 February
    assert extension_allowed(received=received, pauses=[pause], told_on=date(2026, 2, 15))
    assert not extension_allowed(received=received, pauses=[pause], told_on=date(2026, 2, 16))


def test_extension_may_be_told_while_the_clock_is_stopped_or_identity_awaited() -> None:
    received = date(2026, 1, 5)
    assert extension_allowed(
        received=received, pauses=[Pause(start=date(2026, 2, 1))], told_on=date(2026, 3, 1)
    )
    assert extension_allowed(
        received=received, identity_requested=received, told_on=date(2026, 3, 1)
    )
    assert not extension_allowed(
        received=received, identity_requested=received, told_on=date(2026, 1, 4)
    )


def test_extension_window_ignores_a_pause_that_started_too_late() -> None:
    received = date(2026, 3, 2)
    late = Pause(start=date(2026, 4, 10))
    assert not extension_allowed(received=received, pauses=[late], told_on=date(2026, 4, 11))


def test_days_left_counts_down_and_goes_negative_when_overdue() -> None:
    due = date(2025, 6, 6)
    assert days_left(due=due, today=date(2025, 6, 1)) == 5
    assert days_left(due=due, today=due) == 0
    assert days_left(due=due, today=date(2025, 6, 9)) == -3


# Properties of add_months.


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


@given(day=dates, n=months)
def test_add_months_agrees_with_relativedelta(day: date, n: int) -> None:
    assert add_months(day, n) == day + relativedelta(months=n)


@given(due=dates, today=dates)
def test_days_left_is_the_signed_day_difference(due: date, today: date) -> None:
    left = days_left(due=due, today=today)
    assert today + left * DAY == due
    assert (left < 0) == (today > due)


# The oracle: months by relativedelta, the clock run one day at a time.


def oracle_due(
    *,
    received: date,
    identity_received: date | None,
    pauses: list[Pause],
    extension_months: int,
) -> date | None:
    """When the response is due, by walking the calendar.

    The clock has (due - start) days on it; each day it is not stopped takes one off. A day is
    stopped when a pause covers it; once the days have run out the walk ends, unless the very
    next day is stopped (a pause asked for on the due date itself counts).
    """
    start = max(received, identity_received or received)
    one_month = start + relativedelta(months=1)
    due = min(
        start + relativedelta(months=1 + extension_months),
        one_month + relativedelta(months=extension_months),
    )
    stopped = {
        pause.start + i * DAY
        for pause in pauses
        if pause.end is not None
        for i in range((pause.end - pause.start).days)
    }
    open_from = min((p.start for p in pauses if p.end is None), default=None)
    remaining = (due - start).days
    day = start
    while remaining > 0 or day in stopped or day == open_from:
        if open_from is not None and day >= open_from:
            return None
        if day not in stopped:
            remaining -= 1
        day += DAY
    return day


def month_end_dates() -> st.SearchStrategy[date]:
    """The last few days of a month, 29 February among them, and the turn of the year."""

    def last_days(year: int, month: int, back: int) -> date:
        return date(year, month, calendar.monthrange(year, month)[1]) - back * DAY

    return st.builds(
        last_days,
        st.integers(min_value=1995, max_value=2060),
        st.integers(min_value=1, max_value=12),
        st.integers(min_value=0, max_value=3),
    )


edge_dates = st.one_of(
    month_end_dates(),
    st.builds(date, st.sampled_from([2000, 2024, 2028, 2096]), st.just(2), st.just(29)),
    st.builds(date, st.integers(1995, 2060), st.just(1), st.integers(1, 3)),
    dates,
)


@st.composite
def requests(draw) -> dict:
    """A request: receipt, maybe identity later, up to five pauses (at most one open) that may
    straddle months, start after the due date or before identity arrived, and an extension."""
    received = draw(edge_dates)
    identity_received = draw(
        st.one_of(
            st.none(),
            st.integers(min_value=0, max_value=70).map(lambda n: received + n * DAY),
        )
    )
    spans = draw(
        st.lists(
            st.tuples(
                st.integers(min_value=0, max_value=110), st.integers(min_value=0, max_value=45)
            ),
            max_size=5,
        )
    )
    pauses = [Pause(received + a * DAY, received + (a + n) * DAY) for a, n in spans]
    if draw(st.booleans()) and pauses:
        pauses[-1] = Pause(pauses[-1].start)
    return {
        "received": received,
        "identity_received": identity_received,
        "pauses": pauses,
        "extension_months": draw(extensions),
    }


@settings(max_examples=2000, deadline=None)
@given(case=requests(), told_after=st.integers(min_value=-5, max_value=150))
def test_deadlines_match_the_oracle(case: dict, told_after: int) -> None:
    # One generated request checks all three, so that 2,000 cases stay within seconds.
    assert due_date(**case) == oracle_due(**case)
    check_extension_window(case, told_on=case["received"] + told_after * DAY)
    check_workings(case)


def check_extension_window(case: dict, *, told_on: date) -> None:
    unextended = oracle_due(**{**case, "extension_months": 0})
    expected = told_on >= case["received"] and (unextended is None or told_on <= unextended)
    allowed = extension_allowed(
        received=case["received"],
        identity_received=case["identity_received"],
        pauses=case["pauses"],
        told_on=told_on,
    )
    assert allowed == expected


def check_workings(case: dict) -> None:
    facts = deadline(**case)
    assert facts.due == due_date(**case)
    if facts.due is None:
        # Stopped: the date will be what was left, counted from the day the answer arrives.
        open_pause = next(p for p in case["pauses"] if p.end is None)
        assert facts.start is not None
        assert facts.stopped_since is not None
        assert facts.stopped_since <= max(open_pause.start, facts.start)
        assert facts.days_left_when_stopped is not None
        assert facts.days_left_when_stopped >= 0
        answered_on = facts.stopped_since + 400 * DAY
        answered = [p for p in case["pauses"] if p is not open_pause]
        answered.append(Pause(open_pause.start, answered_on))
        later = due_date(**{**case, "pauses": answered})
        assert later == answered_on + facts.days_left_when_stopped * DAY
    else:
        # Late pauses change nothing: without them the date is the same.
        kept = [p for p in case["pauses"] if p not in facts.late_pauses]
        assert due_date(**{**case, "pauses": kept}) == facts.due
        assert facts.start is not None
        assert all(max(p.start, facts.start) > facts.due for p in facts.late_pauses)
        assert facts.unextended_due is not None
        assert facts.unextended_due <= facts.due


@given(received=dates, extension=extensions)
def test_extension_is_never_earlier_and_never_later_than_either_reading(
    received: date, extension: int
) -> None:
    base = due_date(received=received)
    extended = due_date(received=received, extension_months=extension)
    assert base is not None
    assert extended is not None
    assert base <= extended <= add_months(received, 1 + extension)
    assert extended <= add_months(base, extension)


@given(received=dates)
def test_extension_allowed_from_receipt_to_deadline_not_after(received: date) -> None:
    deadline_day = add_months(received, 1)
    assert extension_allowed(received=received, told_on=received)
    assert extension_allowed(received=received, told_on=deadline_day)
    assert not extension_allowed(received=received, told_on=deadline_day + DAY)
