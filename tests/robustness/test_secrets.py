"""After runs with credentials set (a good run, refused credentials, a database password), no log,
run file, archive, error message, ``status`` output or database row contains a secret."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from darkhorses.db.engine import make_engine
from darkhorses.db.schema import dh_quarantine, dh_runs, dh_work_units

from .conftest import Reference
from .harness import PASSWORD, USERNAME, Sandbox

WRONG_PASSWORD = "wrong-pass-Zr7Qe2"
DB_PASSWORD = "db-pass-Lk93Vt"


def _texts(root: Path) -> dict[str, str]:
    """Every file under ``root`` as text, gzip'd archives decompressed."""
    texts = {}
    for path in root.rglob("*"):
        if path.is_file() and not path.name.endswith((".db", ".db-wal", ".db-shm")):
            raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
            texts[str(path.relative_to(root))] = raw.decode("utf-8", errors="replace")
    return texts


def _rows(engine: Engine) -> str:
    with engine.connect() as connection:
        return "\n".join(str(tuple(row)) for table in (dh_runs, dh_work_units, dh_quarantine)
                         for row in connection.execute(select(table)))


def test_no_secret_is_written_or_printed_anywhere(reference: Reference, simulator: str, tmp_path: Path) -> None:
    sandbox = Sandbox(f"sqlite:///{tmp_path / 'secrets.db'}", tmp_path, simulator)
    day = reference.day.isoformat()
    fetch = ["fetch", "--mode", "manual", "--tables", "results", "--start-date", day, "--end-date", day]
    assert sandbox.run("--verbose", *fetch).code == 0
    refused = Sandbox(sandbox.database_url, tmp_path, simulator, extra={"RACING_API_PASSWORD": WRONG_PASSWORD})
    other = (reference.day - dt.timedelta(days=1)).isoformat()  # not fetched yet: the API is asked
    assert refused.run("--verbose", *fetch[:-4], "--start-date", other, "--end-date", other).code == 2
    unreachable = Sandbox(f"postgresql://dbuser:{DB_PASSWORD}@127.0.0.1:1/none", tmp_path, simulator)
    assert "cannot open database" in unreachable.run(*fetch).stderr
    assert sandbox.run("status").code in (0, 1)
    assert sandbox.run("status", "--json").code in (0, 1)

    texts = _texts(tmp_path)
    engine = make_engine(sandbox.database_url)
    texts["database rows"] = _rows(engine)
    engine.dispose()
    assert any(name.startswith("logs/fetcher_manual_") for name in texts)
    assert any(name.startswith("archive/") for name in texts)
    assert len([name for name in texts if name.startswith("out/")]) == 10  # 5 processes, 2 streams each
    secrets = [PASSWORD, WRONG_PASSWORD, DB_PASSWORD, USERNAME,
               *(base64.b64encode(f"{USERNAME}:{p}".encode()).decode() for p in (PASSWORD, WRONG_PASSWORD))]
    leaks = [(name, secret) for name, text in texts.items() for secret in secrets if secret in text]
    assert leaks == []
