"""One bulk ``INSERT ... ON CONFLICT DO UPDATE`` for both engines.

The rules that matter:

* an upsert updates only the columns a row supplies. The results endpoint does not know a
  runner's pre-race comment, so a results row must never null it; a partial row leaves every
  other column as it was;
* a missing value never overwrites a present one: a column an API endpoint feeds is updated as
  ``COALESCE(new, stored)``, so a results body that blanks a rating the racecard carried, or a
  rerun of an older body, cannot erase it, in any arrival order. Two kinds of column are replaced
  as sent: those whose NULL is itself a value (``info["clearable"]``: the finishing place of a
  runner whose amended result says "DSQ") and those no payload feeds (statistics, bookkeeping:
  a recalculated NULL is the answer);
* ``created_at`` is never overwritten; ``updated_at`` is set whenever a row is written.

Rows are grouped by the set of columns they supply (one statement shape per group). Each shape
is compiled once per dialect and cached; its rows go to the driver's ``executemany`` as plain
parameter tuples, converted by the same bind processors SQLAlchemy would apply, so the stored
values are exactly those of a Core ``execute`` without its per-row bookkeeping (which cost more
than the insert itself on SQLite, where sqlite3 runs ``executemany`` in C). PostgreSQL gets large
groups through ``COPY`` into a temporary staging table and one ``INSERT ... SELECT ... ON
CONFLICT``, about twice as fast as ``executemany`` (benchmarks/RESULTS.md). Both ways convert the
values with the same bind processors (:func:`_bound`), so a group's size changes neither what is
stored nor which value is refused (a naive timestamp fails in a batch of 10 and of 600 alike).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Column, Table, UniqueConstraint, and_, func, or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect

from darkhorses.db.schema import metadata, owners

Row = Mapping[str, Any]
DEFAULT_BATCH = 2000
_NEVER_UPDATED = {"created_at"}


def conflict_key(table: Table) -> tuple[str, ...]:
    """The natural key rows are matched on: the first unique key of a table with a surrogate
    id, otherwise the primary key."""
    primary = tuple(c.name for c in table.primary_key)
    if primary != ("id",) or not table.c.id.autoincrement:
        return primary
    for constraint in sorted(table.constraints, key=lambda con: con.name or ""):
        if isinstance(constraint, UniqueConstraint):
            return tuple(c.name for c in constraint.columns)
    uniques = [c.name for c in table.columns if c.unique]
    if uniques:
        return (uniques[0],)
    return primary


def _merge_duplicates(rows: Iterable[Row], key: Sequence[str], table: Table) -> list[Row]:
    """Collapse rows with the same key, as one statement may touch a row once: later values win,
    except a missing one over a present one (the rule the statement applies to stored rows)."""
    identity = itemgetter(*key)
    kept = _kept_when_missing(table)
    merged: dict[Any, Row] = {}
    for row in rows:
        try:
            found = identity(row)
        except KeyError as exc:
            raise ValueError(f"row for upsert lacks key column {exc.args[0]!r}: {dict(row)!r}") from None
        earlier = merged.get(found)
        if earlier is None:
            merged[found] = row
        else:
            merged[found] = {**earlier, **{k: v for k, v in row.items() if v is not None or k not in kept}}
    return list(merged.values())


@lru_cache(maxsize=None)
def _kept_when_missing(table: Table) -> frozenset[str]:
    return frozenset(column.name for column in table.columns if kept_when_missing(column))


def kept_when_missing(column: Column) -> bool:
    """Whether a NULL sent for ``column`` leaves the stored value as it is: a nullable column an
    API endpoint feeds, unless its NULL is itself a value (``info["clearable"]``)."""
    return bool(column.nullable and owners(column) and not column.info.get("clearable"))


def missing_value_rule(column: Column) -> str | None:
    """What a payload's missing value does to ``column``, in words for the inventory (None for a
    column no payload feeds, or one that can never be NULL)."""
    if not owners(column) or not column.nullable:
        return None
    if column.info.get("clearable"):
        return "replaces: NULL is a value"
    fallback = column.info.get("fallback")
    return f"keeps stored; {fallback.template} only fills NULL" if fallback else "keeps stored"


class _Merge(NamedTuple):
    """How one updated column is set: the new value, or the new one unless it is missing."""

    name: str
    rule: str  # "replace" | "unless_missing"


def _merges(table: Table, columns: Iterable[str], key: Sequence[str]) -> list[_Merge]:
    return [
        _Merge(name, "unless_missing" if kept_when_missing(table.c[name]) else "replace")
        for name in sorted(columns)
        if name not in key and name not in _NEVER_UPDATED
    ]


def _stamps(table: Table, columns: Iterable[str]) -> list[str]:
    """The columns set to the time of writing (``info["stamp"]``: ``updated_at``) unless supplied."""
    return [column.name for column in table.columns if column.info.get("stamp") and column.name not in columns]


def _statement(table: Table, columns: frozenset[str], key: Sequence[str], dialect: str, update_existing: bool) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    if not update_existing:
        return statement.on_conflict_do_nothing(index_elements=list(key))
    new, stored = statement.excluded, table.c
    update = {
        merge.name: new[merge.name] if merge.rule == "replace" else func.coalesce(new[merge.name], stored[merge.name])
        for merge in _merges(table, columns, key)
    }
    update.update({name: func.now() for name in _stamps(table, columns)})
    compared = _compared(table, columns, key)
    if not update or not compared:
        return statement.on_conflict_do_nothing(index_elements=list(key))
    changed = or_(*(
        stored[merge.name].is_distinct_from(new[merge.name]) if merge.rule == "replace"
        else and_(new[merge.name].is_not(None), stored[merge.name].is_distinct_from(new[merge.name]))
        for merge in compared
    ))
    return statement.on_conflict_do_update(index_elements=list(key), set_=update, where=changed)


def _compared(table: Table, columns: Iterable[str], key: Sequence[str]) -> list[_Merge]:
    """The supplied columns whose change makes an existing row count as written, each with its
    merge rule: a row sent again unchanged (or with only missing values where stored ones are kept)
    is left alone, ``updated_at`` included, so the count is rows inserted or changed."""
    return [merge for merge in _merges(table, columns, key) if merge.name != "updated_at"]


@dataclass(frozen=True)
class _Prepared:
    """One statement shape, compiled for one dialect: its SQL, and how to turn a row (values in
    the shape's column order) into the driver's parameters: the compiled order, a bind processor
    per parameter, named or positional."""

    sql: str
    positions: tuple[int, ...]
    """For each parameter of ``sql``, in order, the index of its value in a row."""
    processors: tuple[Callable[[Any], Any] | None, ...]
    bind_names: tuple[str, ...] | None
    """The driver's parameter names for a named paramstyle (psycopg); None for a positional one."""

    def parameters(self, rows: Sequence[tuple[Any, ...]]) -> list[Any]:
        tuples: Sequence[tuple[Any, ...]] = rows
        if self.positions != tuple(range(len(self.positions))):
            tuples = list(map(_picker(self.positions), rows))
        tuples = _bound(tuples, self.processors)
        if self.bind_names is None:
            return list(tuples)
        return [dict(zip(self.bind_names, row)) for row in tuples]


Processors = tuple[Callable[[Any], Any] | None, ...]


def _processors(table: Table, columns: Sequence[str], dialect: Dialect) -> Processors:
    """Each column's bind processor for ``dialect`` (None where values pass as they are)."""
    return tuple(table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns)


def _bound(rows: Sequence[tuple[Any, ...]], processors: Processors) -> Sequence[tuple[Any, ...]]:
    """``rows`` with each value converted by its column's bind processor: the one conversion both
    the statements and COPY send, so both store the same values and refuse the same ones."""
    converting = [index for index, process in enumerate(processors) if process]
    if not converting or not rows:
        return rows
    columns: list[Sequence[Any]] = list(zip(*rows))
    for index in converting:
        columns[index] = _converted_column(columns[index], processors[index])  # type: ignore[arg-type]
    return list(zip(*columns))


def _picker(items: Sequence[Any]) -> Callable[[Any], tuple[Any, ...]]:
    """``itemgetter`` that always returns a tuple, even of one item."""
    if len(items) == 1:
        only = items[0]
        return lambda row: (row[only],)
    return itemgetter(*items)


def _converted_column(values: Sequence[Any], process: Callable[[Any], Any]) -> list[Any]:
    """``process`` applied down one column of a batch, once per distinct value: a day's odds carry
    a handful of distinct timestamps over twelve thousand rows, and a column at a time the
    look-ups run in C. Values that compare equal convert alike (the first one seen decides: the
    same instant in two zones, ``True`` and ``1``), in row order, so a refused value is the first
    one in the batch whatever else it holds; a column holding unhashable values (JSON) is
    converted value by value, remembering the hashable ones."""
    try:
        distinct = dict.fromkeys(values)
    except TypeError:
        return list(map(_remembered(process), values))
    converted = {value: process(value) for value in distinct}
    return list(map(converted.__getitem__, values))


def _remembered(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``process`` remembering its answers for hashable values; unhashable ones are converted each time."""
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = converted = process(value)
            return converted
        except TypeError:
            return process(value)

    return convert


@lru_cache(maxsize=512)
def _prepared(
    table: Table, columns: tuple[str, ...], key: tuple[str, ...], dialect: Dialect, update_existing: bool
) -> _Prepared:
    """Compile a statement shape once; a fetch writes the same few dozen shapes for every unit."""
    statement = _statement(table, frozenset(columns), key, dialect.name, update_existing)
    compiled = statement.compile(dialect=dialect, column_keys=list(columns))
    if compiled.positional:
        order = tuple(compiled.positiontup or ())
        bind_names = None
    else:
        order = columns
        bind_names = tuple(compiled.escaped_bind_names.get(name, name) for name in order)
    if sorted(order) != sorted(columns):
        raise RuntimeError(f"{table.name}: compiled parameters {order} are not the columns {columns}")
    return _Prepared(compiled.string, tuple(map(columns.index, order)), _processors(table, order, dialect), bind_names)


COPY_THRESHOLD = 500
"""Groups at least this large go through COPY on PostgreSQL."""


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


_MERGE_SQL = {
    "replace": 'EXCLUDED."{name}"',
    "unless_missing": 'COALESCE(EXCLUDED."{name}", "{table}"."{name}")',
}
_CHANGED_SQL = {
    "replace": '"{table}"."{name}" IS DISTINCT FROM EXCLUDED."{name}"',
    "unless_missing": '(EXCLUDED."{name}" IS NOT NULL AND "{table}"."{name}" IS DISTINCT FROM EXCLUDED."{name}")',
}
""":class:`_Merge` rules as SQL for the COPY path (the same rules the compiled statements use)."""


def _copy_upsert(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]],
    key: Sequence[str], update_existing: bool, added: Counter[str] | None,
) -> int:
    """Stage ``rows`` (values in ``columns`` order) with COPY, then merge them into ``table`` with
    one statement; returns the rows inserted or changed, and adds those inserted to ``added``
    (a row the statement inserted has no ``xmax``; one it updated has the transaction's)."""
    bound = _bound(rows, _processors(table, columns, connection.dialect))
    stage = f"_dh_stage_{table.name}"
    connection.exec_driver_sql(
        f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" (LIKE "{table.name}" INCLUDING DEFAULTS) ON COMMIT DROP'
    )
    connection.exec_driver_sql(f'TRUNCATE "{stage}"')
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f'COPY "{stage}" ({_quoted(columns)}) FROM STDIN') as copy:
        for row in bound:
            copy.write_row(row)
    updates = [
        f'"{merge.name}" = ' + _MERGE_SQL[merge.rule].format(name=merge.name, table=table.name)
        for merge in _merges(table, columns, key)
    ]
    updates += [f'"{name}" = now()' for name in _stamps(table, columns)]
    changed = " OR ".join(_CHANGED_SQL[merge.rule].format(name=merge.name, table=table.name)
                          for merge in _compared(table, columns, key))
    action = f"DO UPDATE SET {', '.join(updates)} WHERE {changed}" if update_existing and changed else "DO NOTHING"
    written, inserted = connection.exec_driver_sql(
        f'WITH merged AS (INSERT INTO "{table.name}" ({_quoted(columns)}) SELECT {_quoted(columns)} FROM "{stage}" '
        f"ON CONFLICT ({_quoted(key)}) {action} RETURNING xmax = 0 AS inserted) "
        "SELECT count(*), count(*) FILTER (WHERE inserted) FROM merged"
    ).one()
    if added is not None:
        added[table.name] += inserted
    return written


def upsert(
    connection: Connection,
    table: Table,
    rows: Iterable[Row],
    *,
    key: Sequence[str] | None = None,
    batch_size: int = DEFAULT_BATCH,
    update_existing: bool = True,
    added: Counter[str] | None = None,
) -> int:
    """Insert or update ``rows`` in ``table`` on ``key`` (default: :func:`conflict_key`).

    With ``update_existing=False`` rows that already exist are left alone (parents another
    endpoint owns: create if missing, never overwrite). Returns the number of rows inserted or
    changed (a row sent again with the same values is not written); ``added``, when given, is
    increased by the rows that are new (see :func:`upsert_tuples`). Runs inside the caller's
    transaction, so a work unit's rows and its ledger entry commit together.
    """
    key = tuple(key or conflict_key(table))
    merged = _merge_duplicates(rows, key, table)
    groups: dict[frozenset[str], list[Row]] = {}
    for row in merged:
        groups.setdefault(frozenset(row), []).append(row)
    written = 0
    for shape, group in groups.items():
        columns = tuple(sorted(shape))
        written += upsert_tuples(connection, table, columns, list(map(_picker(columns), group)), key=key,
                                 batch_size=batch_size, update_existing=update_existing, added=added)
    return written


def upsert_tuples(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    key: Sequence[str] | None = None,
    batch_size: int = DEFAULT_BATCH,
    update_existing: bool = True,
    added: Counter[str] | None = None,
) -> int:
    """:func:`upsert` for rows that are already tuples of ``columns``' values and distinct on
    ``key``: a day's twelve thousand prices skip building, merging and grouping a dict each.

    ``added[table]``, when given, grows by the rows whose key was not stored yet: a fetch sums
    these to know how many rows each table gained without counting a table of millions."""
    columns, key = tuple(columns), tuple(key or conflict_key(table))
    missing = set(columns) - set(table.c.keys())
    if missing:
        raise ValueError(f"{table.name} has no column(s) {sorted(missing)}")
    if connection.dialect.name == "postgresql" and len(rows) >= COPY_THRESHOLD:
        return _copy_upsert(connection, table, columns, rows, key, update_existing, added)
    newest_rowid = _newest_rowid(connection, table, columns) if added is not None else None
    if added is not None and newest_rowid is None:
        added[table.name] += len(rows) - _stored(connection, table, key, columns, rows)
    before = newest_rowid() if newest_rowid else 0
    prepared = _prepared(table, columns, key, connection.dialect, update_existing)
    written = 0
    for start in range(0, len(rows), batch_size):
        batch = prepared.parameters(rows[start : start + batch_size])
        written += connection.exec_driver_sql(prepared.sql, batch).rowcount
    if added is not None and newest_rowid:
        added[table.name] += newest_rowid() - before
    return written


def _newest_rowid(connection: Connection, table: Table, columns: Sequence[str]) -> Callable[[], int] | None:
    """On SQLite, the table's largest rowid, read from the end of its b-tree: SQLite gives each
    inserted row the largest rowid plus one, and the transaction holds the write lock, so the
    growth across one statement is exactly the rows it inserted (an update keeps its rowid). Not
    when the rows supply the rowid themselves (an INTEGER primary key they carry): None then."""
    if connection.dialect.name != "sqlite":
        return None
    primary = list(table.primary_key.columns)
    if len(primary) == 1 and primary[0].name in columns and primary[0].type.python_type is int:
        return None
    sql = f'SELECT max(rowid) FROM "{table.name}"'
    return lambda: connection.exec_driver_sql(sql).scalar() or 0


def _stored(connection: Connection, table: Table, key: Sequence[str], columns: Sequence[str],
            rows: Sequence[tuple[Any, ...]]) -> int:
    """How many of ``rows`` (values in ``columns`` order, distinct on ``key``) are already stored:
    an index look-up per key, in chunks well under SQLite's bound-parameter limit."""
    positions = [columns.index(name) for name in key]
    if len(key) == 1:
        keyed, pick = table.c[key[0]], itemgetter(positions[0])
    else:
        keyed, pick = tuple_(*(table.c[name] for name in key)), _picker(positions)
    chunk = 400 // len(key)
    found = 0
    for start in range(0, len(rows), chunk):
        keys = list(map(pick, rows[start : start + chunk]))
        found += connection.scalar(select(func.count()).select_from(table).where(keyed.in_(keys))) or 0
    return found


def upsert_all(
    connection: Connection, rows_by_table: Mapping[Table | str, Iterable[Row]], *, update_existing: bool = True,
    added: Counter[str] | None = None,
) -> dict[str, int]:
    """Upsert several tables in foreign-key order (parents first), whatever order they come in."""
    by_name = {(t if isinstance(t, str) else t.name): rows for t, rows in rows_by_table.items()}
    written: dict[str, int] = {}
    for table in metadata.sorted_tables:
        if table.name in by_name:
            rows = by_name.pop(table.name)
            written[table.name] = upsert(connection, table, rows, update_existing=update_existing, added=added)
    if by_name:
        raise ValueError(f"unknown table(s) {sorted(by_name)}")
    return written
