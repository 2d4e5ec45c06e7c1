"""Data-quality checks shared by ``status`` (which shows them) and ``health`` (which fails on them).

Each check is one set-based query (no per-row Python), and each is written once here. Where a
check is about the schema's promises (foreign keys, natural keys, expected fill), the query is
generated from ``db/schema.py``, so a new table is checked without anyone remembering to add it.
A check passes when it finds nothing.

The checks stay fast at the real archive's size (``health`` runs every few minutes under a
monitor): a key the database itself enforces (a unique index; on PostgreSQL a validated foreign
key) cannot be broken, so it is not scanned for; the field-size check looks at recent races only;
and big PostgreSQL tables' fill comes from the planner's statistics.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, Table, UniqueConstraint, and_, exists, func, inspect, literal, select, text, union_all
from sqlalchemy.engine import Connection, Engine

from darkhorses.db.schema import metadata, ra_mst_races, ra_mst_runners, written_by_populate
from darkhorses.ops.inventory import column_fill

EXAMPLES = 5
"""How many offending keys a check names; the count covers them all."""
RESULTS_DUE_AFTER_DAYS = 2
"""The daily sync fetches results for today and the two days before, so an older race must have one."""
RESULTS_WINDOW_DAYS = 365
FIELD_SIZE_WINDOW_DAYS = 30
"""The field-size check looks at races from this many days back onwards (today's cards included):
runners lost by a fetch show up the day it runs, without reading every runner ever stored."""
"""Results older than this need the history add-on; racecards from then may never get a result."""
EMPTY_JUDGED_FROM_ROWS = 1000
"""A column with no value is judged only in a table this big: a field present in one row in a
hundred (a wind operation, a stewards' note) is rightly absent from a handful of rows, but not
from a thousand."""


@dataclass(frozen=True)
class CheckResult:
    """What one check found: how many offending rows (or columns) and a few of them by name."""

    name: str
    description: str
    count: int
    examples: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.count == 0

    def reason(self) -> str:
        """One line for ``health``: the description, the count and the first examples."""
        shown = ", ".join(self.examples)
        return f"{self.description}: {self.count}" + (f" (e.g. {shown})" if shown else "")

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "description": self.description, "ok": self.ok, "count": self.count,
                "examples": list(self.examples)}


def _first_rows(connection: Connection, query: Select[tuple[str]]) -> tuple[int, tuple[str, ...]]:
    """Count every row of a one-column query and return the first few, in one statement."""
    keyed = query.subquery()
    key = keyed.c[0]
    rows = connection.execute(select(key, func.count().over()).order_by(key).limit(EXAMPLES)).all()
    return (rows[0][1] if rows else 0), tuple(str(row[0]) for row in rows)


def _labelled_counts(connection: Connection, queries: Sequence[Select[tuple[str, int]]]) -> tuple[int, tuple[str, ...]]:
    """Sum ``(label, count)`` rows from many generated queries run as one ``UNION ALL``."""
    rows = [row for row in connection.execute(union_all(*queries)).all() if row[1]]
    return sum(row[1] for row in rows), tuple(f"{label} {count}" for label, count in rows[:EXAMPLES])


def field_size_mismatches(connection: Connection, today: dt.date) -> tuple[int, tuple[str, ...]]:
    """Races of the last :data:`FIELD_SIZE_WINDOW_DAYS` days and ahead whose runners
    (non-runners excluded) differ from the declared field size.

    A racecard's field size counts the declared runners; a result's counts the starters. Either
    way a difference means runners were lost (quarantined, a failed unit) or never loaded.
    """
    races = ra_mst_races.c
    started = (
        select(func.count()).where(ra_mst_runners.c.race_id == races.id, ra_mst_runners.c.is_non_runner.is_not(True))
        .scalar_subquery()
    )
    query = select(races.id).where(
        races.date >= today - dt.timedelta(days=FIELD_SIZE_WINDOW_DAYS), races.field_size.is_not(None),
        races.is_abandoned.is_not(True), started != races.field_size,
    )
    return _first_rows(connection, query)


def races_without_results(connection: Connection, today: dt.date) -> tuple[int, tuple[str, ...]]:
    """Races older than two days, inside the results window, not abandoned, with no result."""
    query = select(ra_mst_races.c.id).where(
        ra_mst_races.c.date >= today - dt.timedelta(days=RESULTS_WINDOW_DAYS),
        ra_mst_races.c.date < today - dt.timedelta(days=RESULTS_DUE_AFTER_DAYS),
        ra_mst_races.c.has_result.is_not(True),
        ra_mst_races.c.is_abandoned.is_not(True),
    )
    return _first_rows(connection, query)


def orphan_foreign_keys(connection: Connection, today: dt.date) -> tuple[int, tuple[str, ...]]:
    """Rows whose foreign key names a parent that does not exist, for every declared foreign key.

    Both engines enforce the keys on our own writes; this catches databases written by other
    tools, or by connections with enforcement off (SQLite's default outside DarkHorses). A
    PostgreSQL key that is declared, validated and whose triggers are on cannot be broken, and is
    not scanned for.
    """
    enforced = _enforced_foreign_keys(connection)
    queries = []
    for table in metadata.sorted_tables:
        for fk in table.foreign_key_constraints:
            if (table.name, tuple(element.parent.name for element in fk.elements)) in enforced:
                continue
            parent = fk.referred_table.alias("parent")
            pairs = [(element.parent, parent.c[element.column.name]) for element in fk.elements]
            label = f"{table.name}.{'+'.join(child.name for child, _ in pairs)}"
            queries.append(
                select(literal(label), func.count())
                .select_from(table.outerjoin(parent, and_(*(child == other for child, other in pairs))))
                .where(*(child.is_not(None) for child, _ in pairs), pairs[0][1].is_(None))
            )
    return _labelled_counts(connection, queries) if queries else (0, ())


def _enforced_foreign_keys(connection: Connection) -> set[tuple[str, tuple[str, ...]]]:
    """(table, columns) of the foreign keys PostgreSQL enforces in the current schema: validated,
    with none of their triggers disabled. Empty on SQLite, where enforcement is a per-connection
    setting another writer may have left off."""
    if connection.dialect.name != "postgresql":
        return set()
    rows = connection.execute(text(
        "SELECT c.conrelid::regclass::text, array_agg(a.attname::text ORDER BY k.n) FROM pg_constraint c "
        "CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum "
        "WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace AND c.convalidated "
        "AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgconstraint = c.oid AND t.tgenabled = 'D') "
        "GROUP BY c.oid, c.conrelid"
    ))
    return {(table.strip('"'), tuple(columns)) for table, columns in rows}


def _unique_in_database(connection: Connection) -> set[tuple[str, frozenset[str]]]:
    """(table, columns) of every primary key and unique index the database holds: both engines
    always enforce them, so no duplicate can exist on those columns."""
    inspector = inspect(connection)
    found: set[tuple[str, frozenset[str]]] = set()
    for (_, table), key in inspector.get_multi_pk_constraint().items():
        found.add((table, frozenset(key["constrained_columns"])))
    for (_, table), constraints in inspector.get_multi_unique_constraints().items():
        found.update((table, frozenset(c["column_names"])) for c in constraints)
    for (_, table), indexes in inspector.get_multi_indexes().items():
        found.update((table, frozenset(i["column_names"])) for i in indexes
                     if i["unique"] and None not in i["column_names"] and not i.get("dialect_options", {}).get(
                         "postgresql_where") and not i.get("dialect_options", {}).get("sqlite_where"))
    return found


def _natural_keys(table: Table) -> list[tuple[str, ...]]:
    """The table's unique keys, leaving out a surrogate id the database itself hands out."""
    keys = [tuple(column.name for column in table.primary_key.columns)]
    if all(table.c[name].info.get("populated_by") == "database" for name in keys[0]):
        keys = []
    keys += [tuple(column.name for column in constraint.columns) for constraint in table.constraints
             if isinstance(constraint, UniqueConstraint)]
    return keys


def duplicate_natural_keys(connection: Connection, today: dt.date) -> tuple[int, tuple[str, ...]]:
    """Natural keys held by more than one row (a key the database was created without enforcing;
    keys it enforces are not scanned)."""
    enforced = _unique_in_database(connection)
    queries = []
    for table in metadata.sorted_tables:
        for key in _natural_keys(table):
            if (table.name, frozenset(key)) in enforced:
                continue
            columns = [table.c[name] for name in key]
            repeated = select(*columns).where(*(c.is_not(None) for c in columns)).group_by(*columns)
            repeated = repeated.having(func.count() > 1).subquery()
            queries.append(select(literal(f"{table.name}({', '.join(key)})"), func.count()).select_from(repeated))
    return _labelled_counts(connection, queries) if queries else (0, ())


def _confirm_empty(connection: Connection, table: Table, names: list[str]) -> dict[str, int]:
    """Whether columns the planner's sample found no value in really have none (1 or 0 each): a
    look-up that stops at the first value for one or two columns, one scan for more (a truly
    empty column is read to the end either way)."""
    if len(names) <= 2:
        return {name: int(bool(connection.scalar(select(exists().where(table.c[name].is_not(None))))))
                for name in names}
    counts = connection.execute(select(*(func.count(table.c[name]) for name in names))).one()
    return dict(zip(names, counts))


def expected_fills() -> dict[Table, dict[str, float]]:
    """Columns whose schema ``info`` promises a minimum fill, by table (0 for a column that says
    why it may stay empty, ``empty_because``)."""
    found: dict[Table, dict[str, float]] = {}
    for table in metadata.sorted_tables:
        for column in table.columns:
            if "expected_fill" in column.info:
                found.setdefault(table, {})[column.name] = float(column.info["expected_fill"])
    return found


def fill_below_expected(connection: Connection, today: dt.date) -> tuple[int, tuple[str, ...]]:
    """Columns filled in fewer rows than their schema ``expected_fill``, and, in tables of at
    least :data:`EMPTY_JUDGED_FROM_ROWS` rows, columns the pipeline writes with no value at all
    that do not say why they may be empty (``empty_because``). Statistics are left to
    ``populate --status``: how full they are depends on how much history the database holds.
    Empty tables are skipped. One scan per table, or the planner's statistics for a big
    PostgreSQL table (their sample can miss a rare value, so columns they call empty are looked up:
    :func:`_confirm_empty`)."""
    expected = expected_fills()
    low = []
    for table in metadata.sorted_tables:
        rows, filled, estimated = column_fill(connection, table)
        if not rows:
            continue
        promised = expected.get(table, {})
        judged = {name for name in filled
                  if rows >= EMPTY_JUDGED_FROM_ROWS and not written_by_populate(table.c[name])}
        if estimated:
            filled.update(_confirm_empty(connection, table, [name for name, count in filled.items()
                                                             if not count and name in judged and name not in promised]))
        for name, count in filled.items():
            share = promised.get(name)
            if share is None and not count and name in judged:
                low.append(f"{table.name}.{name} empty")
            elif share is not None and count / rows < share:
                low.append(f"{table.name}.{name} {'~' if estimated else ''}{count / rows:.1%} < {share:.0%}")
    return len(low), tuple(low[:EXAMPLES])


Check = Callable[[Connection, dt.date], tuple[int, tuple[str, ...]]]
CHECKS: dict[str, tuple[str, Check]] = {
    "field_size": (f"races of the last {FIELD_SIZE_WINDOW_DAYS} days and ahead whose runners differ from the "
                   "declared field size", field_size_mismatches),
    "missing_results": ("races older than two days without results", races_without_results),
    "orphan_keys": ("rows whose foreign key has no parent", orphan_foreign_keys),
    "duplicate_keys": ("natural keys held by more than one row", duplicate_natural_keys),
    "fill": ("columns filled below their expected fill, or empty with no reason given", fill_below_expected),
}


def run_checks(engine: Engine, today: dt.date) -> list[CheckResult]:
    """Every check, in a fixed order, on one connection."""
    with engine.connect() as connection:
        return [CheckResult(name, description, *check(connection, today))
                for name, (description, check) in CHECKS.items()]
