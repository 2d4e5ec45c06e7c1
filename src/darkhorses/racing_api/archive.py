"""The raw archive: every response body the client receives, compressed, with its request.

Calls cost money and quota; parsing changes. With the bodies kept, the database can be rebuilt by
re-parsing the archive instead of calling the API again. One gzip'd JSON-lines file per client
run, under ``<archive_dir>/<UTC date>/``. A record holds the endpoint template, the path, the
query parameters as sent, the HTTP status, the UTC fetch time and the body text exactly as
received. Request headers (and so the credentials) are never stored.
"""

from __future__ import annotations

import gzip
import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from darkhorses.config import Settings


@dataclass(frozen=True)
class ArchiveRecord:
    """One response as received."""

    endpoint: str
    path: str
    params: list[tuple[str, str]]
    status: int
    fetched_at: str
    body: str


class RawArchive:
    """Appends records to one compressed file; each record is flushed so a crash keeps it."""

    def __init__(self, directory: Path, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.directory = Path(directory)
        self._now = now
        self._file: IO[str] | None = None
        self.path: Path | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RawArchive | None:
        """The archive a fetch run should use: under ``archive_dir``, or None when disabled."""
        return cls(settings.archive_dir) if settings.archive_enabled else None

    def record(self, endpoint: str, path: str, params: list[tuple[str, str]], status: int, body: str) -> None:
        fetched = self._now()
        if self._file is None:
            self._open(fetched)
        record = ArchiveRecord(endpoint, path, list(params), status, fetched.isoformat(), body)
        assert self._file is not None
        self._file.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
        self._file.flush()

    def _open(self, when: datetime) -> None:
        folder = self.directory / when.strftime("%Y-%m-%d")
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{when.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(4)}.jsonl.gz"
        self._file = gzip.open(self.path, "at", encoding="utf-8")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def read_archive(location: Path) -> Iterator[ArchiveRecord]:
    """Yield the records of one archive file, or of every file under a directory in name order.

    A file still being written, or cut short by a crash, has no gzip trailer yet; its records up
    to the last flush are still returned.
    """
    location = Path(location)
    files = sorted(location.rglob("*.jsonl.gz")) if location.is_dir() else [location]
    for file in files:
        with gzip.open(file, "rt", encoding="utf-8") as handle:
            try:
                for line in handle:
                    raw = json.loads(line)
                    raw["params"] = [tuple(pair) for pair in raw["params"]]
                    yield ArchiveRecord(**raw)
            except EOFError:
                continue
