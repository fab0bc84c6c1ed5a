import statistics
import time
from io import StringIO

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment

from setting_records import log_anchor
from setting_records.models import User
from setting_records.two_factor.testing import pass_second_step

SIZES = [(20, 100), (200, 100)]


class Command(BaseCommand):
    help = (
        "Benchmark the busy pages at 20x100 and 200x100 children x records, in a throwaway "
        "test database: queries and median time per page, and the ratio between the sizes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=40, help="Requests per page and size.")

    def handle(self, *args, repeat: int, **options):
        setup_test_environment()
        # As in Django's own test runs: the connection stays open across requests, as it does
        # in production with persistent connections, instead of reconnecting for each one.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        results = {}
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            with log_anchor.elsewhere():
                for children, records in SIZES:
                    call_command(
                        "seed_demo",
                        children=children,
                        records_per_child=records,
                        force=True,
                        verbosity=0,
                        stdout=StringIO(),
                    )
                    results[(children, records)] = self.measure(repeat)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        self.report(results)

    def measure(self, repeat: int) -> dict[str, tuple[int, float]]:
        out = {}
        for username in ("keyperson", "manager"):
            user = User.objects.get(username=username)
            child = (
                user.key_children.order_by("pk").first()
                or user.memberships.get().setting.children.order_by("pk").first()
            )
            if child is None:
                raise CommandError(f"The seeded demo gave {username} no child to open.")
            general = child.records.filter(sensitivity="general").order_by("pk").first()
            sensitive = child.records.filter(sensitivity="sensitive").order_by("pk").first()
            if general is None or sensitive is None:
                raise CommandError(f"{child} needs a general and a sensitive entry to open.")
            client = Client()
            client.force_login(user)
            pass_second_step(client, user)
            for label, url in [
                ("children list", "/children/"),
                ("child page", f"/children/{child.pk}/"),
                ("general record page", f"/records/{general.pk}/"),
                ("sensitive record (logged)", f"/records/{sensitive.pk}/"),
                ("home", "/"),
            ]:
                client.get(url)
                # Seeding filled the bounded query log; empty it so that the count is exact.
                reset_queries()
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url)
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}")
                timings = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    client.get(url)
                    timings.append(time.perf_counter() - started)
                out[f"{username}: {label}"] = (len(queries), statistics.median(timings))
        return out

    def report(self, results) -> None:
        small, large = SIZES
        small_label, large_label = (f"{c}x{r}" for c, r in SIZES)
        self.stdout.write(f"database: {connection.vendor}")
        self.stdout.write(
            f"{'page':<28} {'queries':>8} {'queries':>8} {'ms':>8} {'ms':>8} {'ratio':>6}"
        )
        self.stdout.write(
            f"{'':<28} {small_label:>8} {large_label:>8} {small_label:>8} {large_label:>8}"
        )
        for page, (queries_small, time_small) in results[small].items():
            queries_large, time_large = results[large][page]
            self.stdout.write(
                f"{page:<28} {queries_small:>8} {queries_large:>8} {time_small * 1000:>8.2f} "
                f"{time_large * 1000:>8.2f} {time_large / time_small:>6.2f}"
            )
