from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from setting_records import app_role


class Command(BaseCommand):
    help = (
        "PostgreSQL, connected as the app's role: try to UPDATE, DELETE and TRUNCATE the access "
        "log and to skip its triggers, each rolled back. Exit 0 only if the database refused "
        "every one for want of privilege."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, database: str, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("The app's own role is for PostgreSQL; SQLite has no roles.")
        connection.ensure_connection()
        attempts = app_role.try_forbidden(connection.connection)
        for attempt in attempts:
            mark = "refused" if attempt.refused else "NOT REFUSED"
            self.stdout.write(f"{attempt.what}: {mark} ({attempt.answer})")
        allowed = [attempt.what for attempt in attempts if not attempt.refused]
        if allowed:
            user = connection.settings_dict["USER"]
            raise CommandError(f"The role {user} can {', '.join(allowed)}.")
        self.stdout.write("The app's role cannot change, empty or unguard the access log.")
