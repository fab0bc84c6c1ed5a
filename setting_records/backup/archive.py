"""Writing a backup archive, and reading one back only after every SHA-256 in it checks out."""

import gzip
import os
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from setting_records import log_anchor
from setting_records.backup import database
from setting_records.backup.manifest import MANIFEST_NAME, BackupError, Manifest, file_sha256

MEDIA_PREFIX = "media"
# gzip's header (no name, time 0, level 6, "unknown" OS) is outside its CRC-32: restore
# asks for exactly these bytes, so that no byte of a backup can change unnoticed.
GZIP_HEADER = bytes([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF])
ANCHOR_NAME = "access-log-anchor"


def anchor_path() -> Path | None:
    anchor = getattr(settings, "ACCESS_LOG_ANCHOR", None)
    return Path(anchor) if anchor else None


def create_backup(destination: Path, *, using: str = "default") -> Manifest:
    """Write a backup to ``destination``, which must not exist yet; return its manifest.

    The anchor is copied first and the database next, so the copied log always reaches the
    copied anchor. The private files come last: a released pack's file is written before its
    row is committed, so every release in the copy has its file.
    """
    destination = Path(destination)
    if destination.exists():
        raise BackupError(f"{destination} already exists: a backup never replaces another.")
    if not destination.parent.is_dir():
        raise BackupError(f"The folder {destination.parent} does not exist.")
    media_root = Path(settings.MEDIA_ROOT)
    if destination.resolve().is_relative_to(media_root.resolve()):
        raise BackupError(
            f"{destination} is inside MEDIA_ROOT ({media_root}), which the backup copies: "
            "write it somewhere else."
        )
    connection = connections[using]
    # Beside the destination, so the confidential working copy stays where the operator chose
    # (created readable by its owner only).
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".backup-") as work_dir:
        work = Path(work_dir)
        anchor = anchor_path()
        if anchor is not None:
            # The backup anchors the head itself, so a copy taken before any row was written
            # since the last anchor (or after the anchor file was lost) still carries one.
            log_anchor.record_head()
            if anchor.is_file():
                shutil.copyfile(anchor, work / ANCHOR_NAME)
        database_name = database.FILE_NAMES.get(connection.vendor, "database")
        copy = database.dump(connection, work / database_name)
        for path in _files_under(media_root):
            target = work / MEDIA_PREFIX / path.relative_to(media_root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        members = sorted(p.relative_to(work).as_posix() for p in _files_under(work))
        manifest = Manifest(
            created_at=timezone.now().isoformat(),
            vendor=copy.vendor,
            server_version=copy.server_version,
            database=database_name,
            migrations=copy.migrations,
            tables=copy.tables,
            files={name: file_sha256(work / name) for name in members},
        )
        (work / MANIFEST_NAME).write_bytes(manifest.to_json())
        _write_atomically(destination, work, [MANIFEST_NAME, *members])
    return manifest


def _files_under(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file() and not path.is_symlink())


def _write_atomically(destination: Path, work: Path, members: list[str]) -> None:
    handle, partial_name = tempfile.mkstemp(
        dir=destination.parent, prefix=f".{destination.name}.", suffix=".partial"
    )
    partial = Path(partial_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            with (
                gzip.GzipFile(
                    filename="", mode="wb", fileobj=stream, compresslevel=6, mtime=0
                ) as compressed,
                tarfile.open(fileobj=compressed, mode="w:") as archive,
            ):
                for name in members:
                    archive.add(work / name, arcname=name, recursive=False)
            stream.flush()
            os.fsync(stream.fileno())
        try:
            # A hard link, unlike a rename, refuses to replace a file that appeared meanwhile.
            os.link(partial, destination)
        except FileExistsError:
            raise BackupError(
                f"{destination} already exists: a backup never replaces another."
            ) from None
    finally:
        partial.unlink(missing_ok=True)


@dataclass
class Restored:
    manifest: Manifest
    tables: dict[str, int]
    # Tables whose row count differs from the manifest's: (table, in backup, restored).
    mismatches: list[tuple[str, int, int]]
    files: int
    anchor: Path | None
    migrations_to_apply: list[str] = field(default_factory=list)


def restore_backup(
    source: Path, *, using: str = "default", replace_files: bool = False
) -> Restored:
    """Restore ``source`` into the configured, empty database; refuse before changing anything
    when the archive does not check out or the target is not empty."""
    connection = connections[using]
    with tempfile.TemporaryDirectory(prefix="setting-records-restore-") as work_dir:
        work = Path(work_dir)
        manifest = unpack_verified(Path(source), work)
        if manifest.vendor != connection.vendor:
            raise BackupError(
                f"This is a backup of a {manifest.vendor} database, but the configured database "
                f"is {connection.vendor}. Nothing was restored."
            )
        to_apply = _check_migrations(manifest)
        if filled := database.tables_with_data(connection):
            raise BackupError(
                "The database already holds data (in "
                + ", ".join(filled[:5])
                + (", …" if len(filled) > 5 else "")
                + "). A backup is restored only into an empty database. Nothing was restored."
            )
        media_root = Path(settings.MEDIA_ROOT)
        anchor = anchor_path()
        _check_files(manifest, media_root, anchor, replace_files=replace_files)

        database.load(connection, work / manifest.database)
        media = [name for name in manifest.files if name.startswith(MEDIA_PREFIX + "/")]
        for name in media:
            _put(work / name, media_root / PurePosixPath(name).relative_to(MEDIA_PREFIX))
        if ANCHOR_NAME in manifest.files and anchor is not None:
            _put(work / ANCHOR_NAME, anchor)
    tables = database.row_counts(connection)
    mismatches = [
        (table, rows, tables.get(table, 0))
        for table, rows in manifest.tables.items()
        if tables.get(table, 0) != rows
    ]
    return Restored(
        manifest=manifest,
        tables=tables,
        mismatches=mismatches,
        files=len(media),
        anchor=anchor if ANCHOR_NAME in manifest.files else None,
        migrations_to_apply=to_apply,
    )


def unpack_verified(source: Path, work: Path) -> Manifest:
    """Unpack ``source`` into ``work`` and check every file against the manifest's SHA-256."""
    if not source.is_file():
        raise BackupError(f"There is no backup at {source}.")
    damaged = f"The backup {source} is damaged or was altered"
    with source.open("rb") as raw:
        if raw.read(len(GZIP_HEADER)) != GZIP_HEADER:
            raise BackupError(f"{damaged}: its first bytes were changed. Nothing was restored.")
    try:
        with (
            gzip.open(source, "rb") as compressed,
            tarfile.open(fileobj=compressed, mode="r:") as archive,
        ):
            for member in archive:
                _unpack(archive, member, work, damaged)
            # Read to the end, so that gzip checks its CRC-32 over every byte.
            while compressed.read(1 << 20):
                pass
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise BackupError(f"{damaged} ({error}). Nothing was restored.") from None
    manifest_file = work / MANIFEST_NAME
    if not manifest_file.is_file():
        raise BackupError(f"{damaged}: it has no manifest. Nothing was restored.")
    try:
        manifest = Manifest.from_json(manifest_file.read_bytes())
    except ValueError as error:
        raise BackupError(
            f"{damaged}: its manifest cannot be read ({error}). Nothing was restored."
        ) from None
    found = {p.relative_to(work).as_posix() for p in _files_under(work)} - {MANIFEST_NAME}
    if found != set(manifest.files) or manifest.database not in found:
        raise BackupError(
            f"{damaged}: its files are not the ones its manifest lists. Nothing was restored."
        )
    for name, expected in sorted(manifest.files.items()):
        if file_sha256(work / name) != expected:
            raise BackupError(
                f"{damaged}: {name} does not match its SHA-256 in the manifest. "
                "Nothing was restored."
            )
    return manifest


def _unpack(archive: tarfile.TarFile, member: tarfile.TarInfo, work: Path, damaged: str) -> None:
    """Write one member under ``work``: regular files only, at a plain relative path, once."""
    path = PurePosixPath(member.name)
    if (
        not member.isfile()
        or path.is_absolute()
        or ".." in path.parts
        or path.as_posix() != member.name
    ):
        raise BackupError(f"{damaged}: it holds {member.name!r}. Nothing was restored.")
    target = work / member.name
    if target.exists():
        raise BackupError(f"{damaged}: it holds {member.name} twice. Nothing was restored.")
    target.parent.mkdir(parents=True, exist_ok=True)
    stream = archive.extractfile(member)
    if stream is None:
        raise BackupError(f"{damaged}: {member.name} cannot be read. Nothing was restored.")
    with stream, target.open("wb") as out:
        shutil.copyfileobj(stream, out)


def _check_migrations(manifest: Manifest) -> list[str]:
    """Refuse a backup from a newer version of the code; name migrations the code adds."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = {(app, name) for app, names in manifest.migrations.items() for name in names}
    if unknown := sorted(applied - known):
        raise BackupError(
            "This backup was made by a newer version of Setting Records (it has migrations "
            f"this code does not know, such as {unknown[0][0]}.{unknown[0][1]}). Restore it "
            "with that version. Nothing was restored."
        )
    return [f"{app}.{name}" for app, name in sorted(known - applied)]


def _check_files(
    manifest: Manifest, media_root: Path, anchor: Path | None, *, replace_files: bool
) -> None:
    if ANCHOR_NAME in manifest.files and anchor is None:
        raise BackupError(
            "The backup holds the access log's anchor, but ACCESS_LOG_ANCHOR is not set, so it "
            "has nowhere to go. Set it, then restore. Nothing was restored."
        )
    if replace_files:
        return
    if _files_under(media_root):
        raise BackupError(
            f"MEDIA_ROOT ({media_root}) already holds files. Empty it, or say --replace-files "
            "to write the backup's files over it. Nothing was restored."
        )
    if ANCHOR_NAME in manifest.files and anchor is not None and anchor.exists():
        raise BackupError(
            f"An access-log anchor already exists at {anchor}. Move it away, or say "
            "--replace-files to replace it with the backup's. Nothing was restored."
        )


def _put(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    shutil.copyfile(source, partial)
    os.replace(partial, target)
