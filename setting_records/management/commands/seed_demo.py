import os
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from access_requests import demo as requests_demo
from access_requests import demo_rectification
from children import demo as children_demo
from children import demo_sharing, demo_statements
from complaints import demo as complaints_demo
from setting_records import demo
from setting_records.models import Setting, User


class Command(BaseCommand):
    help = (
        "Fill an empty database with a realistic demo: two settings, their staff, and children, "
        "families and records at the first."
    )

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
        parser.add_argument(
            "--children",
            type=int,
            metavar="N",
            help="Instead of the hand-written demo, generate N children at the first setting "
            "(for benchmarks).",
        )
        parser.add_argument(
            "--records-per-child",
            type=int,
            metavar="M",
            help="With --children: how many records each generated child has (default 10).",
        )
        parser.add_argument(
            "--vary",
            action="store_true",
            help="With --children: give the children different numbers of records, from about "
            "half to one and a half times --records-per-child (the same total).",
        )

    def handle(
        self,
        *args,
        force: bool,
        if_empty: bool,
        children: int | None,
        records_per_child: int | None,
        vary: bool = False,
        **options,
    ):
        if force and if_empty:
            raise CommandError("Use either --force or --if-empty, not both.")
        if records_per_child is not None and children is None:
            raise CommandError("--records-per-child needs --children.")
        if vary and children is None:
            raise CommandError("--vary needs --children.")
        if children is not None and children < 1:
            raise CommandError("--children must be at least 1.")
        if records_per_child is None:
            records_per_child = 10
        if records_per_child < 0:
            raise CommandError("--records-per-child cannot be negative.")
        holds_data = User.objects.exists() or Setting.objects.exists()
        if holds_data and if_empty:
            self.stdout.write("The database already holds data; leaving it as it is.")
            self.stdout.write(self._two_factor_note())
            return
        if holds_data and not force:
            raise CommandError(
                "The database already holds data, so no demo was added. "
                "Use --force to erase everything and seed afresh."
            )
        if holds_data:
            call_command("flush", interactive=False, verbosity=0)

        password = os.environ.get("DEMO_PASSWORD") or demo.DEFAULT_PASSWORD
        started = time.perf_counter()
        with transaction.atomic():
            staff = demo.create_staff(password=password)
            if children is None:
                children_demo.create_children(staff=staff, password=password)
                demo_sharing.create_sharing(staff=staff)
                demo_statements.create_statements(staff=staff)
                requests_demo.create_requests(staff=staff)
                demo_rectification.create_rectifications(staff=staff)
                complaints_demo.seed(staff=staff)
            else:
                children_demo.create_many_children(
                    staff=staff,
                    password=password,
                    children=children,
                    records_per_child=records_per_child,
                    vary=vary,
                )
        elapsed = time.perf_counter() - started

        self.stdout.write(self.style.SUCCESS(f"Demo data created in {elapsed:.1f} s."))
        if children is not None:
            self.stdout.write(
                f"  {children} generated children with "
                f"{'on average ' if vary else ''}{records_per_child} records each "
                f"at {staff.first_setting}"
            )
        self.stdout.write(
            f"  {staff.first_setting}: manager, keyperson, practitioner, outsider, sam (SENCo), jo"
        )
        self.stdout.write(f"  {staff.second_setting}: othermanager, otherkeyperson")
        self.stdout.write(f"  Password for every demo user: {password}")
        self.stdout.write(self._two_factor_note())

    @staticmethod
    def _two_factor_note() -> str:
        return (
            "  Managers (manager, othermanager) also give a code from an authenticator app with "
            f"the key {demo.DEMO_TOTP_SECRET}:\n"
            "  add it to any authenticator app, or print the current code with\n"
            f"    {demo.DEMO_CODE_COMMAND}"
        )
