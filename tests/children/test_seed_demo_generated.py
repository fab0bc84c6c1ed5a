"""The generated demo (``seed_demo --children N``) for benchmarks: the requested size, the rules
the hand-written demo keeps, and with ``--vary`` entry counts that differ from child to child.

Apart from tests/children/test_seed_demo_children.py, whose tests share one run of the
hand-written demo."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from children.demo import record_counts
from children.models import Record, Sensitivity
from setting_records.models import Setting, User
from tests.children.test_seed_demo_children import (
    FIRST_SETTING,
    assert_roles_hold,
    first_setting_children,
)


@pytest.fixture
def generated(db) -> dict[str, User]:
    call_command("seed_demo", "--children", "20", "--records-per-child", "5", stdout=StringIO())
    return {user.username: user for user in User.objects.all()}


def test_generated_demo_has_the_requested_size_and_keeps_the_rules(generated):
    assert first_setting_children().count() == 20
    records = Record.objects.filter(child__setting__name=FIRST_SETTING)
    assert records.count() == 100
    per_child = records.values("child").annotate(n=Count("pk"))
    assert {row["n"] for row in per_child} == {5}
    history = Record.history.filter(id__in=records.values("pk"))
    assert history.count() == 100
    assert not history.values("id").annotate(n=Count("history_id")).filter(n__gt=1).exists()
    assert not history.filter(history_user_id__isnull=True).exists()
    assert records.filter(sensitivity=Sensitivity.SENSITIVE).exists()
    assert_roles_hold(generated)


def test_records_per_child_needs_children(db):
    with pytest.raises(CommandError, match="needs --children"):
        call_command("seed_demo", "--records-per-child", "5")
    assert not Setting.objects.exists()


def test_varied_counts_spread_from_half_to_one_and_a_half_times_with_the_same_total(db):
    call_command(
        "seed_demo", "--children", "7", "--records-per-child", "10", "--vary", stdout=StringIO()
    )
    per_child = (
        Record.objects.filter(child__setting__name=FIRST_SETTING)
        .values("child")
        .annotate(n=Count("pk"))
        .order_by("child")
    )
    counts = [row["n"] for row in per_child]
    assert len(counts) == 7
    assert sum(counts) == 70
    assert (min(counts), max(counts)) == (5, 15)
    assert len(set(counts)) > 3, counts
    assert not Record.history.filter(history_user_id__isnull=True).exists()


@pytest.mark.parametrize(("children", "average"), [(1, 10), (2, 7), (20, 20), (200, 100), (5, 0)])
def test_record_counts_average_exactly_and_stay_within_half_either_side(children, average):
    counts = record_counts(children, average, vary=True)
    assert len(counts) == children
    assert sum(counts) == children * average
    assert all(average - average // 2 <= n <= average + average // 2 for n in counts)
    assert record_counts(children, average) == [average] * children


def test_vary_needs_children(db):
    with pytest.raises(CommandError, match="needs --children"):
        call_command("seed_demo", "--vary")
    assert not Setting.objects.exists()
