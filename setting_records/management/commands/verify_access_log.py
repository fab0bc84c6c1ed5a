from django.core.management.base import BaseCommand, CommandError

from setting_records import access_log


class Command(BaseCommand):
    help = (
        "Walk the access log's hash chain from the first row. Exit 0 with a one-line summary "
        "when intact; otherwise name the first row that was altered, removed or moved."
    )

    def handle(self, *args, **options):
        verdict = access_log.verify()
        if not verdict.intact:
            raise CommandError(
                f"The access log is NOT intact: row {verdict.first_bad} {verdict.problem} "
                f"(checked {verdict.rows} rows)."
            )
        # The head hash is the anchor to write down: with it, a removed tail shows too.
        self.stdout.write(
            f"Access log intact: {verdict.rows} rows, head {verdict.head[:16]}…"
            if verdict.rows
            else "Access log intact: no rows yet."
        )
