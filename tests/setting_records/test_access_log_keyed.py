"""The access log against someone with database access: a keyed chain and an anchor outside it."""

import hashlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from setting_records import access_log, log_anchor, log_guard, log_key
from setting_records.models import AccessAction, AccessLogEntry, ChainScheme
from tests.setting_records.test_access_log import tamper


def append(count: int) -> list[AccessLogEntry]:
    return [access_log.append(action=AccessAction.LOGOUT, detail={"n": n}) for n in range(count)]


def committed(count: int) -> list[AccessLogEntry]:
    """Append as one transaction and run what its commit runs (the test's own never commits)."""
    entries = append(count)
    log_anchor.record_head()
    return entries


def insert_unkeyed(entry_id: int, prev_hash: str, scheme: int) -> str:
    """A row hashed with plain SHA-256, as a forger without the key (or the code before
    keying) would write it."""
    entry = AccessLogEntry(
        id=entry_id,
        at=timezone.now(),
        action=AccessAction.LOGOUT,
        detail={"n": entry_id},
        prev_hash=prev_hash,
        scheme=scheme,
    )
    entry.hash = hashlib.sha256((prev_hash + access_log.canonical(entry)).encode()).hexdigest()
    entry.save(force_insert=True)
    return entry.hash


def problem() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("verify_access_log")
    return str(failure.value)


# The key.


@pytest.mark.django_db
def test_a_new_row_is_an_hmac_under_the_key_not_a_plain_hash():
    entry = append(1)[0]
    assert entry.scheme == ChainScheme.HMAC
    content = entry.prev_hash + access_log.canonical(entry)
    assert entry.hash == log_key.mac("chain", content)
    assert entry.hash != hashlib.sha256(content.encode()).hexdigest()


@pytest.mark.django_db
def test_the_whole_chain_recomputed_without_the_key_is_caught():
    """The attack from the issue: rows removed and the chain recomputed. Without the key the
    forger can only write plain SHA-256, which a keyed row's hash never is."""
    committed(4)
    tamper(f"DELETE FROM {log_guard.TABLE}")
    prev = access_log.GENESIS
    for n in range(1, 4):
        prev = insert_unkeyed(n, prev, ChainScheme.HMAC)
    assert "row 1 was changed after it was written" in problem()


@pytest.mark.django_db
def test_rows_rewritten_as_unkeyed_are_caught_by_the_anchor():
    """Claiming every row predates keying does not help: the anchor holds the head it saw."""
    committed(3)
    tamper(f"DELETE FROM {log_guard.TABLE}")
    prev = access_log.GENESIS
    for n in range(1, 4):
        prev = insert_unkeyed(n, prev, ChainScheme.UNKEYED)
    assert "row 3 is not the row that was anchored" in problem()


@pytest.mark.django_db
def test_a_different_key_does_not_verify(settings):
    committed(2)
    settings.ACCESS_LOG_KEY = "another-deployment-key-" + "z" * 40
    assert "row 1 was changed after it was written" in problem()


@pytest.mark.django_db
def test_an_anchor_signed_with_another_key_is_not_trusted(settings):
    committed(2)
    anchor, key = log_anchor.read(), settings.ACCESS_LOG_KEY
    # The same head, signed by another deployment (or a forger's guess at the key).
    settings.ACCESS_LOG_KEY = "another-deployment-key-" + "z" * 40
    log_anchor.write(anchor)
    settings.ACCESS_LOG_KEY = key
    assert "cannot be trusted: its HMAC does not match" in problem()


# Rows written before keying began.


@pytest.mark.django_db
def test_unkeyed_rows_before_the_first_keyed_row_are_accepted(capsys):
    """Rows from before the upgrade keep their plain SHA-256: the log is never re-chained."""
    prev = access_log.GENESIS
    for n in range(1, 4):
        prev = insert_unkeyed(n, prev, ChainScheme.UNKEYED)
    committed(2)
    call_command("verify_access_log")
    out = capsys.readouterr().out
    assert out.startswith("Access log intact: 5 rows, head ")
    assert "keyed from row 4" in out


@pytest.mark.django_db
def test_an_unkeyed_row_after_keying_began_is_refused():
    committed(2)
    insert_unkeyed(3, AccessLogEntry.objects.get(id=2).hash, ChainScheme.UNKEYED)
    assert "row 3 has no key although the log is keyed from row 1" in problem()


@pytest.mark.django_db
def test_a_keyed_row_cannot_be_relabelled_unkeyed():
    """The scheme is inside a keyed row's content: changing it breaks the row's HMAC."""
    committed(2)
    tamper(f"UPDATE {log_guard.TABLE} SET scheme = 1 WHERE id = 1")
    assert "row 1 was changed after it was written" in problem()


@pytest.mark.django_db(transaction=True)
def test_the_migration_marks_existing_rows_unkeyed_and_keeps_the_guard(capsys):
    """Rows from before keying are marked, never re-chained; on SQLite the new column comes
    with a table rebuild, which drops triggers, so the migration puts the guard back."""
    graph = MigrationExecutor(connection).loader.graph
    [keyed] = [key for key in graph.nodes if key[1].endswith("_access_log_keyed_chain")]
    [before] = [key for key in graph.node_map[keyed].parents if key[0] == "setting_records"]
    MigrationExecutor(connection).migrate([before])
    prev = access_log.GENESIS
    try:
        with connection.cursor() as cursor:
            for n in (1, 2):
                content = json.dumps(
                    {
                        "id": n,
                        "at": "2026-01-05T09:00:00+00:00",
                        "actor": None,
                        "action": "logout",
                        "setting": None,
                        "child": None,
                        "record": None,
                        "detail": {},
                    },
                    sort_keys=True,
                    separators=(",", ":"),
                )
                old_hash = hashlib.sha256((prev + content).encode()).hexdigest()
                cursor.execute(
                    f"INSERT INTO {log_guard.TABLE} (id, at, action, detail, prev_hash, hash) "
                    "VALUES (%s, %s, 'logout', '{}', %s, %s)",
                    [n, "2026-01-05 09:00:00+00:00", prev, old_hash],
                )
                prev = old_hash
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert list(AccessLogEntry.objects.order_by("id").values_list("scheme", flat=True)) == [1, 1]
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {log_guard.TABLE}")
    append(1)
    call_command("verify_access_log")
    assert "3 rows" in capsys.readouterr().out
    assert AccessLogEntry.objects.get(id=3).prev_hash == prev


# The anchor.


@pytest.mark.django_db
def test_a_removed_tail_is_caught():
    committed(5)
    tamper(f"DELETE FROM {log_guard.TABLE} WHERE id > 3")
    message = problem()
    assert "the last 2 rows were removed" in message
    assert "says it held 5 rows, and it holds 3" in message


@pytest.mark.django_db
def test_one_removed_row_at_the_end_is_caught():
    committed(2)
    tamper(f"DELETE FROM {log_guard.TABLE} WHERE id = 2")
    assert "the last row was removed" in problem()


@pytest.mark.django_db
def test_an_emptied_table_is_caught():
    committed(3)
    tamper(f"DELETE FROM {log_guard.TABLE}")
    assert "the log is empty, but the anchor written" in problem()


@pytest.mark.django_db
def test_rows_after_the_anchor_are_fine(capsys):
    """The anchor may lag behind the table (a commit whose anchor is still being written)."""
    committed(3)
    append(2)
    call_command("verify_access_log")
    assert "(3 rows, 2 added since)" in capsys.readouterr().out


@pytest.mark.django_db
def test_rows_without_an_anchor_are_not_called_intact(access_log_anchor):
    append(2)
    assert not access_log_anchor.exists()
    assert "there is no anchor at" in problem()


@pytest.mark.django_db
def test_an_anchor_edited_to_match_a_shortened_table_is_caught(access_log_anchor):
    committed(4)
    fields = json.loads(access_log_anchor.read_text())
    tamper(f"DELETE FROM {log_guard.TABLE} WHERE id > 2")
    fields |= {"rows": 2, "head": AccessLogEntry.objects.get(id=2).hash}
    access_log_anchor.write_text(json.dumps(fields))
    assert "its HMAC does not match: it was altered" in problem()


@pytest.mark.django_db
def test_an_unreadable_anchor_is_named(access_log_anchor):
    committed(1)
    access_log_anchor.write_text("{not json")
    assert "cannot be trusted: it cannot be read" in problem()


@pytest.mark.django_db
def test_the_anchor_holds_the_head_signed(access_log_anchor):
    entries = committed(3)
    anchor = log_anchor.read()
    assert anchor is not None
    assert (anchor.rows, anchor.head, anchor.keyed_from) == (3, entries[-1].hash, 1)
    stored = json.loads(access_log_anchor.read_text())
    assert stored["mac"] == log_key.mac("anchor", anchor.content())
    # Written whole through a temporary file: nothing is left beside it but the lock.
    assert sorted(p.name for p in access_log_anchor.parent.iterdir()) == [
        ".access-log-anchor.json.lock",
        "access-log-anchor.json",
    ]


@pytest.mark.django_db
def test_the_anchor_never_moves_back():
    """A slower process committing an older head must not undo a newer anchor."""
    committed(3)
    newer = log_anchor.Anchor(rows=5, head="f" * 64, keyed_from=1, at=timezone.now())
    log_anchor.write(newer)
    log_anchor.record_head()
    assert log_anchor.read() == newer


@pytest.mark.django_db
def test_a_damaged_anchor_is_left_for_verify_to_report(access_log_anchor, caplog):
    """Overwriting it with the current head would hide exactly what it is there to show."""
    committed(2)
    access_log_anchor.write_text("tampered")
    append(1)
    log_anchor.record_head()
    assert access_log_anchor.read_text() == "tampered"
    assert "anchor was not moved on" in caplog.text


@pytest.mark.django_db
def test_one_anchor_write_per_transaction(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        append(4)
    assert callbacks == [log_anchor.record_head]
    assert log_anchor.read().rows == 4


@pytest.mark.django_db
def test_a_rolled_back_append_anchors_nothing(django_capture_on_commit_callbacks):
    def append_then_fail():
        with transaction.atomic():
            append(2)
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            append_then_fail()
        append(1)
    assert callbacks == [log_anchor.record_head]
    assert log_anchor.read().rows == 1


@pytest.mark.django_db(transaction=True)
def test_a_committed_append_writes_the_anchor(capsys):
    """No test transaction here: the real commit runs the real callback."""
    append(2)
    assert log_anchor.read().rows == 2
    call_command("verify_access_log")
    assert "it reaches the anchor written" in capsys.readouterr().out


def test_a_throwaway_database_is_anchored_elsewhere(settings, access_log_anchor):
    """The benchmarks' test database must never replace the real database's anchor."""
    with log_anchor.elsewhere():
        elsewhere = settings.ACCESS_LOG_ANCHOR
        assert elsewhere != access_log_anchor
        log_anchor.write(log_anchor.Anchor(rows=1, head="a" * 64, keyed_from=1, at=timezone.now()))
        assert elsewhere.exists()
    assert access_log_anchor == settings.ACCESS_LOG_ANCHOR
    assert not elsewhere.exists()
    assert not access_log_anchor.exists()
