"""Open a DarkHorses database and read it back: rows, a pandas DataFrame, an Arrow table, a file.

Every reader takes a *source*: a ``ra_*`` table name, a preset (``results``: one row per runner
of a resulted race with its pre-race form and then its result; ``racecards``: declared runners
with the card's figures), or one read-only ``SELECT``/``WITH`` query. Tables and presets take a
race-date window (``since``, ``until``, inclusive). Values have their column's type (dates,
aware UTC timestamps, floats), the same types ``darkhorses export`` writes. pandas and pyarrow
come with the ``analysis`` extra (``pip install 'darkhorses[analysis]'``); nothing else needs them.
"""

from __future__ import annotations

import contextlib
import importlib
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from darkhorses.db.engine import describe, make_engine
from darkhorses.db.migrate import ensure_schema
from darkhorses.errors import ConfigError
from darkhorses.ops import export as exporting
from darkhorses.ops.export import ExportResult, ExportSource, Format
from darkhorses.ops.status import open_for_reading, require_schema

if TYPE_CHECKING:
    import pandas
    import pyarrow

ANALYSIS_EXTRA = "pip install 'darkhorses[analysis]'"


@dataclass(frozen=True, eq=False)
class Database:
    """An open DarkHorses database. ``engine`` is the SQLAlchemy engine, for anything the readers
    do not cover (``pandas.read_sql``, your own statements). Close it, or use it in ``with``."""

    engine: Engine

    def __repr__(self) -> str:
        return f"Database({describe(self.engine.url)!r})"

    def close(self) -> None:
        """Release the connections (the data stays, of course)."""
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def connect(url: str, *, create: bool = True) -> Database:
    """Open the database at ``url`` (``sqlite:///racing.db``, ``postgresql://user@host/db``),
    with every DarkHorses table at the newest schema: a new database is created, an older one
    migrated. ``create=False`` refuses a database that does not exist or that DarkHorses never
    created, rather than making an empty one (a typo in a path should not look like no data)."""
    if create:
        engine = make_engine(url)
    else:
        engine = open_for_reading(url)
        require_schema(engine)
    ensure_schema(engine)
    return Database(engine)


@contextlib.contextmanager
def opened(database: Database | str, *, create: bool = True) -> Iterator[Database]:
    """``database`` itself, or the database a URL names, opened (see :func:`connect`) and closed
    again at the end: every function of the API takes either."""
    if isinstance(database, Database):
        yield database
        return
    with connect(database, create=create) as db:
        yield db


def source_of(source: str, since: dt.date | None = None, until: dt.date | None = None) -> ExportSource:
    """A table name, a preset name or a query, as the export source it is."""
    text = source.strip()
    if text in exporting.exportable_tables():
        return ExportSource(table=text, since=since, until=until)
    if text in exporting.PRESETS:
        return ExportSource(preset=text, since=since, until=until)
    if len(text.split()) == 1:  # one word: a table that does not exist, not a query
        tables = ", ".join(sorted(exporting.exportable_tables()))
        raise ConfigError(f"unknown table {text!r}; presets: {', '.join(exporting.PRESETS)}; tables: {tables}")
    return ExportSource(query=text, since=since, until=until)


def rows(database: Database | str, source: str, *, since: dt.date | None = None,
         until: dt.date | None = None) -> list[dict[str, Any]]:
    """Every row of ``source`` as a dict, JSON columns as Python objects."""
    with opened(database, create=False) as db, exporting.read_batches(db.engine, source_of(source, since, until)) \
            as (columns, batches):
        names = [column.name for column in columns]
        json_columns = [column.name for column in columns if column.kind == "json"]
        found = [dict(zip(names, row, strict=True)) for batch in batches for row in batch]
    for row in found:
        for name in json_columns:
            if row[name] is not None:
                row[name] = json.loads(row[name])
    return found


def arrow(database: Database | str, source: str, *, since: dt.date | None = None,
          until: dt.date | None = None) -> pyarrow.Table:
    """``source`` as an Arrow table, typed as the Parquet export is (``date32``, ``timestamp[us, UTC]``,
    ``float64``, ``int64``; JSON as text). Needs pyarrow (the ``analysis`` extra)."""
    pa = _require("pyarrow")
    with opened(database, create=False) as db, exporting.read_batches(db.engine, source_of(source, since, until)) \
            as (columns, batches):
        schema = exporting.arrow_schema(columns)
        record_batches = [
            pa.RecordBatch.from_arrays([pa.array(values, type=field.type)
                                        for values, field in zip(zip(*batch, strict=True), schema, strict=True)],
                                       schema=schema)
            for batch in batches
        ]
    return pa.Table.from_batches(record_batches, schema=schema)


def dataframe(database: Database | str, source: str, *, since: dt.date | None = None,
              until: dt.date | None = None) -> pandas.DataFrame:
    """``source`` as a pandas DataFrame (through :func:`arrow`, so with the same column types:
    dates as ``datetime.date``, timestamps in UTC). Needs pandas and pyarrow (the ``analysis`` extra)."""
    _require("pandas")
    return arrow(database, source, since=since, until=until).to_pandas()


def export(database: Database | str, source: str, output: Path | IO[bytes], *, format: Format = "csv",
           since: dt.date | None = None, until: dt.date | None = None,
           progress: Callable[[int, int], None] | None = None) -> ExportResult:
    """Stream ``source`` into ``output`` (a path, written under a temporary name and renamed when
    complete, or an open binary stream) as CSV, Parquet (pyarrow) or JSON Lines; memory stays flat.

    ``progress`` is called after each batch with the rows written so far and the total (which
    costs one counting query, so it is only made when ``progress`` is given).
    """
    chosen = source_of(source, since, until)
    with opened(database, create=False) as db:
        counted = None if progress is None else _running_total(progress, exporting.count_rows(db.engine, chosen))
        return exporting.export(db.engine, chosen, format, output, progress=counted)


def _running_total(progress: Callable[[int, int], None], total: int) -> Callable[[int], None]:
    """Turn the rows of each batch into rows so far, out of ``total``."""
    done = 0

    def advance(batch_rows: int) -> None:
        nonlocal done
        done += batch_rows
        progress(done, total)

    return advance


def _require(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(f"this needs {module}: {ANALYSIS_EXTRA}") from None
