import datetime
import random
import statistics
import time
from io import StringIO

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from children.models import Child, Nature, Record, RecordKind, Sensitivity
from children.search import results_page, search_records
from children.search_views import ENTRIES_PER_PAGE
from setting_records import log_anchor
from setting_records.models import User
from setting_records.two_factor.testing import pass_second_step

# Words every setting writes often, and a long tail of rarer ones (made up, so that each
# appears in few entries): the searches below ask for both kinds.
COMMON = (  # noqa: SIM905 - a sentence reads better than a list of 47 strings
    "played outside with friends today and enjoyed the sand water garden painting story "
    "lunch snack nap tired happy upset tearful shared toys climbing frame blocks tower "
    "puzzle songs counting letters name mother father collected dropped off morning "
    "afternoon settled quickly language words sentence talked about home weekend"
).split()
SYLLABLES = "ba be bo ka ki ko la li lo ma mi mo na ni no ra ri ro sa si so ta ti to va vi"
SYLLABLES_LIST = SYLLABLES.split(" ")
COMMON_QUERIES = ["played", "friends", "painting", "tower blocks", "tired", "garden"]
BATCH = 5000


def _tail(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES_LIST) for _ in range(rng.randint(3, 4))))
    return sorted(words)


class Command(BaseCommand):
    help = (
        "Benchmark search in a throwaway test database: seed N entries over a few hundred "
        "children, then report the median time of searches for common and rare words, for a "
        "manager and a key person, through the function the view uses (and the view once)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=200_000)
        parser.add_argument("--children", type=int, default=300)
        parser.add_argument("--repeat", type=int, default=20, help="Searches per word and user.")

    def handle(self, *args, entries: int, children: int, repeat: int, **options):
        setup_test_environment()
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            with log_anchor.elsewhere():
                started = time.perf_counter()
                rare = self.seed(entries, children)
                seeded = time.perf_counter() - started
                self.stdout.write(
                    f"database: {connection.vendor}; {Record.objects.count()} entries over "
                    f"{Child.objects.count()} children, seeded in {seeded:.0f} s"
                )
                self.measure(rare, repeat)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    def seed(self, entries: int, children: int) -> list[str]:
        call_command(
            "seed_demo",
            children=children,
            records_per_child=1,
            force=True,
            verbosity=0,
            stdout=StringIO(),
        )
        rng = random.Random(2026)  # noqa: S311 - benchmark data, not security
        tail = _tail(rng, 20_000)
        # Zipf-like: the first words of the tail are used far more than the last.
        weights = [1 / (rank + 1) for rank in range(len(tail))]
        kids = list(Child.objects.select_related("key_person").filter(key_person__isnull=False))
        # Per-child counts differ on purpose: some children have many more entries.
        child_weights = [rng.choice((1, 1, 2, 5)) for _ in kids]
        now = timezone.now()
        made = 0
        while made < entries:
            size = min(BATCH, entries - made)
            owners = rng.choices(kids, weights=child_weights, k=size)
            tails = rng.choices(tail, weights=weights, k=size * 6)
            batch = []
            for index, child in enumerate(owners):
                words = rng.choices(COMMON, k=rng.randint(15, 50))
                words += tails[index * 6 : index * 6 + 6]
                rng.shuffle(words)
                batch.append(
                    Record(
                        child=child,
                        kind=RecordKind.OBSERVATION,
                        sensitivity=(
                            Sensitivity.SENSITIVE if rng.random() < 0.2 else Sensitivity.GENERAL
                        ),
                        nature=Nature.FACT,
                        title=" ".join(rng.choices(COMMON, k=3)).capitalize(),
                        body=" ".join(words).capitalize() + ".",
                        occurred_at=now - datetime.timedelta(minutes=rng.randint(60, 1_500_000)),
                        author=child.key_person,
                    )
                )
            bulk_create_with_history(batch, Record, default_change_reason="Written")
            made += size
        # What autovacuum does after a load this size, before the first searches a setting
        # would make: statistics for the planner, and the GIN index's pending entries merged.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        # Rare words: from along the tail, each in a handful of entries (a few dozen at most).
        return [tail[rank] for rank in (3000, 5000, 8000, 12000, 15000, 19000)]

    def time_search(self, user: User, query: str, repeat: int) -> float:
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            list(results_page(user, query, 1, ENTRIES_PER_PAGE).object_list)
            timings.append(time.perf_counter() - started)
        return statistics.median(timings)

    def measure(self, rare: list[str], repeat: int) -> None:
        self.stdout.write(f"{'user':<10} {'words':<8} {'found':>8} {'median ms':>10}")
        for username in ("manager", "keyperson"):
            user = User.objects.get(username=username)
            for label, queries in (("common", COMMON_QUERIES), ("rare", rare)):
                medians, found = [], []
                for query in queries:
                    found.append(search_records(user, query).count())
                    medians.append(self.time_search(user, query, repeat))
                self.stdout.write(
                    f"{username:<10} {label:<8} {statistics.median(found):>8.0f} "
                    f"{statistics.median(medians) * 1000:>10.2f}"
                )
            client = Client()
            client.force_login(user)
            pass_second_step(client, user)
            url = f"/search/?q={COMMON_QUERIES[0]}"
            client.get(url)
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                took = time.perf_counter() - started
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}")
            self.stdout.write(
                f"{username:<10} the page {url}: {len(captured)} queries, {took * 1000:.1f} ms"
            )
