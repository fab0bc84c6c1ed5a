from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import flush
from django.db import connections
from django.db.backends.base.creation import TEST_DATABASE_PREFIX

from setting_records import log_anchor, log_guard
from setting_records.models import AccessLogEntry


def is_test_database(connection) -> bool:
    """Whether this is a database Django's test runner made: SQLite in memory, the name given
    as TEST NAME, or a name beginning ``test_`` (the runner's prefix; pytest-django's parallel
    workers add a suffix after it)."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and connection.creation.is_in_memory_db(name):
        return True
    test_name = (connection.settings_dict.get("TEST") or {}).get("NAME")
    return name == str(test_name) or Path(name).name.startswith(TEST_DATABASE_PREFIX)


class Command(flush.Command):
    """Django's flush, which must lift the access log's append-only guard to empty it.

    Emptying the log is for tests and a developer's own machine only (transactional tests
    between tests, ``seed_demo --force`` under ``make run``): with ``DEBUG`` off it runs only on a
    test database, and otherwise refuses before touching anything. The guard is put back
    whatever happens, and the anchor is removed, since the log now starts again from row 1.
    """

    def handle(self, **options):
        connection = connections[options["database"]]
        if not (settings.DEBUG or is_test_database(connection)):
            raise CommandError(
                "flush empties every table, the access log too, so it runs only with DEBUG on "
                f"or on a test database, and {connection.settings_dict['NAME']!r} is neither."
            )
        if log_guard.TABLE not in connection.introspection.table_names():
            return super().handle(**options)
        log_guard.drop_guard(connection)
        try:
            result = super().handle(**options)
        finally:
            log_guard.create_guard(connection)
        # Only once the log really is empty: answering "no" to flush's question leaves every
        # row, and the anchor must stay to vouch for them.
        if not AccessLogEntry.objects.using(options["database"]).exists():
            log_anchor.forget()
        return result
