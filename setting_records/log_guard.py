"""The database's own guard on the access log: UPDATE and DELETE (and TRUNCATE on PostgreSQL)
are refused by triggers. Plain SQL with no model imports, so that migrations can use it as it is.

Only ``flush`` (tests, and ``seed_demo --force``) lifts the guard, and puts it back at once.
"""

TABLE = "setting_records_accesslogentry"

_SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS access_log_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'The access log is append-only.'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS access_log_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'The access log is append-only.'); END""",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS access_log_no_update",
    "DROP TRIGGER IF EXISTS access_log_no_delete",
]
_POSTGRES_CREATE = [
    """CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'The access log is append-only.'; END; $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION access_log_append_only()""",
    f"""CREATE OR REPLACE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only()""",
]
_POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS access_log_no_change ON {TABLE}",
    f"DROP TRIGGER IF EXISTS access_log_no_truncate ON {TABLE}",
]


def _run(schema_connection, statements: list[str]) -> None:
    with schema_connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def create_guard(schema_connection) -> None:
    vendor = schema_connection.vendor
    _run(schema_connection, _POSTGRES_CREATE if vendor == "postgresql" else _SQLITE_CREATE)


def drop_guard(schema_connection) -> None:
    vendor = schema_connection.vendor
    _run(schema_connection, _POSTGRES_DROP if vendor == "postgresql" else _SQLITE_DROP)
