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
import datetime as dt
import importlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from darkhorses.db import migrate as migrations
from darkhorses.db.engine import describe, make_engine
from darkhorses.errors import ConfigError, DatabaseError
from darkhorses.ops import export as exporting
from darkhorses.ops.export import ExportResult, ExportSource, Format
from darkhorses.ops.status import open_for_reading, require_schema

if TYPE_CHECKING:
    import pandas
    import pyarrow

    from darkhorses.ops.card import Card
    from darkhorses.ops.digest import TableDigest
    from darkhorses.ops.health import HealthReport
    from darkhorses.ops.status import StatusReport
    from darkhorses.stats.status import TableStatus

ANALYSIS_EXTRA = "pip install 'darkhorses[analysis]'"


@dataclass(frozen=True, eq=False)
class Database:
    """An open DarkHorses database. ``engine`` is the SQLAlchemy engine, for anything the readers
    do not cover (``pandas.read_sql``, your own statements). Close it, or use it in ``with``."""

    engine: Engine

    def __repr__(self) -> str:
        return f"Database({self})"

    def __str__(self) -> str:
        """Where the database is, with any password masked."""
        return describe(self.engine.url)

    # ------------------------------------------------------------------ the schema

    def revision(self) -> str | None:
        """The schema revision the database is at (None: no DarkHorses tables yet)."""
        return migrations.current(self.engine)

    def upgrade(self, revision: str = "head") -> str | None:
        """Migrate the schema up to ``revision`` (default the newest, :func:`head_revision`);
        returns the revision it is at now."""
        migrations.upgrade(self.engine, revision)
        return self.revision()

    def downgrade(self, revision: str) -> str | None:
        """Migrate the schema back to ``revision`` (``base``: no tables at all), dropping the
        tables, and their data, that the later revisions added; returns the revision it is at now."""
        migrations.downgrade(self.engine, revision)
        return self.revision()

    # ------------------------------------------------------------------ what is in it

    def status(self, *, now: dt.datetime | None = None) -> StatusReport:
        """Rows and freshness per table, the work ledger, the last runs, enrichment and the
        data-quality checks: what ``darkhorses status`` shows (``to_json()`` is its ``--json``)."""
        from darkhorses.ops.status import build_status

        return build_status(self.engine, now=now)

    def health(self, *, now: dt.datetime | None = None) -> HealthReport:
        """Judge the pipeline at ``now``: ``ok``, or one line per ``problems`` (no daily run in 25
        hours, failed units in 3 days, a failing data-quality check). Sends no alert: see
        :func:`darkhorses.health` for the command's whole check."""
        from darkhorses.ops.health import check_health

        return check_health(self.engine, now)

    def statistics(self) -> list[TableStatus]:
        """Each statistics table's rows, last computation and column fill (``populate --status``)."""
        from darkhorses.stats.status import status

        return status(self.engine)

    def digest(self, tables: Iterable[str] | None = None) -> dict[str, TableDigest]:
        """A content digest (rows, sha256) per data table, or of ``tables``: equal digests mean equal
        data on any engine, so a copy to PostgreSQL can be checked against its SQLite source."""
        from sqlalchemy import inspect

        from darkhorses.ops.digest import data_tables, database_digest

        chosen = None if tables is None else list(tables)
        known = [table.name for table in data_tables()]
        unknown = sorted(set(chosen or ()) - set(known))
        if unknown:
            raise ConfigError(f"unknown table {unknown[0]!r}; digestible tables: {', '.join(known)}")
        missing = sorted(set(chosen or known) - set(inspect(self.engine).get_table_names()))
        if missing:
            raise DatabaseError(f"{self} has no table {missing[0]}; run `darkhorses db upgrade`")
        return database_digest(self.engine, chosen or None)

    def card(self, day: dt.date | str | None = None, *, course: str | None = None,
             race_id: str | None = None) -> Card:
        """The stored racecards of ``day`` (a date, ``YYYY-MM-DD``, ``today`` or ``tomorrow``;
        default today in London) with each runner's form, every figure as of the race date;
        only ``course`` (its name or the start of it) or the race ``race_id``."""
        from darkhorses.london import london_today
        from darkhorses.ops.card import build_card, parse_day

        if not isinstance(day, dt.date):
            day = parse_day(day, london_today())
        return build_card(self.engine, day, course=course, race_id=race_id)

    def close(self) -> None:
        """Release the connections (the data stays, of course)."""
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def connect(url: str, *, create: bool = True, migrate: bool = True) -> Database:
    """Open the database at ``url`` (``sqlite:///racing.db``, ``postgresql://user@host/db``),
    with every DarkHorses table at the newest schema: a new database is created, an older one
    migrated. ``create=False`` refuses a database that does not exist or that DarkHorses never
    created, rather than making an empty one (a typo in a path should not look like no data).
    ``migrate=False`` leaves the schema as it is: to read a database without changing it, or to
    move it yourself with :meth:`Database.upgrade` and :meth:`Database.downgrade`."""
    if create:
        engine = make_engine(url)
    else:
        engine = open_for_reading(url)
        require_schema(engine)
    if migrate:
        migrations.ensure_schema(engine)
    return Database(engine)


@dataclass(frozen=True)
class Inventory:
    """Every DarkHorses table and column with its type, source and expected fill; read from a
    database, each table's rows and each column's non-null count too. ``data`` is the plain JSON
    form (``darkhorses inventory --json``)."""

    data: dict[str, Any]

    @property
    def tables(self) -> list[dict[str, Any]]:
        """One dict per table: ``name``, ``column_count``, ``columns`` and, from a database, ``rows``
        (None for a table the database lacks)."""
        return self.data["tables"]

    def filled_columns(self, table: dict[str, Any]) -> int | None:
        """How many of ``table``'s columns are filled at or above their expected fill; None when
        there are no rows to judge."""
        from darkhorses.ops.inventory import meets_expected_fill

        rows = table.get("rows")
        if not rows:
            return None
        return sum(1 for column in table["columns"]
                   if meets_expected_fill(column["non_null"] / rows, column["expected_fill"]))

    def markdown(self) -> str:
        """The tables and columns as the Markdown page ``docs/tables.md`` (the schema alone: no
        rows or fill, so the page changes only with the schema)."""
        from darkhorses.ops.inventory import inventory_markdown

        return inventory_markdown(self.data)


def inventory(database: Database | str | None = None) -> Inventory:
    """The inventory of the schema this version defines, or of ``database`` with row counts and
    column fill. A database that is only partly migrated still reports (missing tables have no
    rows); one that does not exist is refused rather than created."""
    from darkhorses.ops.inventory import build_inventory

    if database is None:
        return Inventory(build_inventory())
    if isinstance(database, Database):
        return Inventory(build_inventory(database.engine))
    with Database(open_for_reading(database)) as db:
        return Inventory(build_inventory(db.engine))


def head_revision() -> str:
    """The newest schema revision this version of DarkHorses knows."""
    return migrations.head()


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
