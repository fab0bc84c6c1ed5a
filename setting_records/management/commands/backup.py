from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from setting_records.backup import BackupError, create_backup
from setting_records.backup.archive import ANCHOR_NAME, MEDIA_PREFIX


class Command(BaseCommand):
    help = (
        "Write a backup of the whole deployment to PATH (a new file): the database, the private "
        "files under MEDIA_ROOT (released record packs) and the access log's anchor, with a "
        "manifest of SHA-256s and row counts. Safe while the app runs; never replaces a file."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", type=Path, help="The backup file to create, e.g. 2026-11-29.tar.gz"
        )

    def handle(self, *args, path: Path, **options):
        try:
            manifest = create_backup(path)
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest.tables.values())
        anchor = "included" if ANCHOR_NAME in manifest.files else "not found"
        media = sum(1 for name in manifest.files if name.startswith(MEDIA_PREFIX + "/"))
        self.stdout.write(self.style.SUCCESS(f"Backup written to {path}."))
        self.stdout.write(
            f"  {manifest.vendor} database: {len(manifest.tables)} tables, {rows} rows; "
            f"{media} private file{'s' if media != 1 else ''}; "
            f"access-log anchor {anchor}."
        )
