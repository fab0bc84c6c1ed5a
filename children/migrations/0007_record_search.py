"""Full-text search over entries' title and text (``children/search.py`` queries what is made here).

PostgreSQL: the tsvector of ``to_tsvector('english', title || ' ' || body)`` kept in a stored
generated column, with a GIN index on it, and an index on the order results are shown in. The
column rather than an index on the bare expression: the planner prices to_tsvector at a fraction
of what it costs (about 60 µs an entry), so for a common word it chose to compute it for every
row (1.3 s at 20,000 entries); stored, each check is cheap, and a common word is found by
walking the newest entries, a rare one through the GIN index.

SQLite: an FTS5 table over ``children_record`` with external content (the text is not stored
twice), kept in step by triggers, and filled from the rows already there. A SQLite built without
FTS5 gets nothing here, and search falls back to matching each word with ``LIKE``.

Each backend's step does nothing on the other; both undo what they made.
"""

from django.db import migrations

# children.search.DOCUMENT_COLUMN and POSTGRES_INDEX name what is made here.
POSTGRES_INDEX = "children_record_search_gin"
POSTGRES_CREATE = [
    "ALTER TABLE children_record ADD COLUMN IF NOT EXISTS search_document tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, title || ' ' || body)) STORED",
    f"CREATE INDEX IF NOT EXISTS {POSTGRES_INDEX} ON children_record USING gin (search_document)",
    "CREATE INDEX IF NOT EXISTS children_record_newest ON children_record "
    "(occurred_at DESC, id DESC)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS children_record_newest",
    f"DROP INDEX IF EXISTS {POSTGRES_INDEX}",
    "ALTER TABLE children_record DROP COLUMN IF EXISTS search_document",
]

FTS = "children_record_fts"
SQLITE_CREATE = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(
        title, body, content='children_record', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_insert AFTER INSERT ON children_record BEGIN
        INSERT INTO {FTS}(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_delete AFTER DELETE ON children_record BEGIN
        INSERT INTO {FTS}({FTS}, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_update AFTER UPDATE OF title, body ON children_record
    BEGIN
        INSERT INTO {FTS}({FTS}, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO {FTS}(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"DROP TABLE IF EXISTS {FTS}",
]


def _fts5_available(schema_editor) -> bool:
    from children.search import fts5_available

    return fts5_available()


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in POSTGRES_CREATE:
            schema_editor.execute(statement)
    elif vendor == "sqlite" and _fts5_available(schema_editor):
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in POSTGRES_DROP:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("children", "0006_sharing_statement_submission_keys"),
    ]

    operations = [migrations.RunPython(create, drop)]
