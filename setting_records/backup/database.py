"""Copying the database out and back in: SQLite through its online backup API, PostgreSQL through
``pg_dump -Fc`` and ``pg_restore``. Both take a consistent copy while the app keeps running."""

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.client import DatabaseClient

from setting_records.backup.manifest import BackupError

# Tables that ``migrate`` fills by itself: rows there do not make a database "hold data".
BOOKKEEPING_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission"})
# Derived tables on SQLite: a virtual table (the entries' FTS5 search index,
# children/migrations/0007_record_search) and its shadow tables hold rows as soon as the
# migration has run, made from the app's own tables and holding nothing of their own, so rows
# there do not make a database "hold data" either. SQLite names them itself
# (``PRAGMA table_list``, SQLite 3.37+), so no app's table needs naming here.
DERIVED_TABLE_TYPES = frozenset({"virtual", "shadow"})
FILE_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


@dataclass(frozen=True)
class DatabaseCopy:
    """What was copied, described from the copy itself (not from the live database)."""

    vendor: str
    server_version: str
    tables: dict[str, int]
    migrations: dict[str, list[str]]


def dump(connection: BaseDatabaseWrapper, destination: Path) -> DatabaseCopy:
    if connection.vendor == "sqlite":
        return _sqlite_dump(connection, destination)
    if connection.vendor == "postgresql":
        return _postgres_dump(connection, destination)
    raise BackupError(f"Backups of a {connection.vendor} database are not supported.")


def load(connection: BaseDatabaseWrapper, source: Path) -> None:
    """Put the copy into the configured database, which the caller has found empty."""
    if connection.vendor == "sqlite":
        _sqlite_load(connection, source)
    else:
        _postgres_load(connection, source)
    # Nothing cached on the old connection may outlive the database it saw.
    connection.close()


def tables_with_data(connection: BaseDatabaseWrapper) -> list[str]:
    with connection.cursor() as cursor:
        return [
            table
            for table in _table_names(connection.vendor, cursor)
            if table not in BOOKKEEPING_TABLES
            and table not in _derived_tables(connection.vendor, cursor)
            and _has_rows(cursor, table)
        ]


def row_counts(connection: BaseDatabaseWrapper) -> dict[str, int]:
    with connection.cursor() as cursor:
        return _row_counts(cursor, _table_names(connection.vendor, cursor))


# SQLite


def _sqlite_dump(connection: BaseDatabaseWrapper, destination: Path) -> DatabaseCopy:
    connection.ensure_connection()
    target = sqlite3.connect(destination)
    try:
        # One step: the source stays readable (and, in WAL mode, writable) throughout, and the
        # copy is of one moment.
        connection.connection.backup(target)
        # The copy stands alone: no write-ahead log beside it.
        target.execute("PRAGMA journal_mode=DELETE")
        cursor = target.cursor()
        tables = _row_counts(cursor, _table_names("sqlite", cursor))
        migrations = _migrations(cursor, tables)
    finally:
        target.close()
    return DatabaseCopy("sqlite", sqlite3.sqlite_version, tables, migrations)


def _sqlite_load(connection: BaseDatabaseWrapper, source: Path) -> None:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError(
            "The configured SQLite database is in memory: there is nowhere to restore."
        )
    connection.ensure_connection()
    copy = sqlite3.connect(source)
    try:
        # The backup API in reverse: every page of the copy replaces the (empty) database's.
        copy.backup(connection.connection)
    finally:
        copy.close()


# PostgreSQL


def _postgres_dump(connection: BaseDatabaseWrapper, destination: Path) -> DatabaseCopy:
    if connection.in_atomic_block:
        raise BackupError("A backup of PostgreSQL is taken outside any transaction.")
    server_major = connection.pg_version // 10000  # type: ignore[attr-defined]
    client_major = _tool_major("pg_dump")
    if client_major < server_major:
        raise BackupError(
            f"pg_dump is version {client_major} but the server is PostgreSQL {server_major}: "
            f"install the PostgreSQL {server_major} client tools "
            f"(postgresql-client-{server_major} on Debian)."
        )
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # pg_dump reads the very snapshot this transaction holds, and the row counts below
        # are taken in it too: the manifest describes exactly what was dumped.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        _run_tool(
            connection,
            "pg_dump",
            "--format=custom",
            f"--snapshot={snapshot}",
            f"--file={destination}",
        )
        tables = _row_counts(cursor, _table_names("postgresql", cursor))
        migrations = _migrations(cursor, tables)
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
    return DatabaseCopy("postgresql", version, tables, migrations)


def _postgres_load(connection: BaseDatabaseWrapper, source: Path) -> None:
    _tool_major("pg_restore")
    # pg_restore reads no database name from the environment; a name is no secret.
    settings_dict = connection.settings_dict
    target = settings_dict["NAME"] or f"service={settings_dict['OPTIONS'].get('service', '')}"
    # One transaction: a restore that fails half-way leaves the database as it was. Objects
    # belong to the role running the restore (the owner role); the app role's grants, held in
    # the dump, are restored with them. --clean only replaces the empty tables ``migrate`` may
    # have made.
    _run_tool(
        connection,
        "pg_restore",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        "--clean",
        "--if-exists",
        f"--dbname={target}",
        str(source),
    )


def _libpq_env(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """The connection settings as libpq environment variables: nothing secret on a command line
    (the password goes in PGPASSWORD, as Django's own dbshell does)."""
    settings_dict = connection.settings_dict
    _, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    named = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGDATABASE": settings_dict.get("NAME"),
    }
    return {**(env or {}), **{key: str(value) for key, value in named.items() if value}}


def _tool_major(tool: str) -> int:
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} is not installed. Install the PostgreSQL client tools of the server's "
            f"version (on Debian: apt-get install postgresql-client)."
        )
    result = subprocess.run(  # noqa: S603 - a fixed tool name, no shell
        [tool, "--version"], capture_output=True, text=True, check=False
    )
    found = re.search(r"(\d+)(?:\.\d+)?", result.stdout)
    if result.returncode or not found:
        raise BackupError(f"{tool} --version did not work: {result.stderr.strip()}")
    return int(found.group(1))


def _run_tool(connection: BaseDatabaseWrapper, tool: str, *arguments: str) -> None:
    result = subprocess.run(  # noqa: S603 - a fixed tool name and our own arguments, no shell
        [tool, "--no-password", *arguments],
        env={**os.environ, **_libpq_env(connection)},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise BackupError(f"{tool} failed: {result.stderr.strip() or result.stdout.strip()}")


# Both


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table_names(vendor: str, cursor) -> list[str]:
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    else:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = ANY(current_schemas(false))"
        )
    return sorted(name for (name,) in cursor.fetchall())


def _derived_tables(vendor: str, cursor) -> set[str]:
    """SQLite's virtual tables and their shadow tables (none on PostgreSQL)."""
    if vendor != "sqlite":
        return set()
    cursor.execute("PRAGMA table_list")
    return {row[1] for row in cursor.fetchall() if row[2] in DERIVED_TABLE_TYPES}


def _has_rows(cursor, table: str) -> bool:
    cursor.execute(f"SELECT 1 FROM {_quote(table)} LIMIT 1")  # noqa: S608 - a quoted table name
    return cursor.fetchone() is not None


def _row_counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - a quoted table name
        counts[table] = cursor.fetchone()[0]
    return counts


def _migrations(cursor, tables: dict[str, int]) -> dict[str, list[str]]:
    if "django_migrations" not in tables:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied
