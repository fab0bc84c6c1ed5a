import os

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from setting_records import app_role


class Command(BaseCommand):
    help = (
        "PostgreSQL: create (or correct) the login role the app runs as: not a superuser, not "
        "the owner, SELECT/INSERT/UPDATE/DELETE on the app's tables but only SELECT and INSERT "
        "on the access log. Run as the owner, after every migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="The role's name, e.g. records_app.")
        parser.add_argument(
            "--password-env",
            metavar="VARIABLE",
            help="Set the role's password from this environment variable (never on the "
            "command line, where other users of the machine could read it).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, role: str, password_env: str | None, database: str, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("The app's own role is for PostgreSQL; SQLite has no roles.")
        password = None
        if password_env:
            password = os.environ.get(password_env)
            if not password:
                raise CommandError(f"The environment variable {password_env} is not set.")
        try:
            with transaction.atomic(using=database), connection.cursor() as cursor:
                app_role.grant(cursor, role=role, password=password)
        except app_role.AppRoleError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Role {role} may read and write the app's tables, and only read and add to the "
            "access log."
        )
