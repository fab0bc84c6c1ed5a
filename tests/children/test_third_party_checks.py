"""Third-party information is checked for confidentiality for both parties policy P6 names: the
person or agency who shared it, and the person it is about. Each answer is kept with who
checked and when; the combined answer drives what an access request proposes to withhold."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from access_requests import services as request_services
from access_requests.models import Disclosure
from children import services
from children.models import Record
from children.services import combined_confidentiality
from setting_records.errors import WorkflowError
from setting_records.models import AccessAction, AccessLogEntry
from tests.access_requests.conftest import register
from tests.children.conftest import write

THIRD_PARTY = {
    "source": "third_party",
    "third_party_name": "Rachel Moore",
    "third_party_role": "Health visitor",
    "third_party_organisation": "Calderdale Health Visiting Team",
}


def third_party(child, author, sensitivity="sensitive", title="Health visitor's call", **extra):
    return write(child, author, sensitivity, title=title, **(THIRD_PARTY | extra))


def check(record, actor, party, confidential):
    return services.third_party_check(
        record=record, actor=actor, party=party, confidential=confidential
    )


# The combined answer.


@pytest.mark.parametrize(
    ("sharer", "subject", "combined"),
    [
        (None, None, None),
        (False, None, None),
        (None, False, None),
        (False, False, False),
        (True, None, True),
        (None, True, True),
        (True, False, True),
        (False, True, True),
        (True, True, True),
    ],
)
def test_either_party_makes_it_confidential_both_make_it_open(sharer, subject, combined):
    assert combined_confidentiality(sharer, subject) is combined


def test_each_answer_is_kept_with_who_checked_and_when(child, keyperson, manager):
    record = third_party(child, keyperson)
    assert (record.sharer_confidential, record.subject_confidential) == (None, None)
    assert record.third_party_confidential is None
    assert record.third_party_unchecked

    before = timezone.now()
    check(record, keyperson, "sharer", False)
    record.refresh_from_db()
    assert record.sharer_confidential is False
    assert record.sharer_checked_by == keyperson
    assert record.sharer_checked_at >= before
    assert record.subject_checked_by is None
    assert record.third_party_confidential is None  # the person it is about is not checked

    check(record, manager, "subject", True)
    record.refresh_from_db()
    assert record.subject_confidential is True
    assert record.subject_checked_by == manager
    assert record.sharer_checked_by == keyperson  # the other answer keeps its checker
    assert record.third_party_confidential is True
    assert not record.third_party_unchecked


def test_both_answers_given_when_the_entry_is_written(child, keyperson):
    record = third_party(child, keyperson, sharer_confidential=False, subject_confidential=False)
    assert record.third_party_confidential is False
    assert record.sharer_checked_by == record.subject_checked_by == keyperson
    rows = AccessLogEntry.objects.filter(action=AccessAction.THIRD_PARTY_CHECKED, record=record)
    assert sorted(row.detail["party"] for row in rows) == ["sharer", "subject"]


def test_a_changed_answer_is_a_new_version_and_a_log_row_of_ids_only(child, keyperson, manager):
    record = third_party(child, keyperson, sharer_confidential=False)
    versions = record.history.count()
    check(record, manager, "sharer", True)
    newest = record.history.latest("history_id")
    assert record.history.count() == versions + 1
    assert newest.sharer_confidential is True
    assert newest.history_user == manager
    assert "the person who shared it: confidential" in newest.history_change_reason
    row = AccessLogEntry.objects.filter(action=AccessAction.THIRD_PARTY_CHECKED).latest("id")
    assert (row.actor, row.record, row.child) == (manager, record, child)
    assert row.detail == {"party": "sharer", "confidential": True}
    # The same answer again changes nothing: no version, no log row.
    logged = AccessLogEntry.objects.count()
    check(record, manager, "sharer", True)
    assert record.history.count() == versions + 1
    assert AccessLogEntry.objects.count() == logged


def test_the_entry_history_page_shows_both_answers(client, child, keyperson, manager):
    record = third_party(child, keyperson)
    check(record, manager, "subject", True)
    client.force_login(manager)
    page = client.get(f"/records/{record.pk}/history/").content.decode()
    assert "Confidential for the person it is about" in page
    assert "Checked with the person it is about: confidential" in page


# Who may check, and what is refused.


def test_only_the_manager_or_key_person_may_check(child, keyperson, practitioner):
    record = third_party(child, keyperson, "general")
    with pytest.raises(WorkflowError, match="manager or the child's key person"):
        check(record, practitioner, "sharer", False)
    with pytest.raises(WorkflowError, match="manager or the child's key person"):
        third_party(child, practitioner, "general", sharer_confidential=False)
    record.refresh_from_db()
    assert record.sharer_confidential is None


def test_a_care_team_member_writes_third_party_entries_without_the_questions(
    client, child, practitioner
):
    client.force_login(practitioner)
    form = client.get(f"/children/{child.pk}/records/new/").context["form"]
    assert "sharer_confidential" not in form.fields
    assert "subject_confidential" not in form.fields


@pytest.mark.parametrize(
    ("party", "confidential", "message"),
    [
        ("both", True, "whose answer"),
        ("sharer", "yes", "yes or no"),
        ("subject", None, "yes or no"),
    ],
)
def test_a_bad_check_is_refused(child, keyperson, manager, party, confidential, message):
    record = third_party(child, keyperson)
    with pytest.raises(WorkflowError, match=message):
        check(record, manager, party, confidential)


def test_the_setting_s_own_entry_has_no_third_party_to_check(manager, general_record):
    with pytest.raises(WorkflowError, match="no third party"):
        check(general_record, manager, "sharer", False)


def test_confidential_information_cannot_be_general(child, keyperson, manager):
    record = third_party(child, keyperson, "general")
    with pytest.raises(WorkflowError, match="mark the entry sensitive"):
        check(record, manager, "subject", True)
    record.refresh_from_db()
    assert record.subject_confidential is None
    check(record, manager, "subject", False)  # open information may stay general


def edit(record, actor, **changes):
    fields = {
        name: getattr(record, name)
        for name in ("kind", "sensitivity", "nature", "title", "body", "occurred_at")
    }
    return services.record_update(
        record=record, actor=actor, reason="Tidied", **(THIRD_PARTY | fields | changes)
    )


def test_an_edit_without_answers_keeps_them(child, keyperson, manager):
    record = third_party(child, keyperson, sharer_confidential=True, subject_confidential=False)
    edit(record, manager, title="Health visitor's call (updated)")
    record.refresh_from_db()
    assert (record.sharer_confidential, record.subject_confidential) == (True, False)
    assert record.sharer_checked_by == keyperson


def test_an_entry_moved_to_the_setting_loses_its_answers(child, keyperson):
    record = third_party(child, keyperson, sharer_confidential=True, subject_confidential=False)
    edit(record, keyperson, source="setting", third_party_name="", third_party_role="")
    record.refresh_from_db()
    assert record.sharer_confidential is record.subject_confidential is None
    assert record.sharer_checked_by is None
    assert record.third_party_confidential is None


def test_the_entry_form_asks_both_questions_and_keeps_an_answer_once_given(
    client, child, keyperson
):
    record = third_party(child, keyperson, sharer_confidential=False)
    client.force_login(keyperson)
    form = client.get(f"/records/{record.pk}/edit/").context["form"]
    assert form.initial["sharer_confidential"] == "no"
    # An answer once given can be changed, not taken back to "not checked yet".
    assert "" not in dict(form.fields["sharer_confidential"].choices)
    assert "" in dict(form.fields["subject_confidential"].choices)


def test_the_record_page_shows_both_answers_with_who_and_when(client, child, keyperson, manager):
    record = third_party(child, keyperson, sharer_confidential=False)
    client.force_login(manager)
    page = client.get(f"/records/{record.pk}/").content.decode()
    assert "checked by Keyperson on " + timezone.localdate().strftime("%-d %B %Y") in page
    assert "Not yet checked" in page


# The manager's review page.


@pytest.fixture
def review_entries(child, keyperson, manager):
    """Open, confidential, and unchecked entries, written in that order (newest last)."""
    open_ = third_party(
        child, keyperson, title="Open", sharer_confidential=False, subject_confidential=False
    )
    confidential = third_party(child, keyperson, title="Confidential", sharer_confidential=True)
    confidential_checked = third_party(
        child,
        keyperson,
        title="Confidential, both checked",
        sharer_confidential=False,
        subject_confidential=True,
    )
    half = third_party(child, keyperson, title="Half checked", sharer_confidential=False)
    unchecked = third_party(child, keyperson, title="Unchecked")
    write(child, keyperson, "sensitive", title="The setting's own")
    return {
        "open": open_,
        "confidential": confidential,
        "confidential_checked": confidential_checked,
        "half": half,
        "unchecked": unchecked,
    }


def test_the_review_lists_unchecked_first_then_confidential_then_open(
    client, manager, review_entries
):
    client.force_login(manager)
    response = client.get("/third-party/")
    listed = [record.title for record in response.context["page"].object_list]
    # Within each group the newest first; "Confidential" lacks the subject's answer.
    assert listed == [
        "Unchecked",
        "Half checked",
        "Confidential",
        "Confidential, both checked",
        "Open",
    ]
    page = response.content.decode()
    assert "The setting&#x27;s own" not in page
    assert "Rachel Moore, Health visitor" in page
    assert reverse("children:third_party_check", args=[review_entries["open"].pk]) in page


@pytest.mark.parametrize(
    "role", ["keyperson", "practitioner", "outsider", "grant_holder", "superuser"]
)
def test_the_review_is_404_to_anyone_who_manages_no_setting(client, request, role, child):
    client.force_login(request.getfixturevalue(role))
    assert client.get("/third-party/").status_code == 404


def test_another_settings_manager_sees_none_of_these_entries(client, othermanager, review_entries):
    client.force_login(othermanager)
    response = client.get("/third-party/")
    assert response.status_code == 200
    assert not response.context["page"].object_list


def test_the_home_page_links_the_review_for_managers_only(client, manager, keyperson):
    client.force_login(manager)
    assert "/third-party/" in client.get("/").content.decode()
    client.force_login(keyperson)
    assert "/third-party/" not in client.get("/").content.decode()


@pytest.mark.parametrize("entries", [3, 30])
def test_the_review_costs_the_same_however_many_entries(
    client, manager, child, keyperson, django_assert_num_queries, entries
):
    for number in range(entries):
        third_party(child, keyperson, title=f"Entry {number}", sharer_confidential=number % 2 == 0)
    client.force_login(manager)
    # Session, user, two-factor device (3); manages a setting (1); count of entries (1); the
    # page of entries with their child and checkers (1); the header's memberships (1); the
    # session saved, in a savepoint (3).
    with django_assert_num_queries(10):
        response = client.get("/third-party/")
    assert len(response.context["page"].object_list) == min(entries, 25)


# Checking from the review page.


def test_the_manager_checks_from_the_review_page(client, manager, review_entries):
    record = review_entries["unchecked"]
    client.force_login(manager)
    url = reverse("children:third_party_check", args=[record.pk])
    response = client.post(url, {"party": "subject", "answer": "yes"}, follow=True)
    assert response.redirect_chain == [("/third-party/", 302)]
    assert "the answer has been recorded" in response.content.decode()
    record.refresh_from_db()
    assert (record.subject_confidential, record.subject_checked_by) == (True, manager)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"party": "subject"},
        {"party": "subject", "answer": ""},
        {"party": "subject", "answer": "maybe"},
        {"party": "somebody", "answer": "yes"},
    ],
)
def test_a_check_without_a_clear_answer_changes_nothing(client, manager, review_entries, data):
    record = review_entries["unchecked"]
    client.force_login(manager)
    versions = record.history.count()
    url = reverse("children:third_party_check", args=[record.pk])
    response = client.post(url, data, follow=True)
    assert response.redirect_chain == [("/third-party/", 302)]
    assert "choose yes or no" in response.content.decode()
    assert record.history.count() == versions


def test_a_refused_check_says_why_on_the_review_page(client, manager, child, keyperson):
    record = third_party(child, keyperson, "general")
    client.force_login(manager)
    url = reverse("children:third_party_check", args=[record.pk])
    response = client.post(url, {"party": "sharer", "answer": "yes"}, follow=True)
    assert "mark the entry sensitive" in response.content.decode()
    record.refresh_from_db()
    assert record.sharer_confidential is None


def test_the_key_person_checks_and_goes_back_to_the_entry(client, keyperson, child):
    record = third_party(child, keyperson)
    client.force_login(keyperson)
    url = reverse("children:third_party_check", args=[record.pk])
    response = client.post(url, {"party": "sharer", "answer": "no"})
    assert response["Location"] == record.get_absolute_url()
    record.refresh_from_db()
    assert record.sharer_checked_by == keyperson


@pytest.mark.parametrize(
    ("role", "status"),
    [("practitioner", 403), ("grant_holder", 403), ("outsider", 404), ("othermanager", 404)],
)
def test_others_cannot_check(client, request, child, keyperson, grants, role, status):
    record = third_party(child, keyperson, "general")
    client.force_login(request.getfixturevalue(role))
    url = reverse("children:third_party_check", args=[record.pk])
    assert client.post(url, {"party": "sharer", "answer": "yes"}).status_code == status
    record.refresh_from_db()
    assert record.sharer_confidential is None


def test_a_get_on_the_check_changes_nothing(client, manager, child, keyperson):
    record = third_party(child, keyperson)
    client.force_login(manager)
    url = reverse("children:third_party_check", args=[record.pk])
    assert client.get(url)["Location"] == "/third-party/"
    record.refresh_from_db()
    assert record.third_party_unchecked


# Preparing an access request starts from these answers.


@pytest.fixture
def preparing(child, manager):
    mother = register(child, manager, "Farah", "mother")

    def start():
        item = request_services.request_create(
            child=child,
            requester=mother,
            received_on=timezone.localdate() - datetime.timedelta(days=3),
            channel="letter",
            actor=manager,
        )
        request_services.identity_verify(request=item, method="Passport seen", actor=manager)
        return request_services.preparation_start(request=item, actor=manager)

    return start


def decide_all(item, manager):
    for entry in item.entries.select_related("record"):
        if entry.needs_review:
            request_services.entry_decide(
                entry=entry, disclosure=Disclosure.REASONABLE, actor=manager
            )


def test_ready_for_the_meeting_waits_for_both_answers(child, keyperson, manager, preparing):
    half = third_party(child, keyperson, title="Half checked", sharer_confidential=False)
    none = third_party(child, keyperson, title="Not checked")
    done = third_party(
        child, keyperson, title="Checked", sharer_confidential=False, subject_confidential=True
    )
    item = preparing()
    decide_all(item, manager)
    with pytest.raises(WorkflowError) as refused:
        request_services.ready_for_meeting(request=item, actor=manager)
    message = str(refused.value)
    assert "for the person who shared it and for the person it is about" in message
    assert "“Half checked”" in message
    assert "“Not checked”" in message
    assert "“Checked”" not in message
    check(half, manager, "subject", False)
    check(none, manager, "sharer", False)
    with pytest.raises(WorkflowError, match="“Not checked”"):
        request_services.ready_for_meeting(request=item, actor=manager)
    check(none, manager, "subject", False)
    request_services.ready_for_meeting(request=item, actor=manager)
    item.refresh_from_db()
    assert item.state == "ready_for_meeting"
    del done


def test_confidential_for_either_party_is_never_disclosed_by_default(
    child, keyperson, manager, preparing
):
    sharer = third_party(child, keyperson, title="Sharer", sharer_confidential=True)
    subject = third_party(child, keyperson, title="Subject", subject_confidential=True)
    unchecked = third_party(child, keyperson, title="Unchecked")
    open_ = third_party(
        child, keyperson, title="Open", sharer_confidential=False, subject_confidential=False
    )
    item = preparing()
    entries = {e.record_id: e for e in item.entries.all()}
    for record in (sharer, subject, unchecked):
        assert entries[record.pk].needs_review, record.title
        assert not entries[record.pk].disclosed_by_default
    # A health visitor acting in their role, checked open: goes in (DPA 2018 Sch. 2 para 17).
    assert entries[open_.pk].disclosure == Disclosure.PROFESSIONAL


def test_an_answer_changed_to_confidential_after_preparing_needs_a_new_decision(
    child, keyperson, manager, preparing
):
    record = third_party(child, keyperson, sharer_confidential=False, subject_confidential=False)
    item = preparing()
    entry = item.entries.get(record=record)
    assert entry.disclosed_by_default
    check(record, manager, "subject", True)
    with pytest.raises(WorkflowError, match="since been checked as confidential"):
        request_services.ready_for_meeting(request=item, actor=manager)
    request_services.entry_decide(
        entry=entry,
        disclosure=Disclosure.WITHHOLD,
        withhold_reason="third_party",
        withhold_note="The mother's health, shared in confidence.",
        actor=manager,
    )
    request_services.ready_for_meeting(request=item, actor=manager)


def test_the_review_list_shows_both_answers_and_flags_unchecked(
    client, child, keyperson, manager, preparing
):
    third_party(child, keyperson, title="Not checked")
    third_party(child, keyperson, title="Checked", sharer_confidential=True)
    item = preparing()
    client.force_login(manager)
    page = client.get(item.get_absolute_url()).content.decode()
    assert "Not yet checked whether confidential" in page
    assert "2 third-party entries have not yet been checked" in page
    assert "Confidential: propose withholding" in page
    assert "Asked to keep it confidential by whoever shared it?" in page


# The migration: one answer becomes two.

BEFORE_CHILDREN = ("children", "0004_statements_sharing_disputed")


def _before(executor: MigrationExecutor) -> list[tuple[str, str]]:
    """The children's migrations just before the two answers, and every other app as far as it
    goes without needing a later children's migration, so that the models used here have every
    column the database has."""
    graph = executor.loader.graph
    leaves = graph.leaf_nodes()
    [children_leaf] = [node for node in leaves if node[0] == "children"]
    later = set(graph.forwards_plan(children_leaf)) - set(graph.forwards_plan(BEFORE_CHILDREN))
    targets = [BEFORE_CHILDREN]
    for leaf in leaves:
        if leaf[0] == "children":
            continue
        own = [node for node in graph.forwards_plan(leaf) if node[0] == leaf[0]]
        usable = [node for node in own if not later & set(graph.forwards_plan(node))]
        if usable:
            targets.append(usable[-1])
    return targets


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_both_parties_the_old_answer_and_checker():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    old = _migrate(_before(executor))
    User = old.get_model("setting_records", "User")
    Setting = old.get_model("setting_records", "Setting")
    Child = old.get_model("children", "Child")
    OldRecord = old.get_model("children", "Record")
    OldHistory = old.get_model("children", "HistoricalRecord")
    checker = User.objects.create(username="checker")
    setting = Setting.objects.create(name="Nursery", ofsted_urn="EY9")
    day = datetime.date(2025, 1, 6)
    child = Child.objects.create(
        setting=setting, first_name="A", last_name="B", date_of_birth=day, started_on=day
    )
    at = timezone.now() - datetime.timedelta(days=30)
    common = {
        "child": child,
        "kind": "observation",
        "sensitivity": "sensitive",
        "nature": "fact",
        "body": "Words.",
        "occurred_at": at,
        "author": checker,
    }
    made = {}
    for title, source, answer in [
        ("confidential", "third_party", True),
        ("open", "third_party", False),
        ("unchecked", "third_party", None),
        ("own", "setting", None),
    ]:
        record = OldRecord.objects.create(
            title=title,
            source=source,
            third_party_name="Jane Doe" if source == "third_party" else "",
            third_party_confidential=answer,
            confidentiality_checked_by=checker if answer is not None else None,
            confidentiality_checked_at=at if answer is not None else None,
            **common,
        )
        made[title] = record.pk
        OldHistory.objects.create(
            id=record.pk,
            title=title,
            source=source,
            third_party_name=record.third_party_name,
            third_party_confidential=answer,
            confidentiality_checked_by_id=checker.pk if answer is not None else None,
            confidentiality_checked_at=at if answer is not None else None,
            child_id=child.pk,
            author_id=checker.pk,
            created_at=at,
            updated_at=at,
            disputed=False,
            history_date=at,
            history_type="+",
            **{k: v for k, v in common.items() if k not in {"child", "author"}},
        )

    new = _migrate(latest)
    records = {r.title: r for r in new.get_model("children", "Record").objects.all()}
    for title, answer in [("confidential", True), ("open", False)]:
        record = records[title]
        assert record.sharer_confidential is record.subject_confidential is answer
        assert record.third_party_confidential is answer
        assert record.sharer_checked_by_id == record.subject_checked_by_id == checker.pk
        assert record.sharer_checked_at == record.subject_checked_at == at
    for title in ("unchecked", "own"):
        record = records[title]
        assert record.sharer_confidential is record.subject_confidential is None
        assert record.sharer_checked_by_id is record.subject_checked_by_id is None
    history = new.get_model("children", "HistoricalRecord").objects.get(id=made["confidential"])
    assert (history.sharer_confidential, history.subject_checked_by_id) == (True, checker.pk)
    assert Record._meta.get_field("sharer_confidential")  # the current model has it too
