"""History pages a manager or practitioner can read: UK dates in local time, choices by their
labels, long text changes as a word diff, everything escaped."""

import datetime

import pytest

from children import rooms, services
from children.models import Child, Record
from setting_records.history import Change, _display, versions
from tests.children.conftest import write

SHOWN = ["sensitivity", "body", "title", "occurred_at"]


def amend(record, actor, reason="Typo", **changes):
    fields = {name: getattr(record, name) for name in services.RECORD_FIELDS} | changes
    return services.record_update(record=record, actor=actor, reason=reason, **fields)


def changes_of(record):
    return {
        change.field: change
        for change in versions(
            record.history.all(),
            model=Record,
            fields=["sensitivity", "body", "title", "occurred_at"],
        )[0].changes
    }


@pytest.fixture
def long_record(child, keyperson):
    body = (
        "Mara spent the morning in the garden with her friends. She built a tower of blocks, "
        "counted them to ten and was proud of it. At lunch she ate well and then slept."
    )
    return write(child, keyperson, title="Morning in the garden", body=body)


def test_a_long_text_change_is_a_word_diff(long_record, keyperson):
    amend(long_record, keyperson, body=long_record.body.replace("to ten", "to twelve"))
    change = changes_of(long_record)["body"]
    assert [(p.kind, p.text) for p in change.diff if p.kind in ("del", "ins")] == [
        ("del", "ten"),
        ("ins", "twelve"),
    ]
    # Unchanged words far from the change are left out.
    assert change.diff[0].kind == "gap"
    assert "garden" not in "".join(p.text for p in change.diff)


def test_a_short_text_change_is_shown_before_and_after(long_record, keyperson):
    amend(long_record, keyperson, title="Morning outside")
    change = changes_of(long_record)["title"]
    assert change.diff is None
    assert (change.old, change.new) == ("Morning in the garden", "Morning outside")


def test_choices_by_their_labels_and_times_in_uk_local_time(long_record, keyperson):
    # 23:30 UTC on 1 July is 00:30 on 2 July in London (summer time).
    summer_night = datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC)
    amend(long_record, keyperson, sensitivity="sensitive", occurred_at=summer_night)
    changes = changes_of(long_record)
    assert (changes["sensitivity"].old, changes["sensitivity"].new) == ("General", "Sensitive")
    assert changes["occurred_at"].new == "02/07/2026 at 00:30"


def test_a_winter_time_stays_on_its_day():
    change = Change("x", "X", None, None)
    assert change.diff is None
    field = Record._meta.get_field("occurred_at")
    winter = datetime.datetime(2026, 12, 8, 23, 30, tzinfo=datetime.UTC)
    assert _display(field, winter, {}) == "08/12/2026 at 23:30"
    assert _display(Record._meta.get_field("occurred_at"), None, {}) is None


def test_dates_and_booleans(child, manager):
    child.left_on = datetime.date(2026, 7, 31)
    services.child_update(
        child=child,
        actor=manager,
        **{name: getattr(child, name) for name in services.CHILD_FIELDS},
    )
    (change,) = [
        c
        for c in versions(child.history.all(), model=Child, fields=["left_on"])[0].changes
        if c.field == "left_on"
    ]
    assert change.new == "31/07/2026"
    assert _display(Record._meta.get_field("disputed"), True, {}) == "Yes"


def test_the_record_history_page_shows_the_diff_escaped(client, long_record, keyperson):
    amend(long_record, keyperson, body=long_record.body + " <script>alert(1)</script>")
    client.force_login(keyperson)
    response = client.get(f"/records/{long_record.pk}/history/")
    body = response.content.decode()
    assert "<script>alert(1)" not in body
    added = '<ins><span class="visually-hidden">added: </span>&lt;script&gt;alert(1)&lt;/script&gt;'
    assert added in body
    assert 'class="diff__words" colspan="2"' in body


def test_the_history_page_shows_when_in_uk_local_time(client, long_record, keyperson):
    # Moved to 23:30 UTC in summer: the page says 00:30 the next day.
    long_record.history.update(
        history_date=datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC)
    )
    client.force_login(keyperson)
    body = client.get(f"/records/{long_record.pk}/history/").content.decode()
    assert "02/07/2026 at 00:30" in body
    assert "01/07/2026" not in body


def test_the_child_history_names_a_room_after_it_closed(client, child, manager, room):
    babies = rooms.room_create(setting=child.setting, name="Babies", actor=manager)
    rooms.children_move(children=[child], from_room=room, to_room=babies, actor=manager)
    rooms.room_close(room=room, actor=manager)
    client.force_login(manager)
    body = client.get(f"/children/{child.pk}/history/").content.decode()
    assert "Moved from Toddlers to Babies" in body
    assert '<td class="diff__old">Toddlers</td>' in body
