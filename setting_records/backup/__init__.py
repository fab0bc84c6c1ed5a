"""Backups of the whole deployment, and restoring one into an empty database (issue 10).

A backup is one tar archive: ``manifest.json`` first, then the database (SQLite's own file, or
PostgreSQL's ``pg_dump -Fc``), the private files under ``MEDIA_ROOT`` (released record packs)
and the access log's anchor file. The manifest names each file with its SHA-256, the database
vendor, the migrations applied, the time, and the row count of every table; restore checks every
SHA-256 before it changes anything.

Keeping records safe from loss is part of UK GDPR Art. 5(1)(f) ("integrity and
confidentiality": protection against accidental loss, destruction or damage) and Art. 32(1)(c)
(the ability to restore availability and access to personal data in a timely manner after an
incident), and of the EYFS statutory framework's requirement to keep records securely.
"""

from setting_records.backup.archive import create_backup, restore_backup
from setting_records.backup.manifest import BackupError, Manifest

__all__ = ["BackupError", "Manifest", "create_backup", "restore_backup"]
