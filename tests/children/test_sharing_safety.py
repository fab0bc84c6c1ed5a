"""The sharing log and parents' statements made safe: a double submit records once (one-time
submission keys), only the manager shares an entry a parent disputes, consent is the lawful
basis only when it was given, and every page that shows lines of the log is in the access log.
"""

import datetime
import threading
import uuid

import pytest
from django.db import connection, connections
from django.utils import timezone

from children import statements
from children.models import InformationSharing, ParentStatement, SharedEntry
from setting_records import submissions
from setting_records.errors import WorkflowError
from setting_records.models import AccessAction, AccessLogEntry
from tests.children.conftest import share
from tests.children.test_sharing import dispute, form_data, last_row_id, new_rows, nothing_saved

TODAY = timezone.localdate


def rows_of(action: str) -> int:
    return AccessLogEntry.objects.filter(action=action).count()


def state() -> tuple[int, ...]:
    """Everything a recording writes: the rows, their history, the access log."""
    return (
        InformationSharing.objects.count(),
        InformationSharing.history.count(),
        SharedEntry.objects.count(),
        SharedEntry.history.count(),
        ParentStatement.objects.count(),
        ParentStatement.history.count(),
        AccessLogEntry.objects.count(),
    )


def say(record, actor, **extra):
    fields = {
        "words": "She was tired that day, nothing more.",
        "made_on": TODAY(),
        "taken_how": "meeting",
        "made_by_name": "Farah Khan",
    }
    return statements.statement_record(record=record, actor=actor, **(fields | extra))


def success_messages(response) -> list[str]:
    """The messages shown on the page a post was followed to."""
    return [str(message) for message in response.context["messages"]]


# 1. A double submit records once.


def test_the_same_disclosure_key_twice_records_once(child, manager, general_record):
    key = uuid.uuid4()
    first = share(child, manager, [general_record], submission_key=key)
    before = state()
    again = share(child, manager, [general_record], submission_key=key)
    assert again == first
    # No second row, no second history row, no second access-log row.
    assert state() == before
    assert first.submission_key == key


def test_the_same_statement_key_twice_records_once(manager, general_record):
    key = uuid.uuid4()
    first = say(general_record, manager, submission_key=key)
    before = state()
    assert say(general_record, manager, submission_key=key) == first
    assert state() == before


def test_without_a_key_each_call_records(child, manager, general_record):
    share(child, manager, [general_record])
    share(child, manager, [general_record])
    assert InformationSharing.objects.count() == 2


def test_a_key_is_not_answered_with_another_childs_or_another_users_row(
    child, manager, keyperson, general_record, other_child, othermanager
):
    key = uuid.uuid4()
    share(child, manager, [general_record], submission_key=key)
    before = state()
    with pytest.raises(WorkflowError, match="already been sent"):
        share(other_child, othermanager, summary="x", submission_key=key)
    with pytest.raises(WorkflowError, match="already been sent"):
        share(child, keyperson, summary="x", submission_key=key)
    statement_key = uuid.uuid4()
    say(general_record, manager, submission_key=statement_key)
    with pytest.raises(WorkflowError, match="already been sent"):
        say(general_record, keyperson, submission_key=statement_key)
    assert state()[:4] == before[:4]


def test_a_key_is_still_refused_by_someone_who_may_not_record(
    child, manager, practitioner, general_record
):
    key = uuid.uuid4()
    share(child, manager, [general_record], submission_key=key)
    with pytest.raises(WorkflowError, match="manager or the child's key person"):
        share(child, practitioner, [general_record], decided_by=manager, submission_key=key)


@pytest.mark.parametrize("kind", ["sharing", "statement"])
def test_the_unique_key_catches_what_gets_past_the_check(
    monkeypatch, child, manager, general_record, kind
):
    """When the check finds nothing (two submissions past it at once), the insert of the
    second fails on the unique column and the first row is returned, nothing else written."""
    record = (
        (lambda key: share(child, manager, [general_record], submission_key=key))
        if kind == "sharing"
        else (lambda key: say(general_record, manager, submission_key=key))
    )
    key = uuid.uuid4()
    first = record(key)
    real = submissions.earlier
    calls = []

    def blind_first(*args, **kwargs):
        calls.append(1)
        return None if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(submissions, "earlier", blind_first)
    before = state()
    assert record(key) == first
    assert len(calls) == 2
    assert state() == before


def keys_posted(response) -> str:
    return response.context["form"]["submission_key"].value()


def test_posting_the_sharing_form_twice_records_once(client, child, keyperson, general_record):
    client.force_login(keyperson)
    url = f"/children/{child.pk}/sharing/new/"
    key = keys_posted(client.get(url))
    uuid.UUID(key)
    data = form_data(decided_by=keyperson.pk, entries=[general_record.pk], submission_key=key)
    first = client.post(url, data, follow=True)
    second = client.post(url, data, follow=True)
    item = InformationSharing.objects.get()
    assert first.redirect_chain == second.redirect_chain == [(item.get_absolute_url(), 302)]
    assert success_messages(second) == ["The information sharing has been recorded."]
    assert item.history.count() == 1
    assert SharedEntry.objects.count() == 1
    assert rows_of(AccessAction.SHARING_RECORDED) == 1


def test_posting_the_statement_form_twice_records_once(client, keyperson, general_record):
    client.force_login(keyperson)
    url = f"/records/{general_record.pk}/statements/new/"
    key = keys_posted(client.get(url))
    data = {
        "made_by_name": "Farah Khan",
        "made_on": str(TODAY()),
        "taken_how": "letter",
        "words": "We see it differently.",
        "submission_key": key,
    }
    first = client.post(url, data, follow=True)
    second = client.post(url, data, follow=True)
    statement = ParentStatement.objects.get()
    assert (
        first.redirect_chain == second.redirect_chain == [(general_record.get_absolute_url(), 302)]
    )
    assert success_messages(second) == ["The parent's statement has been added to the entry."]
    assert str(statement.submission_key) == key
    assert statement.history.count() == 1
    assert rows_of(AccessAction.STATEMENT_RECORDED) == 1


def test_each_form_shown_has_its_own_key_and_keeps_it_when_shown_again(client, child, manager):
    client.force_login(manager)
    url = f"/children/{child.pk}/sharing/new/"
    key = keys_posted(client.get(url))
    assert keys_posted(client.get(url)) != key
    again = client.post(url, form_data(decided_by=manager.pk, purpose="", submission_key=key))
    assert again.status_code == 200
    assert f'name="submission_key" value="{key}"' in again.content.decode()
    assert nothing_saved()


def test_a_form_without_a_usable_key_still_records(client, child, manager):
    client.force_login(manager)
    url = f"/children/{child.pk}/sharing/new/"
    for key in ("", "not-a-key"):
        response = client.post(
            url, form_data(decided_by=manager.pk, summary="x", submission_key=key)
        )
        assert response.status_code == 302
    assert list(InformationSharing.objects.values_list("submission_key", flat=True)) == [None, None]


def _race(work, count: int = 4) -> list:
    start = threading.Barrier(count)
    outcomes: list = []

    def run() -> None:
        try:
            start.wait()
            outcomes.append(work())
        except Exception as error:  # reported by the assertions on the outcomes
            outcomes.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["sharing", "statement"])
def test_concurrent_submissions_with_one_key_record_once(child, manager, general_record, kind):
    if connection.vendor != "postgresql":
        pytest.skip("Needs concurrent connections to a real server; runs in CI's PostgreSQL pass")
    key = uuid.uuid4()
    if kind == "sharing":
        outcomes = _race(lambda: share(child, manager, [general_record], submission_key=key).pk)
        action, model = AccessAction.SHARING_RECORDED, InformationSharing
    else:
        outcomes = _race(lambda: say(general_record, manager, submission_key=key).pk)
        action, model = AccessAction.STATEMENT_RECORDED, ParentStatement
    only = model.objects.get()
    assert outcomes == [only.pk] * 4
    assert only.history.count() == 1
    assert rows_of(action) == 1


# 2. Only the manager shares an entry a parent disputes.


def test_a_key_person_cannot_share_a_disputed_entry(child, manager, keyperson, sensitive_record):
    dispute(sensitive_record, manager)
    with pytest.raises(WorkflowError, match="only the manager can decide to share it"):
        share(
            child,
            keyperson,
            [sensitive_record],
            disputed_reasons={sensitive_record.pk: "Safeguarding referral"},
        )
    assert nothing_saved()


def test_a_key_person_may_record_a_decision_not_to_share_a_disputed_entry(
    child, manager, keyperson, sensitive_record
):
    dispute(sensitive_record, manager)
    item = share(child, keyperson, [sensitive_record], decision="not_shared", summary="Her file")
    assert not item.is_shared


def test_the_manager_shares_a_disputed_entry_named_as_decided_by_the_key_person(
    child, manager, keyperson, sensitive_record
):
    """The rule is about who records the decision to share (the manager), not whose name is
    given as having decided."""
    dispute(sensitive_record, manager)
    item = share(
        child,
        manager,
        [sensitive_record],
        decided_by=keyperson,
        disputed_reasons={sensitive_record.pk: "Safeguarding referral"},
    )
    assert item.shared_entries.get().was_disputed


def test_the_key_persons_form_marks_a_disputed_entry_for_the_manager(
    client, child, manager, keyperson, sensitive_record
):
    dispute(sensitive_record, manager)
    client.force_login(keyperson)
    url = f"/children/{child.pk}/sharing/new/"
    html = client.get(url).content.decode()
    assert "only the manager can share it while the dispute is open" in html
    assert f"disputed_reason_{sensitive_record.pk}" not in html
    response = client.post(url, form_data(decided_by=keyperson.pk, entries=[sensitive_record.pk]))
    assert response.status_code == 200
    [error] = response.context["form"].errors["entries"]
    assert "only the manager can decide to share it" in error
    assert nothing_saved()
    response = client.post(
        url,
        form_data(
            decided_by=keyperson.pk,
            entries=[sensitive_record.pk],
            decision="not_shared",
            summary="Her file",
            lawful_basis="",
            method="",
        ),
    )
    assert response.status_code == 302


def test_the_managers_form_asks_why_rather_than_refusing(client, child, manager, sensitive_record):
    dispute(sensitive_record, manager)
    client.force_login(manager)
    html = client.get(f"/children/{child.pk}/sharing/new/").content.decode()
    assert "only the manager can share it" not in html
    assert f'name="disputed_reason_{sensitive_record.pk}"' in html


# 3. Consent is the lawful basis only when it was given.


@pytest.mark.parametrize("consent", ["refused", "not_sought"])
def test_consent_is_no_basis_when_it_was_not_given(child, manager, general_record, consent):
    with pytest.raises(WorkflowError, match="only when consent was given"):
        share(
            child,
            manager,
            [general_record],
            lawful_basis="consent",
            consent=consent,
            consent_reason="Asking would have put the child at risk.",
        )
    assert nothing_saved()


def test_consent_given_may_be_the_basis(child, manager, general_record):
    item = share(child, manager, [general_record], lawful_basis="consent", consent="given")
    assert item.lawful_basis == "consent"


def test_the_form_puts_the_consent_error_beside_the_lawful_basis(client, child, manager):
    client.force_login(manager)
    url = f"/children/{child.pk}/sharing/new/"
    html = client.get(url).content.decode()
    assert "consent is rarely the right basis for sharing to safeguard a child" in html
    response = client.post(
        url,
        form_data(
            decided_by=manager.pk,
            summary="Attendance",
            lawful_basis="consent",
            consent="refused",
            consent_reason="She said no; the referral could not wait.",
        ),
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["lawful_basis"]
    assert nothing_saved()


# 4. Every page that shows lines of the log is in the access log.


def viewed_rows(before: int) -> list[tuple]:
    return [
        (row.actor, row.child, row.detail)
        for row in new_rows(before)
        if row.action == AccessAction.SHARING_VIEWED
    ]


def test_the_child_page_logs_the_lines_it_shows(client, child, keyperson, manager, general_record):
    older = share(child, manager, [general_record], decided_on=TODAY() - datetime.timedelta(days=2))
    newer = share(child, manager, decision="not_shared", summary="Her file")
    client.force_login(keyperson)
    before = last_row_id()
    assert client.get(f"/children/{child.pk}/").status_code == 200
    assert viewed_rows(before) == [
        (keyperson, child, {"via": "child page", "sharings": [newer.pk, older.pk]})
    ]


def test_the_child_page_without_lines_logs_nothing(
    client, child, keyperson, practitioner, manager, general_record
):
    client.force_login(keyperson)
    before = last_row_id()
    client.get(f"/children/{child.pk}/")
    assert viewed_rows(before) == []
    # The care team never sees the log's lines, so no view of it is logged.
    share(child, manager, [general_record])
    client.force_login(practitioner)
    before = last_row_id()
    client.get(f"/children/{child.pk}/")
    assert viewed_rows(before) == []


def test_the_entry_page_logs_the_lines_it_shows(client, child, keyperson, manager, general_record):
    item = share(child, manager, [general_record])
    client.force_login(keyperson)
    before = last_row_id()
    assert client.get(f"/records/{general_record.pk}/").status_code == 200
    assert viewed_rows(before) == [
        (
            keyperson,
            child,
            {"via": "entry page", "record": general_record.pk, "sharings": [item.pk]},
        )
    ]


def test_the_entry_page_without_lines_logs_nothing(
    client, child, keyperson, practitioner, manager, general_record
):
    # A decision not to share is not a line of "shared with …".
    share(child, manager, [general_record], decision="not_shared", summary="It")
    client.force_login(keyperson)
    before = last_row_id()
    client.get(f"/records/{general_record.pk}/")
    assert viewed_rows(before) == []
    share(child, manager, [general_record])
    client.force_login(practitioner)
    before = last_row_id()
    client.get(f"/records/{general_record.pk}/")
    assert viewed_rows(before) == []
