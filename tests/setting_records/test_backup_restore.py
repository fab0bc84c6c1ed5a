"""Backups and the restore drill (issue 10, "Data not lost").

The drill is the real thing: the demo (with a released pack on disk) is backed up from the test
database while it is open, and restored by ``manage.py restore`` in another process into a
database nobody has used (SQLite: a new file; PostgreSQL: a new database, dropped afterwards).
Then everything that matters is compared. It runs on whichever database the suite runs on, so
CI's PostgreSQL pass drills ``pg_dump``/``pg_restore``; without them that pass fails, saying
which client tools to install.
"""

import gzip
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import quote
from uuid import uuid4

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Model
from guardian.models.models import BaseObjectPermission
from simple_history.models import HistoricalChanges

from access_requests.models import PackRelease
from children import search
from setting_records.backup import database
from setting_records.backup.manifest import BackupError
from setting_records.models import AccessLogEntry, Setting

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


def describe_database() -> dict:
    """Everything the drill compares, as JSON-ready data; run on both sides of the restore."""
    with connection.cursor() as cursor:
        tables = {
            table: _count(cursor, table) for table in connection.introspection.table_names(cursor)
        }
    history: list[type[Model]] = [
        model for model in apps.get_models() if issubclass(model, HistoricalChanges)
    ]
    # Guardian's rows point at permissions and content types by id: those must match too.
    permissions: list[type[Model]] = [
        *(model for model in apps.get_models() if issubclass(model, BaseObjectPermission)),
        Permission,
        ContentType,
    ]
    rows = {
        kind: {
            model._meta.label: list(model._base_manager.order_by("pk").values()) for model in models
        }
        for kind, models in (("history", history), ("permissions", permissions))
    }
    releases = list(PackRelease.objects.order_by("pk").values("file_name", "sha256"))
    last_log_action = AccessLogEntry.objects.order_by("-id").values_list("action", flat=True)[:1]
    described = {
        "tables": tables,
        **rows,
        "releases": releases,
        "last_log_action": next(iter(last_log_action), None),
    }
    return json.loads(json.dumps(described, cls=DjangoJSONEncoder))


def _count(cursor, table: str) -> int:
    cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
    return cursor.fetchone()[0]


def manage(*arguments: str, site: dict[str, str]) -> subprocess.CompletedProcess:
    """``manage.py`` in its own process, pointed at a restored database and its files."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "LOG_LEVEL": "WARNING",
        **site,
    }
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def fresh_site(tmp_path):
    """Where a restore goes: a database nobody has used, an empty MEDIA_ROOT, no anchor yet."""
    site = {
        "MEDIA_ROOT": str(tmp_path / "restored-media"),
        "ACCESS_LOG_ANCHOR": str(tmp_path / "restored-anchor.json"),
    }
    if connection.vendor == "sqlite":
        yield {**site, "DATABASE_URL": f"sqlite:///{tmp_path / 'restored.sqlite3'}"}
        return
    params = connection.settings_dict
    name = f"{params['NAME']}_restore_{uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
    credentials = quote(params["USER"] or "", safe="")
    if params["PASSWORD"]:
        credentials += ":" + quote(params["PASSWORD"], safe="")
    address = f"{params['HOST'] or 'localhost'}:{params['PORT'] or 5432}"
    try:
        yield {**site, "DATABASE_URL": f"postgres://{credentials}@{address}/{name}"}
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE {connection.ops.quote_name(name)} WITH (FORCE)")


def test_restore_drill(settings, tmp_path, fresh_site):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ACCESS_LOG_ANCHOR = tmp_path / "anchor.json"
    call_command("seed_demo", stdout=io.StringIO())
    before = describe_database()
    backup = tmp_path / "backup.tar.gz"
    call_command("backup", str(backup), stdout=io.StringIO())

    # A stray file in the target's MEDIA_ROOT stops the restore before it changes anything...
    stray = Path(fresh_site["MEDIA_ROOT"]) / "stray.txt"
    stray.parent.mkdir()
    stray.write_text("left over")
    refused = manage("manage.py", "restore", str(backup), site=fresh_site)
    assert refused.returncode == 1
    assert "MEDIA_ROOT" in refused.stderr
    assert "Nothing was restored" in refused.stderr
    stray.unlink()

    # ...so the database is still empty, and the restore goes ahead.
    restored = manage("manage.py", "restore", str(backup), site=fresh_site)
    assert restored.returncode == 0, restored.stderr
    assert "Access log intact" in restored.stdout

    described = manage(
        "-c",
        "import django, json; django.setup(); "
        "from tests.setting_records.test_backup_restore import describe_database; "
        "print(json.dumps(describe_database()))",
        site=fresh_site,
    )
    assert described.returncode == 0, described.stderr
    after = json.loads(described.stdout)

    # Everything as it was, and one row more in the access log: the restore's own check of the
    # log it brought back, logged as every check is (LOG_CHECKED).
    log = "setting_records_accesslogentry"
    assert after["tables"] == before["tables"] | {log: before["tables"][log] + 1}
    assert before["tables"][log] > 0
    assert after["last_log_action"] == "log_checked"
    assert after["history"] == before["history"]
    assert sum(map(len, before["history"].values())) > 100
    assert after["permissions"] == before["permissions"]
    assert before["permissions"]["setting_records.SettingUserObjectPermission"]
    assert before["permissions"]["setting_records.ChildUserObjectPermission"]
    assert after["releases"] == before["releases"]
    assert before["releases"], "the demo releases a pack"
    for release in after["releases"]:
        pack = Path(fresh_site["MEDIA_ROOT"]) / "packs" / release["file_name"]
        assert hashlib.sha256(pack.read_bytes()).hexdigest() == release["sha256"]

    anchor, restored_anchor = (
        Path(settings.ACCESS_LOG_ANCHOR),
        Path(fresh_site["ACCESS_LOG_ANCHOR"]),
    )
    assert anchor.exists(), "the backup anchors the log's head"
    # The restored log's anchor is the backup's, moved on by the one row of the restore's check.
    original, restored_head = (json.loads(path.read_text()) for path in (anchor, restored_anchor))
    assert restored_head["rows"] == original["rows"] + 1
    verified = manage("manage.py", "verify_access_log", site=fresh_site)
    assert verified.returncode == 0, verified.stderr
    assert "intact" in verified.stdout


def _read(archive: tarfile.TarFile, member: str | tarfile.TarInfo) -> bytes:
    stream = archive.extractfile(member)
    assert stream is not None
    return stream.read()


@pytest.fixture
def small_backup(settings, tmp_path, manager) -> Path:
    """A backup of one setting and its manager, with one private file."""
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "packs").mkdir(parents=True)
    (settings.MEDIA_ROOT / "packs" / "AR-2026-0001.pdf").write_bytes(b"%PDF-1.7 the pack")
    path = tmp_path / "small.tar.gz"
    call_command("backup", str(path), stdout=io.StringIO())
    return path


def test_backup_manifest_names_every_file_with_its_sha256(small_backup):
    with tarfile.open(small_backup) as archive:
        names = archive.getnames()
        manifest = json.loads(_read(archive, "manifest.json"))
        digests = {name: hashlib.sha256(_read(archive, name)).hexdigest() for name in names[1:]}
    assert names[0] == "manifest.json"
    assert manifest["files"] == digests
    # The manager's membership was logged and committed, so the log's anchor is there too.
    assert set(digests) == {
        database.FILE_NAMES[connection.vendor],
        "media/packs/AR-2026-0001.pdf",
        "access-log-anchor",
    }
    assert manifest["vendor"] == connection.vendor
    assert manifest["tables"]["setting_records_setting"] == 1
    assert "0001_initial" in manifest["migrations"]["setting_records"]


def test_backup_never_replaces_a_file(small_backup):
    before = small_backup.read_bytes()
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(small_backup))
    assert small_backup.read_bytes() == before
    assert sorted(p.name for p in small_backup.parent.iterdir()) == ["media", "small.tar.gz"]


def test_backup_is_never_written_inside_media_root(small_backup, settings):
    inside = settings.MEDIA_ROOT / "packs" / "backup.tar.gz"
    with pytest.raises(CommandError, match="inside MEDIA_ROOT"):
        call_command("backup", str(inside))
    assert sorted(p.name for p in inside.parent.iterdir()) == ["AR-2026-0001.pdf"]


def test_restore_refuses_a_database_that_holds_data(settings, small_backup, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "empty-media"
    Setting.objects.create(name="Added after the backup", ofsted_urn="EY100009")
    with pytest.raises(CommandError, match=r"already holds data.*Nothing was restored"):
        call_command("restore", str(small_backup))
    assert Setting.objects.count() == 2
    assert not settings.MEDIA_ROOT.exists()


def test_restore_goes_into_a_freshly_migrated_database(small_backup, fresh_site, tmp_path):
    """``migrate`` then ``restore``, as the README's steps go: the rows ``migrate`` makes by
    itself (and, on SQLite, the search index's tables, which hold rows as soon as they exist)
    do not count as data."""
    migrated = manage("manage.py", "migrate", "--no-input", site=fresh_site)
    assert migrated.returncode == 0, migrated.stderr
    if connection.vendor == "sqlite" and search.fts5_available():
        # What made the restore refuse: the FTS5 shadow tables of an empty index hold rows.
        target = sqlite3.connect(tmp_path / "restored.sqlite3")
        try:
            (config_rows,) = target.execute(
                f"SELECT COUNT(*) FROM {search.FTS_TABLE}_config"
            ).fetchone()
        finally:
            target.close()
        assert config_rows > 0
    restored = manage("manage.py", "restore", str(small_backup), site=fresh_site)
    assert restored.returncode == 0, restored.stderr
    assert "Nothing was restored" not in restored.stderr
    counted = manage(
        "-c",
        "import django; django.setup(); "
        "from setting_records.models import Setting; print(Setting.objects.count())",
        site=fresh_site,
    )
    assert counted.returncode == 0, counted.stderr
    assert counted.stdout.strip() == "1"


def test_an_empty_migrated_database_holds_no_data():
    """The test database as ``migrate`` (and each transactional test's flush) leaves it."""
    if connection.vendor == "sqlite" and search.fts5_available():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {search.FTS_TABLE}_config")
            assert cursor.fetchone()[0] > 0
    # The search index's virtual table and its shadow tables hold rows but are left out: SQLite
    # says they are derived (``PRAGMA table_list``), whatever they are named.
    assert database.tables_with_data(connection) == []
    Setting.objects.create(name="Somewhere", ofsted_urn="EY100010")
    assert "setting_records_setting" in database.tables_with_data(connection)


def _rewrite(backup: Path, change) -> None:
    """Rebuild the archive as backup writes it, with members' bytes changed by ``change``."""
    with tarfile.open(backup) as archive:
        members = [(m, _read(archive, m)) for m in archive.getmembers()]
    with (
        backup.open("wb") as stream,
        gzip.GzipFile("", "wb", compresslevel=6, fileobj=stream, mtime=0) as compressed,
        tarfile.open(fileobj=compressed, mode="w:") as archive,
    ):
        for member, data in members:
            data = change(member.name, data)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))


def _flip(backup: Path, offset: int) -> None:
    data = bytearray(backup.read_bytes())
    data[offset] ^= 1
    backup.write_bytes(data)


@pytest.mark.parametrize(
    ("where", "message"),
    [
        # gzip's time stamp, outside its CRC-32.
        (5, "its first bytes were changed"),
        (40, "damaged or was altered"),
        (0.5, "damaged or was altered"),
        # gzip's CRC-32 and length at the very end.
        (-1, "damaged or was altered"),
    ],
)
def test_a_changed_byte_is_refused_before_anything_changes(
    settings, small_backup, tmp_path, where, message
):
    settings.MEDIA_ROOT = tmp_path / "empty-media"
    size = small_backup.stat().st_size
    _flip(small_backup, int(size * where) if isinstance(where, float) else where % size)
    with pytest.raises(CommandError, match=rf"{message}.*Nothing was restored"):
        call_command("restore", str(small_backup))
    assert not settings.MEDIA_ROOT.exists()


def test_a_pack_changed_inside_a_rebuilt_archive_fails_its_sha256(settings, small_backup, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "empty-media"
    _rewrite(small_backup, lambda name, data: data.replace(b"the pack", b"the PACK"))
    with pytest.raises(
        CommandError,
        match=r"media/packs/AR-2026-0001.pdf does not match its SHA-256.*Nothing was restored",
    ):
        call_command("restore", str(small_backup))
    assert not settings.MEDIA_ROOT.exists()


def test_a_backup_of_another_database_vendor_is_refused(settings, small_backup, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "empty-media"
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def relabel(name, data):
        if name != "manifest.json":
            return data
        return json.dumps({**json.loads(data), "vendor": other}).encode()

    _rewrite(small_backup, relabel)
    with pytest.raises(CommandError, match=f"backup of a {other} database"):
        call_command("restore", str(small_backup))


def test_a_backup_from_a_newer_version_of_the_code_is_refused(settings, small_backup, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "empty-media"

    def add_a_future_migration(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"]["setting_records"].append("9999_from_the_future")
        return json.dumps(manifest).encode()

    _rewrite(small_backup, add_a_future_migration)
    with pytest.raises(CommandError, match=r"newer version.*setting_records.9999_from_the_future"):
        call_command("restore", str(small_backup))


def test_missing_postgresql_client_tools_are_named(monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(BackupError, match=r"pg_dump is not installed.*postgresql-client"):
        database._tool_major("pg_dump")


def test_backup_anchors_the_head_itself_when_the_anchor_file_is_missing(
    settings, tmp_path, manager
):
    settings.MEDIA_ROOT = tmp_path / "media"
    Path(settings.ACCESS_LOG_ANCHOR).unlink(missing_ok=True)
    path = tmp_path / "anchored.tar.gz"
    call_command("backup", str(path), stdout=io.StringIO())
    with tarfile.open(path) as archive:
        anchored = json.loads(_read(archive, "access-log-anchor"))
    head = AccessLogEntry.objects.order_by("-id").first()
    assert head is not None
    assert (anchored["rows"], anchored["head"]) == (head.id, head.hash)
