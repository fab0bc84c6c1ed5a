"""Parents' statements on entries (policy P11): the service's rules, the page that records one,
and the statement travelling with its entry (record page, every list, history)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, get_resolver, reverse
from django.utils import timezone

from children import statements as statements_module
from children.models import ParentStatement, Person
from children.statements import statement_record
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from setting_records.models import AccessAction, AccessLogEntry
from tests.access_requests.conftest import register
from tests.children.conftest import write

WORDS = "I was not told about the bump until pick-up.\n\n  She was   fine at home.\n"


@pytest.fixture
def mother(child, manager):
    # mother holds parental responsibility for the child.
    return register(child, manager, "Farah", "mother")


def record_statement(record, actor, **fields):
    values = {
        "words": WORDS,
        "made_on": timezone.localdate(),
        "taken_how": "meeting",
        "made_by_name": "Farah Khan",
    }
    return statement_record(record=record, actor=actor, **(values | fields))


# The service's rules.


@pytest.mark.parametrize("who", ["manager", "keyperson"])
def test_the_manager_and_the_key_person_may_record_a_statement(request, general_record, who):
    actor = request.getfixturevalue(who)
    statement = record_statement(general_record, actor)
    assert statement.recorded_by == actor
    assert list(general_record.statements.all()) == [statement]


@pytest.mark.parametrize("who", ["practitioner", "outsider", "othermanager"])
def test_no_one_else_may_record_a_statement(request, general_record, grants, who):
    with pytest.raises(WorkflowError, match="manager or the child's key person"):
        record_statement(general_record, request.getfixturevalue(who))
    assert not ParentStatement.objects.exists()


def test_a_grant_holder_may_read_but_not_record(sensitive_record, grants, grant_holder):
    with pytest.raises(WorkflowError):
        record_statement(sensitive_record, grant_holder)


def test_the_words_are_kept_verbatim_but_for_the_space_around_them(general_record, manager):
    statement = record_statement(general_record, manager)
    statement.refresh_from_db()
    assert statement.words == WORDS.strip()
    assert "\n\n  She was   fine" in statement.words


@pytest.mark.parametrize("words", ["", "   ", "\n\t\n"])
def test_a_statement_needs_words(general_record, manager, words):
    with pytest.raises(WorkflowError, match="in their words"):
        record_statement(general_record, manager, words=words)


def test_a_statement_cannot_be_made_on_a_day_still_to_come(general_record, manager):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(WorkflowError, match="still to come"):
        record_statement(general_record, manager, made_on=tomorrow)


def test_a_statement_cannot_be_made_before_the_entry_was_written(general_record, manager):
    written = timezone.localdate(general_record.created_at)
    with pytest.raises(WorkflowError, match="before the entry was written"):
        record_statement(general_record, manager, made_on=written - datetime.timedelta(days=1))
    assert record_statement(general_record, manager, made_on=written).made_on == written


def test_how_it_was_taken_is_one_of_the_choices(general_record, manager):
    with pytest.raises(WorkflowError, match="how the statement was taken"):
        record_statement(general_record, manager, taken_how="telepathy")


def test_someone_must_have_made_it(general_record, manager):
    with pytest.raises(WorkflowError, match="who made the statement"):
        record_statement(general_record, manager, made_by_name="  ")


def test_a_person_in_the_register_is_named_by_the_register(general_record, manager, mother):
    statement = record_statement(general_record, manager, person=mother, made_by_name="Typed")
    assert statement.made_by == "Farah Khan"
    assert statement.made_by_name == ""


def test_a_person_must_be_in_this_childs_register(
    general_record, manager, other_child, othermanager
):
    stranger = register(other_child, othermanager, "Zed", "father")
    with pytest.raises(WorkflowError, match="not in this child's register"):
        record_statement(general_record, manager, person=stranger)
    unregistered = Person(setting=general_record.child.setting, first_name="No", last_name="One")
    save_as(unregistered, actor=manager)
    with pytest.raises(WorkflowError, match="not in this child's register"):
        record_statement(general_record, manager, person=unregistered)


def test_a_correction_replaces_the_earlier_statement_once_and_both_are_kept(
    general_record, manager, keyperson
):
    first = record_statement(general_record, manager, words="First version.")
    second = record_statement(general_record, keyperson, words="Corrected.", supersedes=first)
    first.refresh_from_db()
    assert first.superseded_by == second
    assert first.words == "First version."
    with pytest.raises(WorkflowError, match="already been replaced"):
        record_statement(general_record, manager, words="Again.", supersedes=first)
    assert general_record.statements.count() == 2


def test_a_correction_is_of_a_statement_on_the_same_entry(
    general_record, sensitive_record, manager
):
    other = record_statement(sensitive_record, manager)
    with pytest.raises(WorkflowError, match="about another entry"):
        record_statement(general_record, manager, supersedes=other)
    assert not general_record.statements.exists()


def test_statements_are_never_edited_there_is_no_way_to():
    services = [name for name in dir(statements_module) if name.startswith("statement_")]
    assert sorted(services) == ["statement_events", "statement_exists", "statement_record"]

    def names(patterns):
        for entry in patterns:
            yield from names(entry.url_patterns) if hasattr(entry, "url_patterns") else [entry.name]

    routes = [name for name in names(get_resolver().url_patterns) if "statement" in (name or "")]
    assert routes == ["statement_add"]
    with pytest.raises(NoReverseMatch):
        reverse("children:statement_edit", args=[1])


def test_recording_is_in_the_access_log_and_history(general_record, manager):
    first = record_statement(general_record, manager)
    second = record_statement(general_record, manager, supersedes=first, reason="Corrected")
    rows = list(
        AccessLogEntry.objects.filter(action=AccessAction.STATEMENT_RECORDED).order_by("id")
    )
    assert [(row.actor, row.record, row.detail) for row in rows] == [
        (manager, general_record, {"statement": first.pk, "supersedes": None}),
        (manager, general_record, {"statement": second.pk, "supersedes": first.pk}),
    ]
    [created] = second.history.all()
    assert created.history_user == manager
    assert created.history_change_reason == "Corrected"


# The page that records one.


def statement_url(record):
    return reverse("children:statement_add", args=[record.pk])


def post_data(**fields):
    return {
        "person": "",
        "made_by_name": "Farah Khan",
        "made_on": timezone.localdate().isoformat(),
        "taken_how": "meeting",
        "words": WORDS,
    } | fields


def test_the_page_shows_the_entry_and_records_the_statement(
    client, keyperson, general_record, mother
):
    client.force_login(keyperson)
    page = client.get(statement_url(general_record)).content.decode()
    assert general_record.body in page
    assert "Farah Khan (Mother, parental responsibility)" in page
    assert "replace an earlier statement" not in page  # nothing to replace yet
    response = client.post(
        statement_url(general_record), post_data(person=str(mother.pk), made_by_name="")
    )
    assert response.status_code == 302
    assert response["Location"] == general_record.get_absolute_url()
    statement = general_record.statements.get()
    assert (statement.person, statement.taken_how, statement.recorded_by) == (
        mother,
        "meeting",
        keyperson,
    )
    assert statement.words == WORDS.strip()


def test_a_uk_date_is_understood(client, manager, general_record):
    client.force_login(manager)
    today = timezone.localdate()
    client.post(statement_url(general_record), post_data(made_on=today.strftime("%d/%m/%Y")))
    assert general_record.statements.get().made_on == today


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"made_by_name": ""}, "made_by_name", "Choose who made the statement"),
        ({"words": "   "}, "words", "in their words"),
        ({"made_on": "2999-01-01"}, "made_on", "in the future"),
        ({"made_on": "2000-01-01"}, "made_on", "before the entry was written"),
        ({"taken_how": "carrier pigeon"}, "taken_how", "Select a valid choice"),
        ({"person": "99999"}, "person", "Select a valid choice"),
    ],
)
def test_errors_are_shown_beside_their_field_with_what_was_typed(
    client, manager, general_record, fields, field, message
):
    client.force_login(manager)
    typed = post_data(**({"words": "Words typed by the manager."} | fields))
    response = client.post(statement_url(general_record), typed)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    if "words" not in fields:
        assert "Words typed by the manager." in page
    assert not ParentStatement.objects.exists()


def test_a_person_of_another_childs_register_cannot_be_chosen(
    client, manager, general_record, child, setting
):
    from children import services

    second = services.child_create(
        setting=setting,
        actor=manager,
        first_name="Other",
        last_name="Child",
        date_of_birth=datetime.date(2023, 1, 1),
        started_on=datetime.date(2024, 1, 1),
    )
    stranger = register(second, manager, "Zed", "father")
    client.force_login(manager)
    response = client.post(statement_url(general_record), post_data(person=str(stranger.pk)))
    assert response.status_code == 200
    assert "person" in response.context["form"].errors
    assert not ParentStatement.objects.exists()


def test_a_correction_is_chosen_among_the_entrys_current_statements(
    client, manager, general_record, sensitive_record
):
    first = record_statement(general_record, manager, words="First version.")
    elsewhere = record_statement(sensitive_record, manager, words="Elsewhere.")
    client.force_login(manager)
    form = client.get(statement_url(general_record)).context["form"]
    assert list(form.fields["supersedes"].queryset) == [first]
    refused = client.post(statement_url(general_record), post_data(supersedes=str(elsewhere.pk)))
    assert "supersedes" in refused.context["form"].errors
    client.post(statement_url(general_record), post_data(words="Second.", supersedes=first.pk))
    second = general_record.statements.get(words="Second.")
    assert second.supersedes == first
    # The replaced one is no longer offered: a statement is replaced once.
    form = client.get(statement_url(general_record)).context["form"]
    assert list(form.fields["supersedes"].queryset) == [second]


def test_a_sensitive_entrys_page_is_a_logged_read(client, keyperson, sensitive_record):
    client.force_login(keyperson)
    client.get(statement_url(sensitive_record))
    row = AccessLogEntry.objects.filter(action=AccessAction.RECORD_VIEWED).get()
    assert (row.actor, row.record, row.detail["via"]) == (keyperson, sensitive_record, "statement")


def test_a_general_entrys_page_is_not_logged_as_a_read(client, keyperson, general_record):
    client.force_login(keyperson)
    client.get(statement_url(general_record))
    assert not AccessLogEntry.objects.filter(action=AccessAction.RECORD_VIEWED).exists()


# The record page.


def test_the_record_page_shows_each_statement_in_full_and_what_replaced_what(
    client, keyperson, general_record, mother
):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    save_as(general_record, actor=keyperson)  # nothing changed; keeps created_at
    general_record.created_at -= datetime.timedelta(days=3)
    general_record.save(update_fields=["created_at"])
    first = record_statement(
        general_record, keyperson, person=mother, made_on=yesterday, words="Line one\nLine two"
    )
    record_statement(general_record, keyperson, supersedes=first, taken_how="letter")
    client.force_login(keyperson)
    page = client.get(general_record.get_absolute_url()).content.decode()
    assert "Parent's statements" in page
    assert "Line one<br>Line two" in page
    assert "Farah Khan" in page
    assert "In a meeting" in page
    assert "By letter" in page
    today = timezone.localdate()
    assert f"Replaced on {today:%-d %B %Y}" in page
    assert f"it replaces the statement made on {yesterday:%-d %B %Y}" in page
    assert "Add a parent's statement" in page
    assert page.count('class="badge badge--statement"') == 1


def test_the_add_link_is_only_for_those_who_may(client, practitioner, general_record):
    client.force_login(practitioner)
    page = client.get(general_record.get_absolute_url()).content.decode()
    assert "Add a parent's statement" not in page
    assert "No parent has made a statement about this entry." in page


# The marks in every list that shows the entry.


STATEMENT_MARK = "Parent's statement</span>"
DISPUTED_MARK = "Disputed by a parent</span>"


def dispute(record, actor):
    record.disputed = True
    save_as(record, actor=actor, reason="test: a rectification request is pending")


def test_the_child_page_marks_entries_with_a_statement_or_a_dispute(
    client, keyperson, child, general_record, sensitive_record
):
    client.force_login(keyperson)
    page = client.get(child.get_absolute_url()).content.decode()
    assert STATEMENT_MARK not in page
    assert DISPUTED_MARK not in page
    record_statement(general_record, keyperson)
    dispute(sensitive_record, keyperson)
    response = client.get(child.get_absolute_url())
    marked = {r.pk: (r.has_statement, r.disputed) for r in response.context["records"]}
    assert marked == {general_record.pk: (True, False), sensitive_record.pk: (False, True)}
    page = response.content.decode()
    assert page.count(STATEMENT_MARK) == 1
    assert page.count(DISPUTED_MARK) == 1


def queries_for(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


@pytest.mark.parametrize("url_of", ["child", "grants", "grant_list"])
def test_the_marks_cost_no_query_per_entry(
    client, manager, keyperson, child, grant_holder, django_assert_num_queries, url_of
):
    urls = {
        "child": child.get_absolute_url(),
        "grants": reverse("children:grants", args=[child.pk]),
        "grant_list": reverse("children:grant_list"),
    }
    expires = timezone.localdate() + datetime.timedelta(days=30)

    def entry_with_grant(number):
        record = write(child, keyperson, "sensitive", title=f"Entry {number}")
        from children import services

        services.grant_give(
            child=child,
            actor=manager,
            grantee=grant_holder,
            record=record,
            reason="Needs to know",
            expires_on=expires,
        )
        return record

    client.force_login(manager)
    entry_with_grant(0)
    few = queries_for(client, urls[url_of])
    for number in range(1, 8):
        record = entry_with_grant(number)
        record_statement(record, keyperson)
        if number % 2:
            dispute(record, keyperson)
    assert queries_for(client, urls[url_of]) == few
    page = client.get(urls[url_of]).content.decode()
    assert page.count(STATEMENT_MARK) == 7
    assert page.count(DISPUTED_MARK) == 4


# History.


def test_the_history_page_shows_statements_among_the_versions(
    client, keyperson, manager, general_record
):
    first = record_statement(general_record, keyperson)
    record_statement(general_record, manager, supersedes=first, made_by_name="A solicitor")
    client.force_login(keyperson)
    response = client.get(reverse("children:record_history", args=[general_record.pk]))
    kinds = [
        item["event"].kind if "event" in item else item["version"].kind
        for item in response.context["timeline"]
    ]
    assert kinds == [
        "Parent's statement recorded, replacing an earlier one",
        "Parent's statement recorded",
        "Created",
    ]
    page = response.content.decode()
    assert "Made by A solicitor on" in page
    assert "which is kept" in page
    newest = response.context["timeline"][0]["event"]
    assert (newest.user, newest.made_by) == (manager, "A solicitor")
    # The history names the events; the words are read on the entry itself.
    assert "She was" not in page
