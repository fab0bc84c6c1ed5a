from datetime import datetime
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from setting_records.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into the configured database, which must be empty. "
        "Every file's SHA-256 is checked before anything changes. Then the row counts are "
        "printed and the access log is verified."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The backup file to restore.")
        parser.add_argument(
            "--replace-files",
            action="store_true",
            help="Restore even though MEDIA_ROOT holds files (or an access-log anchor exists): "
            "the backup's files replace those of the same name.",
        )

    def handle(self, *args, path: Path, replace_files: bool, **options):
        try:
            restored = restore_backup(path, replace_files=replace_files)
        except BackupError as error:
            raise CommandError(str(error)) from None
        taken = timezone.localtime(datetime.fromisoformat(restored.manifest.created_at))
        self.stdout.write(
            self.style.SUCCESS(f"Restored the backup taken {taken:%-d %B %Y at %H:%M} from {path}.")
        )
        width = max(map(len, restored.tables), default=0)
        for table, rows in restored.tables.items():
            self.stdout.write(f"  {table:<{width}}  {rows:>8}")
        self.stdout.write(
            f"  {restored.files} private file{'s' if restored.files != 1 else ''} restored; "
            + (
                f"access-log anchor written to {restored.anchor}."
                if restored.anchor
                else "no access-log anchor in the backup."
            )
        )
        if restored.migrations_to_apply:
            self.stdout.write(
                f"This code has {len(restored.migrations_to_apply)} migrations the backup had not "
                "applied: run `manage.py migrate` before starting the app."
            )
        if restored.mismatches:
            raise CommandError(
                "The restored row counts differ from the backup's: "
                + "; ".join(
                    f"{t}: {want} in the backup, {got} now" for t, want, got in restored.mismatches
                )
            )
        # Raises CommandError (exit 1) when the restored log does not reach its anchor.
        call_command("verify_access_log", stdout=self.stdout, stderr=self.stderr)
