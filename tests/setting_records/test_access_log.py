"""P13: an append-only, tamper-evident log of who looked at what and who changed access."""

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from setting_records import access_log, log_guard
from setting_records.models import AccessAction, AccessLogEntry
from tests.conftest import PASSWORD


def fill(count: int = 5) -> list[AccessLogEntry]:
    return [
        access_log.append(action=AccessAction.LOGIN_FAILED, detail={"username": f"u{n}"})
        for n in range(count)
    ]


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
    verify_fails(r"row 3 its content was changed")


@pytest.mark.django_db
def test_verify_finds_a_removed_row():
    fill(5)
    tamper(f"DELETE FROM {log_guard.TABLE} WHERE id = 2")
    verify_fails(r"row 3 row 2 is missing")


@pytest.mark.django_db
def test_verify_finds_a_removed_first_row():
    fill(3)
    tamper(f"DELETE FROM {log_guard.TABLE} WHERE id = 1")
    verify_fails(r"row 2 row 1 is missing")


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


@pytest.mark.django_db(transaction=True)
def test_flush_lifts_the_guard_and_puts_it_back():
    fill(2)
    call_command("flush", interactive=False, verbosity=0)
    assert not AccessLogEntry.objects.exists()
    fill(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLogEntry.objects.all().delete()


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
        {"action": "login_failed", "actor": None, "detail": {"username": "practitioner"}},
        {"action": "login", "actor": practitioner.pk, "detail": {}},
        {"action": "logout", "actor": practitioner.pk, "detail": {}},
    ]
    assert "wrong-one" not in str(rows)
