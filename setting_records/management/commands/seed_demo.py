import os

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from setting_records import demo
from setting_records.models import Setting, User


class Command(BaseCommand):
    help = "Fill an empty database with a realistic demo: two settings and their staff."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Erase everything in the database first, then seed. Never use on real data.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Seed only when the database is empty; otherwise leave it alone and succeed.",
        )

    def handle(self, *args, force: bool, if_empty: bool, **options):
        if force and if_empty:
            raise CommandError("Use either --force or --if-empty, not both.")
        holds_data = User.objects.exists() or Setting.objects.exists()
        if holds_data and if_empty:
            self.stdout.write("The database already holds data; leaving it as it is.")
            return
        if holds_data and not force:
            raise CommandError(
                "The database already holds data, so no demo was added. "
                "Use --force to erase everything and seed afresh."
            )
        if holds_data:
            call_command("flush", interactive=False, verbosity=0)

        password = os.environ.get("DEMO_PASSWORD") or demo.DEFAULT_PASSWORD
        with transaction.atomic():
            staff = demo.create_staff(password=password)

        self.stdout.write(self.style.SUCCESS("Demo data created."))
        self.stdout.write(f"  {staff.first_setting}: manager, keyperson, practitioner, outsider")
        self.stdout.write(f"  {staff.second_setting}: othermanager")
        self.stdout.write(f"  Password for every demo user: {password}")
