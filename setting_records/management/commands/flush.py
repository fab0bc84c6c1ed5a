from django.core.management.commands import flush
from django.db import connections

from setting_records import log_guard


class Command(flush.Command):
    """Django's flush, which must lift the access log's append-only guard to empty it.

    Used by transactional tests between tests and by ``seed_demo --force``; the guard is put
    back whatever happens.
    """

    def handle(self, **options):
        connection = connections[options["database"]]
        if log_guard.TABLE not in connection.introspection.table_names():
            return super().handle(**options)
        log_guard.drop_guard(connection)
        try:
            return super().handle(**options)
        finally:
            log_guard.create_guard(connection)
