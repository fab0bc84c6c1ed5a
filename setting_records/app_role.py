"""The PostgreSQL role the app runs as: not a superuser, not the owner of its tables, and allowed
only SELECT and INSERT on the access log.

Migrations run as the owner; the app connects as this role. So even through the app's own
connection the log cannot be changed or emptied, and its triggers cannot be skipped
(``session_replication_role`` needs a superuser). The triggers (log_guard.py) stay as the
second line, for whoever holds the owner's password.
"""

from dataclasses import dataclass

import psycopg
from psycopg import sql

from setting_records.log_guard import TABLE

INSUFFICIENT_PRIVILEGE = "42501"

# What the app role must never be able to do, each tried in a transaction that is rolled back.
FORBIDDEN: dict[str, sql.SQL | sql.Composed] = {
    "UPDATE the access log": sql.SQL("UPDATE {} SET action = action").format(sql.Identifier(TABLE)),
    "DELETE from the access log": sql.SQL("DELETE FROM {}").format(sql.Identifier(TABLE)),
    "TRUNCATE the access log": sql.SQL("TRUNCATE {}").format(sql.Identifier(TABLE)),
    "skip the triggers": sql.SQL("SET LOCAL session_replication_role = replica"),
}


class AppRoleError(Exception):
    pass


def grant(cursor, *, role: str, password: str | None) -> None:
    """Create the role if need be, and give it what the app needs and no more.

    Run as the owner of the tables (or a superuser), after every ``migrate``: tables made later
    are covered by default privileges, but running it again puts everything right regardless.
    """
    name = sql.Identifier(role)
    cursor.execute("SELECT current_user, current_schema()")
    owner, schema_name = cursor.fetchone()
    if role == owner:
        raise AppRoleError(f"{role} is the role running this; the app's role must be another.")
    schema = sql.Identifier(schema_name)
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    if cursor.fetchone() is None:
        cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(name))
    cursor.execute(
        sql.SQL(
            "ALTER ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
        ).format(name)
    )
    if password:
        cursor.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(name, sql.Literal(password)))
    statements = [
        "GRANT CONNECT ON DATABASE {database} TO {role}",
        "GRANT USAGE ON SCHEMA {schema} TO {role}",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        "REVOKE ALL ON TABLE {log} FROM {role}",
        "GRANT SELECT, INSERT ON TABLE {log} TO {role}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        "GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}",
    ]
    cursor.execute("SELECT current_database()")
    database = sql.Identifier(cursor.fetchone()[0])
    for statement in statements:
        cursor.execute(
            sql.SQL(statement).format(
                database=database, schema=schema, role=name, log=sql.Identifier(TABLE)
            )
        )
    problems = standing_problems(cursor, role=role)
    if problems:
        raise AppRoleError(f"{role} can still do too much: {'; '.join(problems)}.")


def standing_problems(cursor, *, role: str) -> list[str]:
    """What the catalogue says the role could do to the log (through any role it belongs to)."""
    cursor.execute(
        """SELECT r.rolsuper, r.rolbypassrls, pg_get_userbyid(t.relowner),
                  pg_has_role(r.rolname, t.relowner, 'MEMBER'),
                  has_table_privilege(r.rolname, t.oid, 'UPDATE'),
                  has_table_privilege(r.rolname, t.oid, 'DELETE'),
                  has_table_privilege(r.rolname, t.oid, 'TRUNCATE'),
                  has_table_privilege(r.rolname, t.oid, 'TRIGGER')
           FROM pg_roles r, pg_class t
           WHERE r.rolname = %s AND t.relname = %s
             AND t.relnamespace = current_schema()::regnamespace""",
        [role, TABLE],
    )
    row = cursor.fetchone()
    if row is None:
        return [f"there is no role {role} or no table {TABLE}"]
    superuser, bypass, owner, member_of_owner, *privileges = row
    problems = [
        text
        for bad, text in [
            (superuser, "it is a superuser"),
            (bypass, "it bypasses row security"),
            (member_of_owner, f"it is, or belongs to, the log's owner {owner}"),
        ]
        if bad
    ]
    names = ["UPDATE", "DELETE", "TRUNCATE", "TRIGGER"]
    held = [name for name, has in zip(names, privileges, strict=True) if has]
    problems += [f"it has {name} on the log" for name in held]
    return problems


@dataclass(frozen=True)
class Attempt:
    what: str
    refused: bool
    answer: str


def try_forbidden(raw_connection: psycopg.Connection) -> list[Attempt]:
    """Try each forbidden statement on a connection as the app role; nothing is kept. Refused
    means refused for want of privilege, not stopped by a trigger (the second line)."""
    attempts = []
    for what, statement in FORBIDDEN.items():
        try:
            with raw_connection.transaction(force_rollback=True), raw_connection.cursor() as cur:
                cur.execute(statement)
        except psycopg.Error as error:
            refused = error.sqlstate == INSUFFICIENT_PRIVILEGE
            attempts.append(Attempt(what, refused, str(error).strip().splitlines()[0]))
        else:
            attempts.append(Attempt(what, False, "it was allowed"))
    return attempts
