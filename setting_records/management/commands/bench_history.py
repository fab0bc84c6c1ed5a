import statistics
import time
from io import StringIO

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import setup_test_environment

from children.models import Record
from setting_records import access_log, log_anchor
from setting_records.history import save_as
from setting_records.models import AccessAction, User


class Command(BaseCommand):
    help = (
        "Benchmark, in a throwaway test database, what history costs per save and what one "
        "access-log append costs, each as the median of several rounds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--saves", type=int, default=500)
        parser.add_argument("--rounds", type=int, default=5)

    def handle(self, *args, saves: int, rounds: int, **options):
        setup_test_environment()
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            with log_anchor.elsewhere():
                call_command("seed_demo", verbosity=0, stdout=StringIO())
                self.run(saves, rounds)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    def timed(self, work, rounds: int) -> float:
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            with transaction.atomic():
                work()
            timings.append(time.perf_counter() - started)
        return statistics.median(timings)

    def run(self, saves: int, rounds: int) -> None:
        manager = User.objects.get(username="manager")
        record = Record.objects.order_by("pk").first()

        def save(with_history: bool):
            def work():
                for n in range(saves):
                    record.body = f"Body version {n}"
                    # simple-history skips when the attribute exists at all, whatever its value.
                    if with_history:
                        record.__dict__.pop("skip_history_when_saving", None)
                    else:
                        record.skip_history_when_saving = True
                    save_as(record, actor=manager, reason="benchmark")

            return work

        def append():
            for _ in range(saves):
                access_log.append(action=AccessAction.RECORD_VIEWED, actor=manager, record=record)

        without = self.timed(save(False), rounds)
        with_history = self.timed(save(True), rounds)
        appends = self.timed(append, rounds)
        self.stdout.write(f"database: {connection.vendor}, {saves} operations x {rounds} rounds")
        self.stdout.write(f"save without history: {without / saves * 1000:.3f} ms")
        self.stdout.write(
            f"save with history:    {with_history / saves * 1000:.3f} ms "
            f"({with_history / without:.2f}x)"
        )
        self.stdout.write(f"access-log append:    {appends / saves * 1000:.3f} ms")
