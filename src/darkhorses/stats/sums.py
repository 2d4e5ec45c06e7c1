"""The additive sums behind the grouped statistics, kept between populates (``dh_stats_sums``).

Every people, pedigree, performance and combination figure is a function of a few sums over a
group of runs (counts, SP probabilities, P/L units, prize, times) and a few extremes (the last
date, the best and latest time). They are kept per group, so a next-day populate adds the day's
new runs to the groups they fall in, instead of regrouping every run of every jockey and trainer
who rode that day (between them, nearly every run in the archive).

An incremental batch compares each run of a changed race with the keys and facts it had at the
last populate (``dh_stats_run_keys``):

* **new** (no stored facts): its sums are added to its groups;
* **unchanged** (same keys, same facts): nothing;
* **amended or gone** (a corrected result or price, a run turned non-runner, a corrected sire,
  a race leaving a ``--lookback`` window): every group of its old and new entities is
  recomputed from all of their runs, which the ``run`` relation then holds. Extremes such as a
  best time cannot be subtracted, and amendments are rare.

A full batch rebuilds every group. The sums and the stored facts change in one transaction, so
they always describe the same runs: a batch that fails after it never adds a run twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

from darkhorses.stats.context import SUMS_TABLE, TEST_SUMS
from darkhorses.stats.record import RECORD_AGGREGATES
from darkhorses.stats.run import RUN_TABLE, TIME_SLOT
from darkhorses.stats.sql import Dialect

RUN_KEYS = "dh_stats_run_keys"
REGROUP = "scope_regroup"
"""The (kind, id) of entities whose groups are recomputed whole in this batch."""
FRESH = "scope_fresh"
"""The runner ids of runs added since the last populate."""
PEOPLE = ("jockey", "trainer", "owner")
PEDIGREE = ("sire", "dam", "damsire")
KEY_KINDS = ("horse", *PEOPLE, *PEDIGREE)
"""The entities a run belongs to, whose statistics it feeds."""

AGGREGATES = {
    **RECORD_AGGREGATES,
    "n_finishes": "COUNT(finish_pos)",
    "n_cs": "COUNT(time_cs)",
    "prize_pence": "SUM(prize_pence)",
    "pos_sum": "SUM(finish_pos)",
    "sum_cs": "SUM(time_cs)",
    "best_cs": "MIN(time_cs)",
    "last_timed": f"MAX(CASE WHEN time_cs IS NOT NULL THEN order_key * {TIME_SLOT} + time_cs END)",
    "last_date": "MAX(race_date)",
    "last_win_date": "MAX(CASE WHEN is_win = 1 THEN race_date END)",
}
"""Each stored column over the runs of a group. ``n_*`` are counts (never NULL); ``best_cs`` is a
minimum, ``last_*`` maxima; the rest are sums that are NULL when no run carried the value."""

FACTS = ("race_date", "order_key", "course_id", "key_hf", "class_num", "going_raw", "finish_pos",
         "is_ew_placed", "p_nano", "pl_units", "prize_pence", "time_cs")
"""Everything a run adds to its groups besides its keys: equal facts, equal contributions."""


def facts_sql(alias: str) -> str:
    """A run's facts as one text, compared to tell an amended run from an unchanged one."""
    return " || '|' || ".join(f"COALESCE(CAST({alias}.{name} AS TEXT), '')" for name in FACTS)


NO_KEY = "''"
"""The stored ``sub``/``sub2`` of a family without that key."""


def _text(column: str) -> str:
    return f"CAST({column} AS TEXT)"


@dataclass(frozen=True)
class Family:
    """One kind of group: runs keyed by an entity (``id``) and up to two more keys.

    ``kinds`` name the entities whose recomputation recomputes the group: the entity of ``id``,
    and for a pair also the entity of ``sub``.
    """

    name: str
    kinds: tuple[str, ...]
    sub: str = NO_KEY
    sub2: str = NO_KEY
    where: str = "TRUE"

    @property
    def columns(self) -> dict[str, str]:
        """The group's key columns as stored, in ``run`` terms."""
        return {"id": f"{self.kinds[0]}_id", "sub": self.sub, "sub2": self.sub2}

    def select(self, restriction: str) -> str:
        """The family's rows over the ``run`` rows that ``restriction`` admits."""
        keys = self.columns
        named = ", ".join(f"{expr} AS {name}" for name, expr in keys.items())
        values = ", ".join(f"{expr} AS {name}" for name, expr in AGGREGATES.items())
        return (f"SELECT '{self.name}' AS family, {named}, {values} FROM {RUN_TABLE} "
                f"WHERE {keys['id']} IS NOT NULL AND {self.where} AND {restriction} "
                f"GROUP BY {', '.join(expr for expr in keys.values() if expr != NO_KEY)}")

    def regrouped(self, id_column: str = "id", sub_column: str = "sub") -> str:
        """The group belongs to an entity being recomputed: a stored row, or with the family's
        own columns (:meth:`run_regrouped`) a ``run`` row."""
        columns = (id_column, sub_column)[:len(self.kinds)]
        return "(" + " OR ".join(f"{column} IN (SELECT id FROM {REGROUP} WHERE kind = '{kind}')"
                                 for kind, column in zip(self.kinds, columns)) + ")"

    def run_regrouped(self) -> str:
        return self.regrouped(self.columns["id"], self.columns["sub"])


def _families() -> tuple[Family, ...]:
    hf, cls = _text("key_hf"), _text("class_num")
    families = [Family(kind, (kind,)) for kind in PEOPLE]
    families += [Family(f"{kind}_horse", (kind,), sub="COALESCE(horse_id, '')") for kind in ("owner", *PEDIGREE)]
    families += [Family(f"{kind}_class", (kind,), sub=cls, where="class_num IS NOT NULL") for kind in PEDIGREE]
    families += [Family(f"{kind}_distance", (kind,), sub=hf, where="key_hf IS NOT NULL")
                 for kind in ("horse", "jockey", "trainer", *PEDIGREE)]
    families += [Family(f"{kind}_going", (kind,), sub=hf, sub2="going_raw",
                        where="key_hf IS NOT NULL AND going_raw IS NOT NULL")
                 for kind in ("horse", "jockey", "trainer")]
    families += [Family(f"{kind}_venue", (kind,), sub="course_id", where="course_id IS NOT NULL")
                 for kind in ("jockey", "trainer")]
    families.append(Family("jockey_trainer", ("jockey", "trainer"), sub="trainer_id", where="trainer_id IS NOT NULL"))
    return tuple(families)


_ALL = {family.name: family for family in _families()}
PER_BATCH = {name: family for name, family in _ALL.items() if family.kinds == ("horse",)}
"""Groups of one horse, computed in each batch from ``run`` instead of being stored: a horse in
scope has its whole career in the batch's ``run`` relation anyway, and stored they would be
three rows in four of the table."""
FAMILIES = tuple(family for name, family in _ALL.items() if name not in PER_BATCH)
"""The stored groups, named ``<entity>`` (its whole record), ``<entity>_<key>`` (by horse,
class, distance, going, venue) or ``jockey_trainer``."""


def batch_rows(family: str, restriction: str) -> str:
    """The rows of a :data:`PER_BATCH` family over the ``run`` rows ``restriction`` admits."""
    return f"({PER_BATCH[family].select(restriction)})"


def sums_of(table: str, family: str, scoped: str = "TRUE") -> str:
    """The stored rows of ``family`` (keys ``id``, ``sub``, ``sub2``) that ``scoped`` admits."""
    return f"(SELECT * FROM {table} WHERE family = '{family}' AND {scoped})"


_COLUMNS = ("family", "id", "sub", "sub2", *AGGREGATES)


def _insert(target: str, selects: list[str]) -> str:
    names = ", ".join(_COLUMNS)
    return f"INSERT INTO {target} ({names}) SELECT {names} FROM ({' UNION ALL '.join(selects)}) s WHERE TRUE"


def _every_group() -> list[str]:
    return [family.select("TRUE") for family in FAMILIES]


def create_test_sums(connection: Connection) -> None:
    """A ``--test`` batch's sums, from its slice of runs, private to the connection."""
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TEST_SUMS}")
    connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {TEST_SUMS} AS SELECT * FROM {SUMS_TABLE} WHERE FALSE")
    connection.exec_driver_sql(_insert(TEST_SUMS, _every_group()))


def _combined(name: str, dialect: Dialect) -> str:
    """The stored value of ``name`` after adding a batch's new runs to a group."""
    old, new = f"{SUMS_TABLE}.{name}", f"excluded.{name}"
    if name.startswith("n_"):
        return f"{old} + {new}"
    if name == "best_cs":
        return dialect.least(old, new)
    if name.startswith("last_"):
        return dialect.greatest(old, new)
    return f"CASE WHEN {old} IS NULL THEN {new} WHEN {new} IS NULL THEN {old} ELSE {old} + {new} END"


def rebuild(connection: Connection) -> None:
    """Recompute every group and every run's stored facts from the whole ``run`` relation."""
    dialect = Dialect.of(connection)
    for table in (SUMS_TABLE, RUN_KEYS):
        connection.exec_driver_sql(f"TRUNCATE {table}" if dialect.is_postgres else f"DELETE FROM {table}")
    connection.exec_driver_sql(_insert(SUMS_TABLE, _every_group()))
    _store_facts(connection, "TRUE")


def _store_facts(connection: Connection, restriction: str) -> None:
    keys = ", ".join(f"{kind}_id" for kind in KEY_KINDS)
    connection.exec_driver_sql(f"INSERT INTO {RUN_KEYS} (runner_id, {keys}, facts) "
                               f"SELECT runner_id, {keys}, {facts_sql(RUN_TABLE)} FROM {RUN_TABLE} WHERE {restriction}")


def classify(connection: Connection, changed: str) -> None:
    """Sort the runs of the changed races (runner ids in table ``changed``): create ``scope_fresh``
    (new runs) and ``scope_regroup`` (the old and new entities of amended or vanished runs)."""
    for name in (FRESH, REGROUP, "scope_amended"):
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {FRESH} AS SELECT r.runner_id FROM {RUN_TABLE} r "
        f"JOIN {changed} c ON c.runner_id = r.runner_id "
        f"WHERE NOT EXISTS (SELECT 1 FROM {RUN_KEYS} k WHERE k.runner_id = r.runner_id)")
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE scope_amended AS SELECT k.runner_id FROM {RUN_KEYS} k "
        f"JOIN {changed} c ON c.runner_id = k.runner_id LEFT JOIN {RUN_TABLE} r ON r.runner_id = k.runner_id "
        f"WHERE r.runner_id IS NULL OR ({', '.join(f'k.{kind}_id' for kind in KEY_KINDS)}, k.facts) {Dialect.of(connection).differs} "
        f"({', '.join(f'r.{kind}_id' for kind in KEY_KINDS)}, {facts_sql('r')})")
    sources = (f"{RUN_KEYS} k JOIN scope_amended a ON a.runner_id = k.runner_id",
               f"{RUN_TABLE} k JOIN scope_amended a ON a.runner_id = k.runner_id")
    connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {REGROUP} (kind TEXT NOT NULL, id TEXT NOT NULL)")
    connection.exec_driver_sql(f"INSERT INTO {REGROUP} (kind, id) " + " UNION ".join(
        f"SELECT '{kind}', k.{kind}_id FROM {source} WHERE k.{kind}_id IS NOT NULL"
        for kind in KEY_KINDS for source in sources))
    connection.exec_driver_sql(f"CREATE INDEX ix_{REGROUP} ON {REGROUP} (kind, id)")
    connection.exec_driver_sql("DROP TABLE scope_amended")


def races_of(keys: str, kinds: dict[str, str]) -> list[str]:
    """SELECTs of the ids of every race in which an entity of ``keys`` (a table of kind and id)
    ran, each served by an index on the runners' key; ``kinds`` maps an entity (``jockey``) to its
    kind in ``keys``. A pedigree key counts from the runner row and from the horse row (a superset
    of the runs whose horse's record has it)."""
    selects = []
    for kind, stored in kinds.items():
        wanted = f"(SELECT id FROM {keys} WHERE kind = '{stored}')"
        selects.append(f"SELECT race_id FROM ra_mst_runners WHERE {kind}_id IN {wanted}")
        if kind in PEDIGREE:
            selects.append(f"SELECT ru.race_id FROM ra_mst_horses h JOIN ra_mst_runners ru ON ru.horse_id = h.id "
                           f"WHERE h.{kind}_id IN {wanted}")
    return selects


def regrouped_races() -> str:
    """The races of every entity whose groups are recomputed whole."""
    return " UNION ".join(races_of(REGROUP, {kind: kind for kind in KEY_KINDS}))


def any_regrouped(connection: Connection) -> bool:
    return connection.exec_driver_sql(f"SELECT 1 FROM {REGROUP} LIMIT 1").first() is not None


def update(connection: Connection, changed: str) -> None:
    """Bring the sums and stored facts up to the ``run`` relation of an incremental batch:
    recompute the groups of ``scope_regroup``, add the new runs to the others."""
    dialect = Dialect.of(connection)
    if any_regrouped(connection):
        for family in FAMILIES:
            connection.exec_driver_sql(f"DELETE FROM {SUMS_TABLE} WHERE family = '{family.name}' "
                                       f"AND {family.regrouped()}")
        connection.exec_driver_sql(_insert(SUMS_TABLE, [
            family.select(family.run_regrouped()) for family in FAMILIES]))
    fresh = f"runner_id IN (SELECT runner_id FROM {FRESH})"
    added = [family.select(f"{fresh} AND NOT {family.run_regrouped()}") for family in FAMILIES]
    updates = ", ".join(f"{name} = {_combined(name, dialect)}" for name in AGGREGATES)
    connection.exec_driver_sql(f"{_insert(SUMS_TABLE, added)} "
                               f"ON CONFLICT (family, id, sub, sub2) DO UPDATE SET {updates}")
    connection.exec_driver_sql(f"DELETE FROM {RUN_KEYS} WHERE runner_id IN (SELECT runner_id FROM {changed})")
    _store_facts(connection, f"runner_id IN (SELECT runner_id FROM {changed})")
