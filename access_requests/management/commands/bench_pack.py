"""Time the record pack against the cheapest WeasyPrint can do with the same text.

    python manage.py bench_pack [--entries 500] [--runs 3]

Each measurement runs in a fresh process (this command again, with the hidden ``--measure``),
so that one render's memory cannot hide inside another's peak. Time is the wall-clock time of
the render call only, after a one-entry warm-up render in the same process: a worker that has
made one pack has paid for importing WeasyPrint and loading fonts, and that cost is the same for
both documents. The process's CPU time is printed too: on a busy machine it moves less than the
wall-clock time, and the goal applies to the wall-clock ratio.

Memory is the peak resident set size of the measuring process
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``), so it includes Python, Django and WeasyPrint
themselves; the baseline after the warm-up is printed beside it.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from html import escape
from io import BytesIO

from django.conf import settings
from django.core.management.base import BaseCommand
from weasyprint import HTML

from access_requests.pdf import (
    PACK_BASE_URL,
    PackContent,
    PackEntry,
    PackStatement,
    StaticOnlyURLFetcher,
    render_pack,
)

KINDS = ["Observation", "Progress", "Well-being", "Concern", "Meeting note", "Incident", "Other"]
# Held as text and split below: nursery-record words in a list would fill a screen.
SAMPLE_TEXT = (
    "played outside with friends and shared the bikes today then chose a story about "
    "dinosaurs counted the steps to the garden gate used a spoon independently at lunch "
    "asked for help when the puzzle was tricky settled quickly after drop off talked "
    "about the new baby at home painted a large picture with blue and yellow sang every "
    "song at circle time was tired after the trip and slept for an hour"
)
WORDS = SAMPLE_TEXT.split()
GOAL_RATIO = 2.0
GOAL_PEAK_MB = 250

# The floor: every word of the pack as bare paragraphs, under the same page and footer.
FLOOR_STYLE = """
@page {
  size: A4;
  margin: 18mm 18mm 24mm;
  @bottom-left { content: "SAR-BENCH-0001"; font: 8pt "DejaVu Sans", sans-serif; }
  @bottom-center { content: "Confidential \\2014  copy for Bench Parent";
                   font: bold 8pt "DejaVu Sans", sans-serif; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages);
                  font: 8pt "DejaVu Sans", sans-serif; }
}
html { font: 10pt/1.45 "DejaVu Sans", sans-serif; }
p { margin: 0 0 2mm; }
"""


def words(seed: int, count: int) -> str:
    chosen = [WORDS[(seed * 31 + position * 7) % len(WORDS)] for position in range(count)]
    sentences = [" ".join(chosen[start : start + 12]) for start in range(0, count, 12)]
    return ". ".join(sentence.capitalize() for sentence in sentences) + "."


def bench_content(entries: int) -> PackContent:
    start = datetime(2024, 9, 2, 9, 0, tzinfo=UTC)
    return PackContent(
        reference="SAR-BENCH-0001",
        child_name="Bench Child",
        child_date_of_birth=date(2021, 5, 17),
        prepared_for="Bench Parent",
        prepared_by="Bench Manager",
        meeting_date=date(2025, 7, 1),
        setting_name="Little Acorns Nursery",
        watermark="Working copy — not to be handed over",
        entries=[
            PackEntry(
                title=words(number + 1000, 6),
                kind_label=KINDS[number % len(KINDS)],
                occurred_at=start + timedelta(hours=7 * number),
                author_name="Sam Practitioner",
                nature_label="Opinion or professional judgement" if number % 3 else "Fact",
                source_label="A third party" if number % 25 == 0 else "The setting",
                body=words(number, 80),
                withheld_reason=(
                    "given in confidence by another professional" if number % 25 == 0 else None
                ),
                parent_statements=(
                    [
                        PackStatement(
                            made_by="Farah Khan",
                            made_on=(start + timedelta(hours=7 * number)).date(),
                            taken_how="In a meeting",
                            words=words(number + 2000, 30),
                        )
                    ]
                    if number % 10 == 5
                    else []
                ),
            )
            for number in range(entries)
        ],
    )


def floor_html(content: PackContent) -> str:
    paragraphs = []
    for entry in content.entries:
        paragraphs += [
            entry.title,
            f"{entry.occurred_at:%d %B %Y, %H:%M} · Written by {entry.author_name} · "
            f"{entry.nature_label} · Source: {entry.source_label}",
            *(statement.words for statement in entry.parent_statements),
            f"[withheld — {entry.withheld_reason}]" if entry.withheld_reason else entry.body,
        ]
    body = "".join(f"<p>{escape(text)}</p>" for text in paragraphs)
    return f"<!doctype html><html lang='en-GB'><style>{FLOOR_STYLE}</style><body>{body}</body>"


def render_floor(content: PackContent) -> bytes:
    return HTML(
        string=floor_html(content), base_url=PACK_BASE_URL, url_fetcher=StaticOnlyURLFetcher()
    ).write_pdf()


def page_count(pdf: bytes) -> int | None:
    try:
        from pypdf import PdfReader
    except ImportError:  # pypdf comes with the test extras only
        return None
    return len(PdfReader(BytesIO(pdf)).pages)


def peak_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "Time the record pack PDF against bare WeasyPrint paragraphs of the same text."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--entries", type=int, default=500)
        parser.add_argument("--runs", type=int, default=3)
        # One measurement, in the process that runs it; the parent command starts these.
        parser.add_argument("--measure", choices=["pack", "floor"], help=argparse.SUPPRESS)

    def handle(self, *args: object, entries: int, runs: int, measure: str | None, **options):
        if measure:
            self.stdout.write(json.dumps(self.measure_once(measure, entries)))
            return

        # Interleaved, so that whatever else the machine is doing weighs on both alike.
        all_samples: dict[str, list[dict]] = {"floor": [], "pack": []}
        for _ in range(runs):
            for document, samples in all_samples.items():
                samples.append(self.run_measurement(document, entries))
        results = {}
        for document, samples in all_samples.items():
            result = results[document] = {
                "seconds": statistics.median(sample["seconds"] for sample in samples),
                "cpu_seconds": statistics.median(sample["cpu_seconds"] for sample in samples),
                "peak_mb": max(sample["peak_mb"] for sample in samples),
                "baseline_mb": max(sample["baseline_mb"] for sample in samples),
                "pages": samples[0]["pages"],
            }
            times = ", ".join(f"{sample['seconds']:.2f}" for sample in samples)
            self.stdout.write(
                f"{document:>5}: median {result['seconds']:.2f} s of {runs} ({times}), "
                f"CPU {result['cpu_seconds']:.2f} s, "
                f"peak RSS {result['peak_mb']:.0f} MB "
                f"(baseline after warm-up {result['baseline_mb']:.0f} MB), "
                f"{result['pages']} pages"
            )

        ratio = results["pack"]["seconds"] / results["floor"]["seconds"]
        cpu_ratio = results["pack"]["cpu_seconds"] / results["floor"]["cpu_seconds"]
        peak = results["pack"]["peak_mb"]
        self.stdout.write(
            f"ratio pack/floor {ratio:.2f} wall, {cpu_ratio:.2f} CPU (goal <= {GOAL_RATIO}); "
            f"pack peak {peak:.0f} MB (goal < {GOAL_PEAK_MB} MB); "
            "memory is the peak RSS of a fresh process per measurement (ru_maxrss)"
        )
        if ratio > GOAL_RATIO or peak >= GOAL_PEAK_MB:
            self.stdout.write(self.style.WARNING("Outside the goal."))
        else:
            self.stdout.write(self.style.SUCCESS("Within the goal."))

    def measure_once(self, document: str, entries: int) -> dict[str, float | int | None]:
        render = render_pack if document == "pack" else render_floor
        render(bench_content(1))
        baseline = peak_mb()
        content = bench_content(entries)
        started, started_cpu = time.perf_counter(), time.process_time()
        pdf = render(content)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - started_cpu
        return {
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "peak_mb": peak_mb(),
            "baseline_mb": baseline,
            "pages": page_count(pdf),
        }

    def run_measurement(self, document: str, entries: int) -> dict[str, float]:
        command = [sys.executable, "-m", "django", "bench_pack"]
        command += ["--measure", document, "--entries", str(entries)]
        # Our own interpreter running this command again, with arguments we built: nothing here
        # comes from outside.
        completed = subprocess.run(  # noqa: S603
            command,
            cwd=settings.BASE_DIR,
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(completed.stdout.strip().splitlines()[-1])
