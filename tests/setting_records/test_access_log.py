"""P13: an append-only, tamper-evident log of who looked at what and who changed access."""

import hashlib
import threading
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from setting_records import access_log, log_anchor, log_guard
from setting_records.management.commands.flush import is_test_database
from setting_records.models import AccessAction, AccessLogEntry
from tests.conftest import PASSWORD


def fill(count: int = 5) -> list[AccessLogEntry]:
    entries = [
        access_log.append(action=AccessAction.LOGIN_FAILED, detail={"username_hmac": f"u{n}"})
        for n in range(count)
    ]
    # What the commit would do; these tests run inside one transaction that never commits.
    log_anchor.record_head()
    return entries


def tamper(sql: str, params=()) -> None:
    """What someone with database access would do: lift the guard, change rows, put it back."""
    log_guard.drop_guard(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    log_guard.create_guard(connection)


def verify_fails(match: str):
    with pytest.raises(CommandError, match=match):
        call_command("verify_access_log")


@pytest.mark.django_db
def test_nul_characters_never_reach_the_stored_detail():
    """What people type (a page number, a search) goes into a row's detail; PostgreSQL's jsonb
    cannot hold a NUL, so it is taken out, at any depth, before the row is sealed."""
    entry = access_log.append(
        action=AccessAction.LOGIN_FAILED,
        detail={"page": "2\x00", "filters\x00": {"who": ["a\x00b", 3]}, "n": 1},
    )
    entry.refresh_from_db()
    assert entry.detail == {"page": "2", "filters": {"who": ["ab", 3]}, "n": 1}
    # Sealed over what was stored, so the chain still checks out.
    assert entry.hash == access_log.chain_hash(entry.prev_hash, entry)


@pytest.mark.django_db
def test_rows_chain_from_the_first(capsys):
    first, second, third = fill(3)
    assert first.prev_hash == access_log.GENESIS
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert [first.id, second.id, third.id] == [1, 2, 3]
    call_command("verify_access_log")
    assert capsys.readouterr().out.startswith("Access log intact: 3 rows, head ")


@pytest.mark.django_db
def test_an_empty_log_is_intact(capsys):
    call_command("verify_access_log")
    assert "no rows yet" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {log_guard.TABLE} SET action = 'logout'",
        f"DELETE FROM {log_guard.TABLE}",
        f"UPDATE {log_guard.TABLE} SET hash = 'x' WHERE id = 2",
    ],
)
def test_the_database_refuses_changes(statement):
    fill(3)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AccessLogEntry.objects.count() == 3


@pytest.mark.django_db
def test_the_orm_is_refused_too():
    entry = fill(1)[0]
    entry.action = AccessAction.LOGOUT
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLogEntry.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_truncate_is_refused_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL; this runs in CI's PostgreSQL pass")
    fill(2)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"TRUNCATE {log_guard.TABLE}")


@pytest.mark.django_db
def test_verify_finds_an_altered_row():
    fill(5)
    tamper(f"UPDATE {log_guard.TABLE} SET detail = %s WHERE id = 3", ['{"username": "nobody"}'])
    verify_fails(r"row 3 was changed after it was written")


@pytest.mark.django_db
def test_verify_finds_a_removed_row():
    fill(5)
    tamper(f"DELETE FROM {log_guard.TABLE} WHERE id = 2")
    verify_fails(r"row 2 is missing \(the next row is 3\)")


@pytest.mark.django_db
def test_verify_finds_a_removed_first_row():
    fill(3)
    tamper(f"DELETE FROM {log_guard.TABLE} WHERE id = 1")
    verify_fails(r"row 1 is missing \(the next row is 2\)")


@pytest.mark.django_db
def test_verify_finds_reordered_rows():
    fill(5)
    # Swap rows 2 and 4, ids and all, as a forger would to change the order of events.
    for old, new in [(2, -1), (4, 2), (-1, 4)]:
        tamper(f"UPDATE {log_guard.TABLE} SET id = %s WHERE id = %s", [new, old])
    verify_fails(r"row 2 ")


@pytest.mark.django_db
def test_verify_finds_a_rehashed_forgery():
    """Recomputing one row's hash after changing it still breaks the next row's link."""
    fill(4)
    entry = AccessLogEntry.objects.get(id=2)
    entry.detail = {"username": "forged"}
    forged_hash = access_log.chain_hash(entry.prev_hash, entry)
    tamper(
        f"UPDATE {log_guard.TABLE} SET detail = %s, hash = %s WHERE id = 2",
        ['{"username": "forged"}', forged_hash],
    )
    verify_fails(r"row 3 does not follow the row before it")


@pytest.mark.django_db
def test_verify_finds_a_changed_row_whose_hash_was_rehashed_without_the_key():
    """Without the key, a forger's own hash for a changed row is not the row's HMAC."""
    fill(3)
    entry = AccessLogEntry.objects.get(id=3)
    entry.detail = {"username": "forged"}
    unkeyed = hashlib.sha256((entry.prev_hash + access_log.canonical(entry)).encode()).hexdigest()
    tamper(
        f"UPDATE {log_guard.TABLE} SET detail = %s, hash = %s WHERE id = 3",
        ['{"username": "forged"}', unkeyed],
    )
    verify_fails(r"row 3 was changed after it was written \(or its hash was recomputed")


@pytest.mark.django_db(transaction=True)
def test_flush_lifts_the_guard_and_puts_it_back(access_log_anchor):
    fill(2)
    assert access_log_anchor.exists()
    call_command("flush", interactive=False, verbosity=0)
    assert not AccessLogEntry.objects.exists()
    # The log starts again from row 1, so the old head is no longer the one to reach.
    assert not access_log_anchor.exists()
    fill(1)
    call_command("verify_access_log")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLogEntry.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_flush_answered_no_keeps_the_log_and_its_anchor(monkeypatch, access_log_anchor):
    fill(2)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    call_command("flush", interactive=True, verbosity=0)
    assert AccessLogEntry.objects.count() == 2
    assert access_log_anchor.exists()
    call_command("verify_access_log")


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork_the_chain():
    """Threads on their own connections append at once; the chain stays one line."""
    if connection.vendor != "postgresql":
        pytest.skip("Needs concurrent connections to a real server; runs in CI's PostgreSQL pass")
    threads, per_thread = 8, 25
    start = threading.Barrier(threads)
    errors = []

    def work(n: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                access_log.append(action=AccessAction.LOGIN_FAILED, detail={"thread": n, "i": i})
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors
    assert AccessLogEntry.objects.count() == threads * per_thread
    prev_hashes = list(AccessLogEntry.objects.values_list("prev_hash", flat=True))
    assert len(set(prev_hashes)) == len(prev_hashes)
    assert access_log.verify().intact


def test_logins_failures_and_logouts_are_logged_without_secrets(client, practitioner):
    client.post("/accounts/login/", {"username": "practitioner", "password": "wrong-one"})
    client.post("/accounts/login/", {"username": "practitioner", "password": PASSWORD})
    client.post("/accounts/logout/")
    signs = AccessLogEntry.objects.filter(action__in=["login_failed", "login", "logout"])
    rows = list(signs.order_by("id").values("action", "actor", "detail"))
    assert rows == [
        {"action": "login_failed", "actor": practitioner.pk, "detail": {}},
        {"action": "login", "actor": practitioner.pk, "detail": {}},
        {"action": "logout", "actor": practitioner.pk, "detail": {}},
    ]
    assert "wrong-one" not in str(rows)


@pytest.mark.django_db
def test_flush_refuses_outside_tests_with_debug_off(monkeypatch, settings, access_log_anchor):
    """A production database (any name the test runner would not give) is never flushed."""
    fill(2)
    settings.DEBUG = False
    with monkeypatch.context() as patch:
        patch.setitem(connection.settings_dict, "NAME", "records")
        with pytest.raises(CommandError, match="runs only with DEBUG on or on a test database"):
            call_command("flush", interactive=False, verbosity=0)
    assert AccessLogEntry.objects.count() == 2
    assert access_log_anchor.exists()
    # The guard was never lifted.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLogEntry.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_flush_runs_with_debug_on_whatever_the_name(monkeypatch, settings):
    """make run's seed_demo --force (DEBUG=1) empties a developer's own database."""
    fill(2)
    settings.DEBUG = True
    with monkeypatch.context() as patch:
        patch.setitem(connection.settings_dict, "NAME", "records")
        call_command("flush", interactive=False, verbosity=0)
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize(
    ("vendor", "name", "test_name", "expected"),
    [
        ("postgresql", "test_records", None, True),
        ("postgresql", "test_records_gw1", None, True),
        ("postgresql", "records", None, False),
        ("postgresql", "records_ci", "records_ci", True),
        ("postgresql", "latest_records", None, False),
        ("sqlite", "file:memorydb_default?mode=memory&cache=shared", None, True),
        ("sqlite", "/srv/records/db.sqlite3", None, False),
        ("sqlite", "/srv/records/test_db.sqlite3", None, True),
    ],
)
def test_what_counts_as_a_test_database(vendor, name, test_name, expected):
    fake = SimpleNamespace(
        vendor=vendor,
        settings_dict={"NAME": name, "TEST": {"NAME": test_name}},
        creation=SimpleNamespace(is_in_memory_db=lambda n: "mode=memory" in n),
    )
    assert is_test_database(fake) is expected
