"""``darkhorses export``: a table, a preset shape or a read-only query to CSV, Parquet or JSON Lines.

Rows stream from the database in batches (a server-side cursor on PostgreSQL, SQLite's stepping
cursor) and each batch is written and dropped before the next is fetched, so memory stays flat
whatever the size. Every column has a *kind* (integer, float, boolean, date, time, timestamp,
text, JSON) taken from the schema; a column of a free query takes the kind of the schema column of
the same name when that name has one kind everywhere (``date``, ``off_dt``, ...), otherwise the
kind of its first non-empty value. The kind decides the Parquet type (``date32``,
``timestamp[us, UTC]``, ``float64``, ``int64``, ...) and the CSV spelling (ISO 8601 dates and
times with their zone, ``true``/``false``, JSON text, and an empty field for NULL).

Parquet needs the ``export`` extra (``pip install 'darkhorses[export]'``, pyarrow); CSV and JSON
Lines need nothing more. A file is written under a temporary name and renamed when complete, so
a failed export never leaves a truncated file behind.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Literal

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, Numeric, Select, String, Table, Time, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Join
from sqlalchemy.types import TypeEngine

from darkhorses.db import schema
from darkhorses.db.engine import _first_line
from darkhorses.errors import ConfigError, DatabaseError
from darkhorses.ops.readonly import check_read_only, read_only_connection

Kind = Literal["int", "float", "bool", "date", "time", "timestamp", "text", "json"]
Format = Literal["csv", "parquet", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "parquet", "jsonl")
PRESETS = ("results", "racecards")
PARQUET_EXTRA = "pip install 'darkhorses[export]'"


# --------------------------------------------------------------------------- column kinds


def kind_of(type_: TypeEngine[Any]) -> Kind:
    """The export kind of a SQLAlchemy column type."""
    checks: tuple[tuple[type, Kind], ...] = (
        (Boolean, "bool"), (Integer, "int"), (Numeric, "float"), (Float, "float"), (DateTime, "timestamp"),
        (Date, "date"), (Time, "time"), (JSON, "json"),
    )
    impl = getattr(type_, "impl_instance", None) or type_
    for cls, kind in checks:
        if isinstance(impl, cls):
            return kind
    return "text"


def _schema_kinds() -> dict[str, Kind]:
    """Column names with a single kind across the whole schema (used to type free queries)."""
    seen: dict[str, set[Kind]] = {}
    for table in schema.metadata.sorted_tables:
        for column in table.columns:
            seen.setdefault(column.name, set()).add(kind_of(column.type))
    return {name: next(iter(kinds)) for name, kinds in seen.items() if len(kinds) == 1}


SCHEMA_KINDS = _schema_kinds()


def _value_kind(value: object) -> Kind:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float | Decimal):
        return "float"
    if isinstance(value, dt.datetime):
        return "timestamp"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    if isinstance(value, dict | list):
        return "json"
    return "text"


def _to_timestamp(value: Any) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)


def _to_int(value: Any) -> int:
    """Strict: Arrow would silently truncate 1.5 to 1 in an integer column."""
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal) and value == int(value):
        return int(value)
    raise ValueError(f"{value!r} is not an integer")


def _to_json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)


_CONVERT: dict[Kind, Callable[[Any], Any]] = {
    "int": _to_int,
    "float": float,
    "bool": bool,
    "date": lambda v: dt.date.fromisoformat(v[:10]) if isinstance(v, str) else v,
    "time": lambda v: dt.time.fromisoformat(v) if isinstance(v, str) else v,
    "timestamp": _to_timestamp,
    "text": lambda v: v if isinstance(v, str) else str(v),
    "json": _to_json_text,
}
"""Raw driver values to the Python type of their kind (SQLite hands back text and integers)."""


@dataclass(frozen=True)
class OutputColumn:
    name: str
    kind: Kind


# --------------------------------------------------------------------------- what to export


@dataclass(frozen=True)
class ExportSource:
    """Exactly one of a ``ra_*`` table, a preset shape or a read-only SQL query, with an optional
    race-date window (``since`` and ``until`` inclusive; not for a query, which filters itself)."""

    table: str | None = None
    preset: str | None = None
    query: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def __post_init__(self) -> None:
        given = [name for name in ("table", "preset", "query") if getattr(self, name)]
        if len(given) != 1:
            raise ConfigError("export needs exactly one of a TABLE, --preset or --query")
        if self.table is not None and self.table not in exportable_tables():
            known = ", ".join(sorted(exportable_tables()))
            raise ConfigError(f"unknown table {self.table!r}; exportable tables: {known}")
        if self.preset is not None and self.preset not in PRESETS:
            raise ConfigError(f"unknown preset {self.preset!r}; presets: {', '.join(PRESETS)}")
        if self.query is not None:
            if self.since or self.until:
                raise ConfigError("--since/--until filter tables and presets; put the dates in the query itself")
            object.__setattr__(self, "query", check_read_only(self.query))
        if self.since and self.until and self.since > self.until:
            raise ConfigError(f"--since {self.since} is after --until {self.until}")


def exportable_tables() -> list[str]:
    """The contract tables (``ra_*``), which are what downstream users read."""
    return [table.name for table in schema.CONTRACT_TABLES]


def _races_in_window(since: dt.date | None, until: dt.date | None) -> list[ColumnElement[bool]]:
    races = schema.ra_mst_races
    return [condition for condition in (races.c.date >= since if since else None,
                                        races.c.date <= until if until else None) if condition is not None]


def _date_filter(table: Table, since: dt.date | None, until: dt.date | None) -> list[ColumnElement[bool]]:
    """Keep the rows of races run between ``since`` and ``until``, through the table's race link."""
    if since is None and until is None:
        return []
    window = _races_in_window(since, until)
    races, runners = schema.ra_mst_races, schema.ra_mst_runners
    if table is races:
        return window
    if "race_id" in table.c:
        return [table.c.race_id.in_(select(races.c.id).where(*window))]
    if "runner_id" in table.c:
        in_window = select(runners.c.id).join(races, races.c.id == runners.c.race_id).where(*window)
        return [table.c.runner_id.in_(in_window)]
    raise ConfigError(f"{table.name} has no race date: export it without --since/--until")


def table_statement(name: str, since: dt.date | None = None, until: dt.date | None = None) -> Select[Any]:
    """Every row of one table (in primary-key order), optionally only for races in the window."""
    table = schema.metadata.tables[name]
    order = list(table.primary_key.columns) or list(table.columns)[:1]
    return select(table).where(*_date_filter(table, since, until)).order_by(*order)


# --------------------------------------------------------------------------- presets

_PRE_RACE_SKIP = {"id", "runner_id", "horse_id", "created_at", "updated_at"}


def _preset_base() -> tuple[Join, list[ColumnElement[Any]]]:
    """Race conditions, the runner, its connections and its pre-race form, one row per runner.

    The pre-race figures are ``ra_runner_statistics``, which counts only the horse's runs before
    the race (STATISTICS.md §7); the runner's ``ofr``, weight, draw and headgear are what it
    carried into the race. Nothing here is read from the race's own result.
    """
    ru, ra, h, rs = schema.ra_mst_runners, schema.ra_mst_races, schema.ra_mst_horses, schema.ra_runner_statistics
    co, j, t, o = schema.ra_mst_courses, schema.ra_mst_jockeys, schema.ra_mst_trainers, schema.ra_mst_owners
    s, d, ds = schema.ra_mst_sires, schema.ra_mst_dams, schema.ra_mst_damsires
    sire_id = func.coalesce(h.c.sire_id, ru.c.sire_id)
    dam_id = func.coalesce(h.c.dam_id, ru.c.dam_id)
    damsire_id = func.coalesce(h.c.damsire_id, ru.c.damsire_id)
    columns: list[ColumnElement[Any]] = [
        ru.c.race_id, ra.c.date.label("race_date"), ra.c.off_dt, ra.c.course_id,
        func.coalesce(co.c.name, ra.c.course_name).label("course"), ra.c.region, ra.c.race_name,
        ra.c.type.label("race_type"), ra.c.race_class, ra.c.pattern, ra.c.age_band, ra.c.rating_band,
        ra.c.sex_restriction, ra.c.distance_round.label("distance"), ra.c.distance_f, ra.c.distance_y,
        ra.c.going, ra.c.surface, ra.c.field_size, ra.c.prize.label("race_prize"),
        ra.c.prize_currency.label("race_prize_currency"),
        ru.c.id.label("runner_id"), ru.c.horse_id, func.coalesce(h.c.name, ru.c.horse_name).label("horse"),
        ru.c.age, func.coalesce(ru.c.sex_code, h.c.sex_code).label("sex_code"), ru.c.number, ru.c.draw,
        ru.c.weight_lbs, ru.c.headgear, ru.c.ofr.label("official_rating"),
        func.coalesce(ru.c.is_non_runner, False).label("non_runner"),
        sire_id.label("sire_id"), s.c.name.label("sire"), dam_id.label("dam_id"), d.c.name.label("dam"),
        damsire_id.label("damsire_id"), ds.c.name.label("damsire"),
        ru.c.jockey_id, func.coalesce(j.c.name, ru.c.jockey_name).label("jockey"), ru.c.jockey_claim_lbs,
        ru.c.trainer_id, func.coalesce(t.c.name, ru.c.trainer_name).label("trainer"),
        ru.c.owner_id, func.coalesce(o.c.name, ru.c.owner_name).label("owner"),
        *(column.label(f"pre_{column.name}") for column in rs.columns if column.name not in _PRE_RACE_SKIP),
    ]
    joined = (
        ru.join(ra, ra.c.id == ru.c.race_id)
        .outerjoin(co, co.c.id == ra.c.course_id)
        .outerjoin(h, h.c.id == ru.c.horse_id)
        .outerjoin(s, s.c.id == sire_id).outerjoin(d, d.c.id == dam_id).outerjoin(ds, ds.c.id == damsire_id)
        .outerjoin(j, j.c.id == ru.c.jockey_id).outerjoin(t, t.c.id == ru.c.trainer_id)
        .outerjoin(o, o.c.id == ru.c.owner_id)
        .outerjoin(rs, rs.c.runner_id == ru.c.id)
    )
    return joined, columns


def preset_statement(name: str, since: dt.date | None = None, until: dt.date | None = None) -> Select[Any]:
    """``results``: one row per runner of a resulted race, its pre-race form and then its result.
    ``racecards``: one row per declared runner with the racecard's own figures and best price.

    Rows come in race order (date, off time, race id) and runner id within a race.
    """
    ru, ra, rr, odds = schema.ra_mst_runners, schema.ra_mst_races, schema.ra_mst_race_results, schema.ra_runner_odds
    joined, columns = _preset_base()
    where = _races_in_window(since, until)
    if name == "results":
        extra: list[ColumnElement[Any]] = [
            ru.c.position, ru.c.position_raw, ru.c.distance_beaten, ru.c.overall_beaten_distance,
            ru.c.starting_price, ru.c.starting_price_decimal, ru.c.bsp, ru.c.prize_won, ru.c.prize_currency,
            ru.c.finishing_time_seconds, rr.c.rpr.label("rpr"), rr.c.tsr.label("tsr"), ru.c.race_comment,
        ]
        joined = joined.outerjoin(rr, (rr.c.race_id == ru.c.race_id) & (rr.c.horse_id == ru.c.horse_id))
        where.append(ra.c.has_result.is_(True))
    else:
        best = (select(odds.c.race_id, odds.c.horse_id, func.max(odds.c.decimal_odds).label("best_odds_decimal"))
                .group_by(odds.c.race_id, odds.c.horse_id).subquery("best"))
        extra = [ru.c.form, ru.c.last_run, ru.c.rpr, ru.c.ts, ru.c.wind_surgery, ru.c.trainer_rtf, ru.c.comment,
                 ru.c.spotlight, best.c.best_odds_decimal]
        joined = joined.outerjoin(best, (best.c.race_id == ru.c.race_id) & (best.c.horse_id == ru.c.horse_id))
    return (select(*columns, *extra).select_from(joined).where(*where)
            .order_by(ra.c.date, ra.c.off_dt, ru.c.race_id, ru.c.id))


# --------------------------------------------------------------------------- streaming


def statement_for(source: ExportSource) -> Select[Any] | str:
    """The SQLAlchemy statement of a table or preset, or the checked text of a query."""
    if source.table is not None:
        return table_statement(source.table, source.since, source.until)
    if source.preset is not None:
        return preset_statement(source.preset, source.since, source.until)
    assert source.query is not None
    return source.query


def count_rows(engine: Engine, source: ExportSource) -> int:
    """How many rows the export will write (one extra query: only worth it for a progress bar)."""
    statement = statement_for(source)
    with read_only_connection(engine) as connection:
        if isinstance(statement, str):
            return int(connection.exec_driver_sql(f"SELECT COUNT(*) FROM ({statement}) AS q").scalar_one())
        return int(connection.execute(select(func.count()).select_from(statement.order_by(None).subquery()))
                   .scalar_one())


def _batch_rows(width: int) -> int:
    """Rows per fetch: about 400,000 values a batch, so a wide table fetches fewer rows at once."""
    return max(500, min(20_000, 400_000 // max(width, 1)))


@dataclass(frozen=True)
class _Columns:
    """What is known of the result's columns before any row is read."""

    names: list[str]
    kinds: list[Kind | None]  # None: to be inferred from the first values (free queries)
    raw: list[bool]  # values that come back as something other than their kind's Python type


def _typed_columns(statement: Select[Any]) -> _Columns:
    """SQLAlchemy already returns dates, floats and aware timestamps for schema types; only JSON
    (Python objects) and text stored in a non-text type (UUIDs) still need turning into text."""
    kinds = [kind_of(column.type) for column in statement.selected_columns]
    raw = [kind == "json" or (kind == "text" and not isinstance(column.type, String))
           for kind, column in zip(kinds, statement.selected_columns, strict=True)]
    return _Columns([column.name for column in statement.selected_columns], list(kinds), raw)


@contextlib.contextmanager
def _stream(engine: Engine, source: ExportSource) -> Iterator[tuple[_Columns, Iterator[Sequence[Any]]]]:
    """The result's columns and an iterator of row batches, inside a read-only transaction."""
    statement = statement_for(source)
    with read_only_connection(engine) as connection:
        streaming = connection.execution_options(stream_results=True, max_row_buffer=20_000)
        if isinstance(statement, str):
            result = streaming.exec_driver_sql(statement)
            names = list(result.keys())
            columns = _Columns(names, [SCHEMA_KINDS.get(name) for name in names], [True] * len(names))
        else:
            result = streaming.execute(statement)
            columns = _typed_columns(statement)
        yield columns, result.partitions(_batch_rows(len(columns.names)))
        result.close()


def _settle_kinds(kinds: list[Kind | None], first: Sequence[Sequence[Any]]) -> list[Kind]:
    """Fill the unknown kinds from the first non-NULL value in the first batch (text if none)."""
    settled: list[Kind] = []
    for index, kind in enumerate(kinds):
        if kind is None:
            value = next((row[index] for row in first if row[index] is not None), None)
            kind = "text" if value is None else _value_kind(value)
        settled.append(kind)
    return settled


def _converter(kinds: list[Kind], raw: list[bool]) -> Callable[[Sequence[Any]], list[Any]]:
    """Turn one fetched row into values of the columns' kinds, touching only the raw columns."""
    plan = [(i, _CONVERT[kind]) for i, kind in enumerate(kinds) if raw[i]]
    if not plan:
        return list

    def convert(row: Sequence[Any]) -> list[Any]:
        values = list(row)
        for i, function in plan:
            if values[i] is not None:
                values[i] = function(values[i])
        return values

    return convert


# --------------------------------------------------------------------------- writers


class _Writer:
    def __init__(self, sink: IO[bytes], columns: list[OutputColumn]) -> None:
        self.columns = columns

    def write(self, rows: list[list[Any]]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        """Release the sink after a failure (its content is discarded by the caller)."""
        with contextlib.suppress(Exception):
            self.close()


def _csv_cell(kind: Kind) -> Callable[[Any], Any] | None:
    if kind == "timestamp":
        return lambda v: v.isoformat()
    if kind == "bool":
        return lambda v: "true" if v else "false"
    return None


class _CsvWriter(_Writer):
    """RFC 4180 CSV with a header row; NULL is an empty field (so is an empty text)."""

    def __init__(self, sink: IO[bytes], columns: list[OutputColumn]) -> None:
        super().__init__(sink, columns)
        self.text = io.TextIOWrapper(sink, encoding="utf-8", newline="", write_through=False)
        self.csv = csv.writer(self.text, lineterminator="\n")
        self.csv.writerow([c.name for c in columns])
        self.cells = [(i, cell) for i, c in enumerate(columns) if (cell := _csv_cell(c.kind)) is not None]

    def write(self, rows: list[list[Any]]) -> None:
        if self.cells:
            for row in rows:
                for i, cell in self.cells:
                    if row[i] is not None:
                        row[i] = cell(row[i])
        self.csv.writerows(rows)

    def close(self) -> None:
        self.text.flush()
        self.text.detach()


def _json_default(value: object) -> object:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


class _JsonLinesWriter(_Writer):
    """One JSON object per line; JSON columns are embedded as JSON, dates as ISO 8601 text."""

    def __init__(self, sink: IO[bytes], columns: list[OutputColumn]) -> None:
        super().__init__(sink, columns)
        self.text = io.TextIOWrapper(sink, encoding="utf-8", newline="\n", write_through=False)
        self.names = [c.name for c in columns]
        self.json_columns = [i for i, c in enumerate(columns) if c.kind == "json"]

    def write(self, rows: list[list[Any]]) -> None:
        lines = []
        for row in rows:
            for i in self.json_columns:
                if row[i] is not None:
                    row[i] = json.loads(row[i])
            lines.append(json.dumps(dict(zip(self.names, row, strict=True)), default=_json_default,
                                    ensure_ascii=False))
        self.text.write("\n".join(lines) + "\n")

    def close(self) -> None:
        self.text.flush()
        self.text.detach()


def arrow_schema(columns: Sequence[OutputColumn]) -> Any:
    """The Parquet (Arrow) schema: proper dates, UTC timestamps, float64 prices, int64 counts."""
    pa = _pyarrow()
    types = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "date": pa.date32(),
             "time": pa.time64("us"), "timestamp": pa.timestamp("us", tz="UTC"), "text": pa.string(),
             "json": pa.string()}
    return pa.schema([pa.field(c.name, types[c.kind]) for c in columns])


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError:
        raise ConfigError(f"Parquet export needs pyarrow: {PARQUET_EXTRA}") from None
    return pyarrow


class _ParquetWriter(_Writer):
    """Parquet (zstd), one row group per batch."""

    def __init__(self, sink: IO[bytes], columns: list[OutputColumn]) -> None:
        super().__init__(sink, columns)
        import pyarrow.parquet as pq

        self.pa = _pyarrow()
        self.schema = arrow_schema(columns)
        self.writer = pq.ParquetWriter(sink, self.schema, compression="zstd")

    def write(self, rows: list[list[Any]]) -> None:
        arrays = [self.pa.array(values, type=field.type) for values, field in zip(zip(*rows, strict=True),
                                                                                 self.schema, strict=True)]
        self.writer.write_batch(self.pa.RecordBatch.from_arrays(arrays, schema=self.schema))

    def close(self) -> None:
        self.writer.close()


_WRITERS: dict[Format, type[_Writer]] = {"csv": _CsvWriter, "parquet": _ParquetWriter, "jsonl": _JsonLinesWriter}


# --------------------------------------------------------------------------- the API


@dataclass(frozen=True)
class ExportResult:
    """What was written: rows, the columns and their kinds, the format and where to."""

    rows: int
    columns: tuple[OutputColumn, ...]
    format: Format
    output: str


def export(engine: Engine, source: ExportSource, fmt: Format, output: Path | IO[bytes], *,
           progress: Callable[[int], None] | None = None) -> ExportResult:
    """Stream ``source`` into ``output`` (a path, or an open binary stream such as stdout) as ``fmt``.

    The query runs in a read-only transaction; ``progress`` is called with the rows of each batch
    written. A path is written under a temporary name and renamed only when the export completes.
    """
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    if fmt == "parquet":
        _pyarrow()
    if isinstance(output, Path):
        partial = output.with_name(f".{output.name}.partial")
        try:
            with partial.open("wb") as sink:
                result = _export_to(engine, source, fmt, sink, str(output), progress)
            os.replace(partial, output)
        except OSError as exc:
            raise ConfigError(f"cannot write {output}: {exc.strerror or exc}") from None
        finally:
            partial.unlink(missing_ok=True)
        return result
    return _export_to(engine, source, fmt, output, "-", progress)


def _export_to(engine: Engine, source: ExportSource, fmt: Format, sink: IO[bytes], label: str,
               progress: Callable[[int], None] | None) -> ExportResult:
    try:
        return _write_all(engine, source, fmt, sink, label, progress)
    except DBAPIError as exc:
        raise DatabaseError(f"the export query failed: {_first_line(exc)}") from None


@contextlib.contextmanager
def _fitting(source: ExportSource) -> Iterator[None]:
    """A free query's column whose values change type part-way (SQLite is dynamically typed), or
    whose name promised another type, is a :class:`ConfigError` (schema-typed columns always fit)."""
    try:
        yield
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        if source.query is None:
            raise
        raise ConfigError(f"a query column's values do not all fit one type ({exc}); CAST the column in the query") \
            from None


@contextlib.contextmanager
def read_batches(engine: Engine, source: ExportSource) -> Iterator[tuple[list[OutputColumn], Iterator[list[list[Any]]]]]:
    """The columns of ``source`` and its rows in batches, each value of its column's kind, inside
    a read-only transaction: what every format (and :func:`darkhorses.rows` and friends) is
    written from. A value that does not fit its column raises :class:`ConfigError` for a query."""
    with _stream(engine, source) as (known, batches):
        first = next(batches, [])
        kinds = _settle_kinds(known.kinds, first)
        convert = _converter(kinds, known.raw)

        def converted() -> Iterator[list[list[Any]]]:
            batch: Sequence[Sequence[Any]] | None = first
            while batch:
                with _fitting(source):
                    values = [convert(row) for row in batch]
                yield values
                batch = next(batches, None)

        yield [OutputColumn(name, kind) for name, kind in zip(known.names, kinds, strict=True)], converted()


def _write_all(engine: Engine, source: ExportSource, fmt: Format, sink: IO[bytes], label: str,
               progress: Callable[[int], None] | None) -> ExportResult:
    with read_batches(engine, source) as (columns, batches):
        writer = _WRITERS[fmt](sink, columns)
        rows = 0
        try:
            for batch in batches:
                with _fitting(source):
                    writer.write(batch)
                rows += len(batch)
                if progress is not None:
                    progress(len(batch))
        except BaseException:
            writer.abort()
            raise
        writer.close()
    return ExportResult(rows, tuple(columns), fmt, label)
