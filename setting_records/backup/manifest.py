"""What a backup says about itself: the manifest, stored first in the archive as JSON."""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

FORMAT = 1
MANIFEST_NAME = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot go ahead, with a message fit to show whoever runs it."""


@dataclass
class Manifest:
    created_at: str
    vendor: str
    # The database file inside the archive: "database.sqlite3" or "database.pgdump".
    database: str
    # Per app, the migrations the backed-up database had applied.
    migrations: dict[str, list[str]]
    # Every table in the database and its number of rows, counted in the copy itself.
    tables: dict[str, int]
    # Every other member of the archive and its SHA-256.
    files: dict[str, str] = field(default_factory=dict)
    server_version: str = ""
    format: int = FORMAT

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> "Manifest":
        """Raises ValueError when the manifest is not one this code wrote."""
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        if data.get("format") != FORMAT:
            raise BackupError(
                f"This backup is in format {data.get('format')!r}; this version of "
                f"Setting Records reads format {FORMAT} only. Nothing was restored."
            )
        try:
            return cls(**data)
        except TypeError as error:
            raise ValueError(str(error)) from None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
