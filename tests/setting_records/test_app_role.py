"""On PostgreSQL the app runs as its own role, which may only read and add to the access log."""

import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from setting_records import access_log, app_role, log_guard
from setting_records.models import AccessAction

PASSWORD = "app-role-test-password"


def needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("Database roles exist only on PostgreSQL; this runs in CI's PostgreSQL pass")


@pytest.fixture
def role(monkeypatch):
    """A fresh app role in the test database, dropped afterwards (roles outlive databases)."""
    needs_postgresql()
    name = f"records_app_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("APP_ROLE_TEST_PASSWORD", PASSWORD)
    call_command("grant_app_role", name, password_env="APP_ROLE_TEST_PASSWORD", verbosity=0)
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{name}"')
        cursor.execute(f'DROP ROLE "{name}"')


@pytest.fixture
def as_role(role):
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=role,
        password=PASSWORD,
        autocommit=True,
    ) as raw:
        yield raw


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_app_role_cannot_change_empty_or_unguard_the_log(as_role):
    access_log.append(action=AccessAction.LOGOUT)
    attempts = app_role.try_forbidden(as_role)
    assert [a.what for a in attempts if not a.refused] == []
    assert len(attempts) == 4
    assert all("permission denied" in a.answer for a in attempts)
    with as_role.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {log_guard.TABLE}")
        assert cursor.fetchone() == (1,)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_app_role_reads_and_writes_the_other_tables_and_adds_to_the_log(as_role):
    with as_role.cursor() as cursor:
        # Each statement touches no row, so the table's columns do not matter; privileges do.
        for statement in [
            "INSERT INTO setting_records_setting SELECT * FROM setting_records_setting WHERE false",
            "UPDATE setting_records_setting SET name = name WHERE false",
            "DELETE FROM setting_records_setting WHERE false",
        ]:
            cursor.execute(statement)
        # Every other table of the app, by the catalogue.
        cursor.execute(
            "SELECT relname, has_table_privilege(oid, 'SELECT') "
            "AND has_table_privilege(oid, 'INSERT') AND has_table_privilege(oid, 'UPDATE') "
            "AND has_table_privilege(oid, 'DELETE') FROM pg_class "
            "WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r' "
            "AND relname <> %s",
            [log_guard.TABLE],
        )
        tables = dict(cursor.fetchall())
        assert "children_record" in tables
        assert [name for name, all_four in tables.items() if not all_four] == []
        cursor.execute(
            f"INSERT INTO {log_guard.TABLE} (id, at, action, detail, prev_hash, hash, scheme) "
            "VALUES (1, now(), 'logout', '{}', %s, %s, 2)",
            [access_log.GENESIS, "a" * 64],
        )
        cursor.execute("SELECT pg_advisory_xact_lock(1)")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_catalogue_shows_nothing_more_and_granting_again_changes_nothing(role):
    with connection.cursor() as cursor:
        assert app_role.standing_problems(cursor, role=role) == []
    call_command("grant_app_role", role, verbosity=0)
    with connection.cursor() as cursor:
        assert app_role.standing_problems(cursor, role=role) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_superuser_is_caught_by_the_check():
    """As the owner (a superuser here) the same tries are not refused for want of privilege:
    only the trigger stops the UPDATE, and nothing stops the SET."""
    needs_postgresql()
    connection.ensure_connection()
    attempts = app_role.try_forbidden(connection.connection)
    assert [a.refused for a in attempts] == [False] * 4
    with pytest.raises(CommandError, match="can UPDATE the access log"):
        call_command("check_app_role", verbosity=0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_role_running_the_command_is_not_made_the_app_role():
    needs_postgresql()
    with pytest.raises(CommandError, match="the app's role must be another"):
        call_command("grant_app_role", connection.settings_dict["USER"], verbosity=0)


def test_sqlite_has_no_roles(db):
    if connection.vendor != "sqlite":
        pytest.skip("The refusal is SQLite's")
    with pytest.raises(CommandError, match="SQLite has no roles"):
        call_command("grant_app_role", "records_app")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_role_that_belongs_to_the_owner_is_refused(role):
    """Membership of the owner would let it SET ROLE and do anything the owner can."""
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT "{connection.settings_dict["USER"]}" TO "{role}"')
    with pytest.raises(CommandError, match="it is, or belongs to, the log's owner"):
        call_command("grant_app_role", role, verbosity=0)
