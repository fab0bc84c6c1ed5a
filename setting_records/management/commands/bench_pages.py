import re
import statistics
import time
from collections import Counter
from io import StringIO
from urllib.parse import urlencode

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, reset_queries
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment

from setting_records import access, log_anchor
from setting_records.models import User
from setting_records.two_factor.testing import pass_second_step

# children x average entries per child; each child's count differs (seed_demo --vary: from half
# to one and a half times the average), as real children's do.
SIZES = "20x20,200x100"
# A page whose time at the large size is more than this many times its time at the small one.
SLOWER = 1.3

# Pages a key person opens, then the manager (who also has the setting's lists). {child},
# {general}, {sensitive} and {search} are filled in for each user and size.
PAGES = {
    "keyperson": [
        ("dashboard", "/"),
        ("children list", "/children/"),
        ("child page (most entries)", "/children/{child}/"),
        ("general record page", "/records/{general}/"),
        ("sensitive record (logged)", "/records/{sensitive}/"),
        ("search", "/search/?{search}"),
        ("complaints list", "/complaints/"),
    ],
    "manager": [
        ("dashboard", "/"),
        ("children list", "/children/"),
        ("child page (most entries)", "/children/{child}/"),
        ("general record page", "/records/{general}/"),
        ("sensitive record (logged)", "/records/{sensitive}/"),
        ("search", "/search/?{search}"),
        ("access requests list", "/access-requests/"),
        ("rectifications list", "/rectifications/"),
        ("complaints list", "/complaints/"),
        ("grants list", "/grants/"),
    ],
}

Result = dict[str, tuple[int, float] | None]


def parse_sizes(value: str) -> list[tuple[int, int]]:
    sizes = []
    for part in value.split(","):
        match = re.fullmatch(r"\s*(\d{1,6})\s*x\s*(\d{1,6})\s*", part)
        if not match or int(match[1]) < 1:
            raise CommandError(f"--sizes: '{part}' is not CHILDRENxENTRIES, such as 200x100.")
        sizes.append((int(match[1]), int(match[2])))
    if len(sizes) != 2:
        raise CommandError("--sizes takes two sizes, small then large, such as 20x20,200x100.")
    return sizes


def common_word(user: User) -> str:
    """A word found in many of the entries ``user`` may see (for the search page): the most
    frequent word of five letters or more in a sample of their titles and texts, not counting
    the children's names (a search for a name finds the child too, and few entries)."""
    names = {
        name.lower() for name in access.visible_children(user).values_list("first_name", flat=True)
    }
    counts: Counter[str] = Counter()
    for title, body in access.visible_records(user).values_list("title", "body")[:2000]:
        counts.update(set(re.findall(r"[a-z]{5,}", f"{title} {body}".lower())) - names)
    if not counts:
        raise CommandError(f"The seeded demo gave {user.get_username()} no entries to search.")
    return counts.most_common(1)[0][0]


class Command(BaseCommand):
    help = (
        "Benchmark the busy pages at two sizes of children x entries (20x20 and 200x100 by "
        "default, each child's count differing), in a throwaway test database: queries and "
        "median time per page, the ratio between the sizes, and any page whose query count "
        "changes with the size."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repeat", type=int, default=40, help="Requests per page and size.")
        parser.add_argument(
            "--sizes",
            default=SIZES,
            help=f"Two sizes, small then large, as CHILDRENxENTRIES (default {SIZES}).",
        )

    def handle(self, *args, repeat: int, sizes: str, **options) -> None:
        if repeat < 1:
            raise CommandError("--repeat must be at least 1.")
        chosen = parse_sizes(sizes)
        setup_test_environment()
        # As in Django's own test runs: the connection stays open across requests, as it does
        # in production with persistent connections, instead of reconnecting for each one.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        results: dict[tuple[int, int], Result] = {}
        self.skipped: dict[str, str] = {}
        self.word: str | None = None
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            with log_anchor.elsewhere():
                for children, records in chosen:
                    call_command(
                        "seed_demo",
                        children=children,
                        records_per_child=records,
                        vary=True,
                        force=True,
                        verbosity=0,
                        stdout=StringIO(),
                    )
                    results[(children, records)] = self.measure(repeat)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        self.report(chosen, results)

    def measure(self, repeat: int) -> Result:
        out: Result = {}
        for username, pages in PAGES.items():
            user = User.objects.get(username=username)
            child = (
                access.visible_children(user)
                .annotate(entries=Count("records"))
                .order_by("-entries", "pk")
                .first()
            )
            if child is None:
                raise CommandError(f"The seeded demo gave {username} no child to open.")
            records = access.visible_records(user).filter(child=child).order_by("pk")
            general = records.filter(sensitivity="general").first()
            sensitive = records.filter(sensitivity="sensitive").first()
            if general is None or sensitive is None:
                raise CommandError(f"{child} needs a general and a sensitive entry to open.")
            # The same word at both sizes, so that the two searches do the same work per entry.
            self.word = self.word or common_word(user)
            values = {
                "child": child.pk,
                "general": general.pk,
                "sensitive": sensitive.pk,
                "search": urlencode({"q": self.word}),
            }
            client = Client()
            client.force_login(user)
            pass_second_step(client, user)
            for label, template in pages:
                url = template.format(**values)
                page = f"{username}: {label}"
                first = client.get(url)
                if first.status_code == 404:
                    # A page not built yet in this checkout (or not this user's): noted, not
                    # measured, so that the benchmark runs before and after it arrives.
                    self.skipped[page] = f"{template} answered 404"
                    out[page] = None
                    continue
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
                out[page] = (len(queries), statistics.median(timings))
        return out

    def report(self, sizes: list[tuple[int, int]], results: dict[tuple[int, int], Result]) -> None:
        small, large = sizes
        small_label, large_label = (f"{c}x{r}" for c, r in sizes)
        width = max(len(page) for page in results[small]) + 2
        self.stdout.write(
            f"database: {connection.vendor}; sizes: children x entries on average "
            f"(each child's count differs); search word: {self.word!r}"
        )
        self.stdout.write(
            f"{'page':<{width}} {'queries':>8} {'queries':>8} {'ms':>8} {'ms':>8} {'ratio':>6}"
        )
        self.stdout.write(
            f"{'':<{width}} {small_label:>8} {large_label:>8} {small_label:>8} {large_label:>8}"
        )
        flagged = []
        for page, measured in results[small].items():
            other = results[large].get(page)
            if measured is None or other is None:
                self.stdout.write(f"{page:<{width}} skipped: {self.skipped.get(page, '404')}")
                continue
            (queries_small, time_small), (queries_large, time_large) = measured, other
            ratio = time_large / time_small
            notes = []
            if queries_small != queries_large:
                notes.append("QUERIES DIFFER")
            if ratio > SLOWER:
                notes.append(f"over {SLOWER}x")
            if notes:
                flagged.append(page)
            self.stdout.write(
                f"{page:<{width}} {queries_small:>8} {queries_large:>8} "
                f"{time_small * 1000:>8.2f} {time_large * 1000:>8.2f} {ratio:>6.2f}"
                + (f"  <- {', '.join(notes)}" if notes else "")
            )
        if flagged:
            self.stdout.write(f"{len(flagged)} page(s) flagged: {', '.join(flagged)}")
        else:
            self.stdout.write(
                f"Every page measured costs the same queries at both sizes and is within {SLOWER}x."
            )
