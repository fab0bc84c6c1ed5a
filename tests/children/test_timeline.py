"""The child's timeline (children/timeline.py): what each user may see of a child's entries,
newest first, 25 a page, narrowed by filters that never widen what the policy allows."""

import datetime
import re
import zoneinfo

import pytest

from children.timeline import ENTRIES_PER_PAGE
from setting_records.history import save_as
from setting_records.models import Role
from tests.children.conftest import write
from tests.children.test_query_counts import CHILD_PAGE, FRAME, count_for
from tests.conftest import make_staff

LONDON = zoneinfo.ZoneInfo("Europe/London")


def at(year, month, day, hour=12, minute=0):
    """A moment in the setting's local time (``TIME_ZONE``)."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def titles(response):
    return [record.title for record in response.context["records"]]


def get(client, child, **params):
    response = client.get(child.get_absolute_url(), params)
    assert response.status_code == 200
    return response


def field_error(response, name):
    """The message shown beside the filter ``name``, or None."""
    match = re.search(
        rf'<div class="field__errors" id="id_{name}_error">(.*?)</div>',
        response.content.decode(),
        re.S,
    )
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else None


@pytest.fixture
def mixed(child, keyperson, practitioner, manager):
    """Six entries of the child, each different in one way, a day apart (newest last here)."""
    entries = {
        "observation": write(
            child, keyperson, title="Painted a rainbow", occurred_at=at(2025, 3, 1)
        ),
        "concern": write(
            child,
            keyperson,
            "sensitive",
            title="Worried about sleep",
            kind="concern",
            nature="opinion",
            occurred_at=at(2025, 3, 2),
        ),
        "health visitor": write(
            child,
            keyperson,
            title="Health visitor's note",
            kind="progress",
            source="third_party",
            third_party_name="Jo Reid",
            third_party_organisation="Health visiting team",
            occurred_at=at(2025, 3, 3),
        ),
        "by practitioner": write(
            child,
            practitioner,
            title="Shared a toy",
            nature="opinion",
            occurred_at=at(2025, 3, 4),
        ),
        "disputed": write(
            child, manager, title="Late pick-up", kind="incident", occurred_at=at(2025, 3, 5)
        ),
        "sensitive by manager": write(
            child,
            manager,
            "sensitive",
            title="Call from social care",
            kind="meeting_note",
            occurred_at=at(2025, 3, 6),
        ),
    }
    disputed = entries["disputed"]
    disputed.disputed = True
    save_as(disputed, actor=manager, reason="test: a rectification request is pending")
    return entries


ALL_FOR_KEYPERSON = [
    "Call from social care",
    "Late pick-up",
    "Shared a toy",
    "Health visitor's note",
    "Worried about sleep",
    "Painted a rainbow",
]


def test_newest_first_with_the_count(client, keyperson, child, mixed):
    client.force_login(keyperson)
    response = get(client, child)
    assert titles(response) == ALL_FOR_KEYPERSON
    assert "Showing 6 entries." in response.content.decode()
    assert "Clear filters" not in response.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "concern"}, ["Worried about sleep"]),
        ({"kind": "incident"}, ["Late pick-up"]),
        ({"sensitivity": "sensitive"}, ["Call from social care", "Worried about sleep"]),
        (
            {"sensitivity": "general"},
            ["Late pick-up", "Shared a toy", "Health visitor's note", "Painted a rainbow"],
        ),
        ({"nature": "opinion"}, ["Shared a toy", "Worried about sleep"]),
        ({"source": "third_party"}, ["Health visitor's note"]),
        (
            {"source": "setting"},
            [t for t in ALL_FOR_KEYPERSON if t != "Health visitor's note"],
        ),
        ({"disputed": "yes"}, ["Late pick-up"]),
        ({"disputed": "no"}, [t for t in ALL_FOR_KEYPERSON if t != "Late pick-up"]),
        ({"date_from": "2025-03-05"}, ["Call from social care", "Late pick-up"]),
        ({"date_to": "02/03/2025"}, ["Worried about sleep", "Painted a rainbow"]),
        (
            {"date_from": "03/03/2025", "date_to": "2025-03-04"},
            ["Shared a toy", "Health visitor's note"],
        ),
    ],
)
def test_each_filter_alone(client, keyperson, child, mixed, params, expected):
    client.force_login(keyperson)
    response = get(client, child, **params)
    assert titles(response) == expected
    page = response.content.decode()
    assert f"Showing {len(expected)} entr" in page
    assert "that match the filters" in page
    assert "Clear filters" in page
    # the filters are open, so the user sees what is applied
    assert '<details class="timeline__filters" open>' in page


def test_the_author_filter(client, keyperson, practitioner, child, mixed):
    client.force_login(keyperson)
    response = get(client, child, author=practitioner.pk)
    assert titles(response) == ["Shared a toy"]


def test_filters_combined(client, keyperson, manager, child, mixed):
    client.force_login(keyperson)
    response = get(client, child, sensitivity="sensitive", author=manager.pk)
    assert titles(response) == ["Call from social care"]
    response = get(client, child, nature="opinion", date_from="2025-03-03", sensitivity="general")
    assert titles(response) == ["Shared a toy"]
    response = get(client, child, kind="incident", disputed="no")
    assert titles(response) == []
    assert "No entries you can see match these filters." in response.content.decode()


def test_disputed_only_and_third_party_only_views_show_their_marks(client, keyperson, child, mixed):
    client.force_login(keyperson)
    page = get(client, child, disputed="yes").content.decode()
    assert page.count("Disputed by a parent</span>") == 1
    assert "Late pick-up" in page
    assert "Painted a rainbow" not in page
    page = get(client, child, source="third_party").content.decode()
    assert "Health visitor&#x27;s note" in page
    assert "Painted a rainbow" not in page
    assert 'title="From Jo Reid, Health visiting team"' in page


def test_to_takes_in_the_whole_day_in_local_time(client, keyperson, child):
    # In summer London is an hour ahead of UTC: a day's bounds in UTC would keep the first and
    # lose or gain an hour at either end.
    write(child, keyperson, title="Just after midnight", occurred_at=at(2025, 7, 10, 0, 15))
    write(child, keyperson, title="Late evening", occurred_at=at(2025, 7, 10, 23, 45))
    write(child, keyperson, title="Next day, early", occurred_at=at(2025, 7, 11, 0, 30))
    write(child, keyperson, title="Day before, late", occurred_at=at(2025, 7, 9, 23, 30))
    client.force_login(keyperson)
    for day in ("2025-07-10", "10/07/2025"):
        response = get(client, child, date_from=day, date_to=day)
        assert titles(response) == ["Late evening", "Just after midnight"]


def test_entries_are_headed_by_their_local_date(client, keyperson, child):
    write(child, keyperson, title="Late evening", occurred_at=at(2025, 7, 10, 23, 45))
    write(child, keyperson, title="Morning", occurred_at=at(2025, 7, 10, 9, 0))
    write(child, keyperson, title="Day before", occurred_at=at(2025, 7, 9, 9, 0))
    client.force_login(keyperson)
    page = get(client, child).content.decode()
    assert page.count('<h3 class="timeline__date">') == 2
    assert page.index("Thursday 10 Jul 2025") < page.index("Late evening")
    assert page.index("Morning") < page.index("Wednesday 9 Jul 2025") < page.index("Day before")


# Care team and policy


def test_the_care_team_sees_no_sensitivity_filter(client, practitioner, child, mixed):
    client.force_login(practitioner)
    response = get(client, child)
    assert "sensitivity" not in response.context["form"].fields
    assert 'name="sensitivity"' not in response.content.decode()
    assert titles(response) == [
        "Late pick-up",
        "Shared a toy",
        "Health visitor's note",
        "Painted a rainbow",
    ]
    assert "Showing 4 entries." in response.content.decode()


def test_a_crafted_sensitivity_filter_shows_the_care_team_nothing_sensitive(
    client, practitioner, child, mixed
):
    client.force_login(practitioner)
    response = get(client, child, sensitivity="sensitive")
    shown = titles(response)
    assert "Worried about sleep" not in shown
    assert "Call from social care" not in shown
    assert all(record.sensitivity == "general" for record in response.context["records"])
    page = response.content.decode()
    assert "Worried about sleep" not in page
    assert "Call from social care" not in page
    # Not a filter for them: ignored, and the count is of what they may see.
    assert "Showing 4 entries." in page


def test_a_record_grant_holder_is_offered_the_sensitivity_filter_and_sees_only_the_grant(
    client, record_grant_holder, child, grants, sensitive_record, mixed
):
    client.force_login(record_grant_holder)
    response = get(client, child, sensitivity="sensitive")
    assert "sensitivity" in response.context["form"].fields
    assert titles(response) == [sensitive_record.title]


def test_the_author_filter_names_only_authors_of_entries_the_user_may_see(
    client, practitioner, manager, keyperson, child, mixed
):
    # A deputy manager wrote one entry of the child, a sensitive one: the care team, who may
    # not see it, is not told that the deputy wrote anything about the child.
    deputy = make_staff(child.setting, "deputy", Role.MANAGER)
    write(child, deputy, "sensitive", title="Deputy's note", occurred_at=at(2025, 1, 1))
    client.force_login(practitioner)
    response = get(client, child)
    choices = dict(response.context["form"].fields["author"].choices)
    assert set(choices) == {"", keyperson.pk, practitioner.pk, manager.pk}
    assert "Deputy" not in response.content.decode()
    # Asking for the manager's entries gives their general ones only.
    response = get(client, child, author=manager.pk)
    assert titles(response) == ["Late pick-up"]
    # Asking for the deputy's is a form error, as for anyone unknown.
    response = get(client, child, author=deputy.pk)
    assert field_error(response, "author") is not None
    assert "Deputy" not in response.content.decode()
    # The key person sees the deputy's entry, so may filter by them.
    client.force_login(keyperson)
    assert titles(get(client, child, author=deputy.pk)) == ["Deputy's note"]


@pytest.fixture
def strangers(other_child, othermanager, setting):
    """Staff the key person never met in this child's records: another setting's manager (who
    wrote an entry of their own child) and a colleague here who wrote nothing of this child."""
    write(other_child, othermanager, title="Another setting's entry")
    return {"othermanager": othermanager, "colleague": make_staff(setting, "colleague")}


@pytest.mark.parametrize("who", ["othermanager", "colleague"])
def test_a_foreign_author_is_a_form_error_and_no_leak(
    client, keyperson, child, mixed, strangers, who
):
    client.force_login(keyperson)
    stranger = strangers[who]
    response = get(client, child, author=stranger.pk)
    assert field_error(response, "author") == (
        f"Select a valid choice. {stranger.pk} is not one of the available choices."
    )
    page = response.content.decode()
    assert stranger.first_name not in page
    assert "Another setting" not in page
    # The bad filter is left out: the timeline is the whole of it.
    assert titles(response) == ALL_FOR_KEYPERSON


# Pages


@pytest.fixture
def sixty(child, keyperson):
    """Sixty general entries, one a day from 1 January 2025: "Entry 1" the oldest."""
    start = at(2025, 1, 1, 10)
    return [
        write(
            child,
            keyperson,
            title=f"Entry {number}",
            occurred_at=start + datetime.timedelta(days=number - 1),
            kind="observation" if number % 2 else "progress",
        )
        for number in range(1, 61)
    ]


def test_twenty_five_a_page_newest_first(client, keyperson, child, sixty):
    client.force_login(keyperson)
    first = get(client, child)
    assert titles(first) == [f"Entry {n}" for n in range(60, 35, -1)]
    assert len(titles(first)) == ENTRIES_PER_PAGE
    page = first.content.decode()
    assert "Showing 60 entries, 1 to 25 on this page." in page
    assert "Page 1 of 3" in page
    second = get(client, child, page=2)
    assert titles(second) == [f"Entry {n}" for n in range(35, 10, -1)]
    third = get(client, child, page=3)
    assert titles(third) == [f"Entry {n}" for n in range(10, 0, -1)]
    assert "Showing 60 entries, 51 to 60 on this page." in third.content.decode()


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("4", 3),  # past the end: the last page
        ("99999999999999999999999999", 3),
        ("-1", 3),
        ("0", 3),
        ("abc", 1),  # not a number: the first page
        ("1.5", 1),
        ("", 1),
        ("x" * 4000, 1),
        ("9" * 5000, 1),  # past int()'s digit limit
        ("1\x00", 1),
    ],
)
def test_out_of_range_or_junk_page_numbers(client, keyperson, child, sixty, value, shown):
    client.force_login(keyperson)
    response = get(client, child, page=value)
    assert response.context["page"].number == shown


def test_page_links_keep_the_filters(client, keyperson, child, sixty):
    client.force_login(keyperson)
    response = get(client, child, kind="observation", date_from="2025-01-01")
    # 30 odd-numbered entries are observations: two pages
    assert response.context["page"].paginator.count == 30
    page = response.content.decode()
    assert 'href="?kind=observation&amp;date_from=2025-01-01&amp;page=2"' in page
    second = get(client, child, kind="observation", date_from="2025-01-01", page=2)
    assert titles(second) == [f"Entry {n}" for n in range(9, 0, -2)]
    assert 'href="?kind=observation&amp;date_from=2025-01-01&amp;page=1"' in (
        second.content.decode()
    )


@pytest.mark.parametrize("page", ["1", "3", "99"])
def test_every_page_costs_the_same(
    client, keyperson, child, sixty, django_assert_num_queries, page
):
    client.force_login(keyperson)
    # the child page's queries and the sharing log's latest lines (the key person keeps it)
    response = count_for(
        client,
        f"{child.get_absolute_url()}?page={page}",
        django_assert_num_queries,
        FRAME + CHILD_PAGE + 1,
    )
    assert response.context["page"].number == min(int(page), 3)


def test_a_filtered_page_costs_the_same(client, keyperson, child, sixty, django_assert_num_queries):
    client.force_login(keyperson)
    count_for(
        client,
        f"{child.get_absolute_url()}?kind=progress&date_to=2025-02-20&author={keyperson.pk}&page=2",
        django_assert_num_queries,
        FRAME + CHILD_PAGE + 1,
    )


# Bad input


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_from": "31/02/2025"}, "date_from", "Enter a date such as 31/01/2025."),
        ({"date_to": "tomorrow"}, "date_to", "Enter a date such as 31/01/2025."),
        ({"date_to": "2025-13-01"}, "date_to", "Enter a date such as 31/01/2025."),
        ({"date_from": "\x00"}, "date_from", "Enter a date such as 31/01/2025."),
        ({"date_from": "1" * 4000}, "date_from", "Enter a date such as 31/01/2025."),
        (
            {"kind": "secret"},
            "kind",
            "Select a valid choice. secret is not one of the available choices.",
        ),
        (
            {"disputed": "maybe"},
            "disputed",
            "Select a valid choice. maybe is not one of the available choices.",
        ),
        (
            {"author": "\u0661"},
            "author",
            "Select a valid choice. \u0661 is not one of the available choices.",
        ),
        (
            {"author": "9" * 30},
            "author",
            f"Select a valid choice. {'9' * 30} is not one of the available choices.",
        ),
    ],
)
def test_bad_filters_are_shown_beside_their_field(
    client, keyperson, child, mixed, params, field, message
):
    client.force_login(keyperson)
    response = get(client, child, **params)
    assert field_error(response, field) == message
    assert titles(response) == ALL_FOR_KEYPERSON
    assert "Some filters could not be used" in response.content.decode()


def test_from_after_to_is_an_error_and_neither_date_applies(client, keyperson, child, mixed):
    client.force_login(keyperson)
    response = get(client, child, date_from="2025-03-05", date_to="02/03/2025", kind="concern")
    assert field_error(response, "date_to") == "This date is before the “From” date."
    # the range is dropped; the valid kind filter still applies
    assert titles(response) == ["Worried about sleep"]


def test_a_bad_filter_leaves_the_good_ones_applied(client, keyperson, child, mixed):
    client.force_login(keyperson)
    response = get(client, child, kind="secret", nature="opinion")
    assert titles(response) == ["Shared a toy", "Worried about sleep"]


def test_the_widest_dates_do_not_break_the_page(client, keyperson, child, mixed):
    client.force_login(keyperson)
    response = get(client, child, date_from="0001-01-01", date_to="31/12/9999")
    assert titles(response) == ALL_FOR_KEYPERSON


# Who sees the page at all


def test_an_outsider_gets_404_with_any_filter(client, outsider, child, mixed):
    client.force_login(outsider)
    response = client.get(child.get_absolute_url(), {"sensitivity": "sensitive", "page": "2"})
    assert response.status_code == 404


def test_another_settings_manager_gets_404(client, othermanager, child, mixed):
    client.force_login(othermanager)
    assert client.get(child.get_absolute_url(), {"author": "1"}).status_code == 404


def test_no_entries_says_so(client, keyperson, child):
    client.force_login(keyperson)
    page = get(client, child).content.decode()
    assert "No entries you can see yet." in page
    assert "Showing 0 entries." in page
