from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from setting_records import access_log


class Command(BaseCommand):
    help = (
        "Walk the access log's keyed hash chain from the first row and hold its end against the "
        "anchor kept outside the database. Exit 0 with a one-line summary when intact; "
        "otherwise say what was found: a row altered, removed or moved, rows rewritten without "
        "the key, a removed tail or an emptied table. The result is logged as a row of its own "
        '(the log page\'s "last check"), after the walk, so the walk never counts it.'
    )

    def handle(self, *args, **options):
        verdict, _ = access_log.check()
        if not verdict.intact:
            raise CommandError(
                f"The access log is NOT intact: {verdict.problem} (checked {verdict.rows} rows)."
            )
        if not verdict.rows:
            self.stdout.write("Access log intact: no rows yet.")
            return
        anchor = verdict.anchor
        assert anchor is not None  # an intact log with rows always has one  # noqa: S101
        when = timezone.localtime(anchor.at).strftime("%d/%m/%Y %H:%M")
        since = verdict.rows - anchor.rows
        self.stdout.write(
            f"Access log intact: {verdict.rows} rows, head {verdict.head[:16]}…, "
            f"{f'keyed from row {verdict.keyed_from}' if verdict.keyed_from else 'none keyed'}; "
            f"it reaches the anchor written {when} "
            f"({anchor.rows} rows{f', {since} added since' if since else ''})."
        )
