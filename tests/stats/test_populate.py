"""populate as a whole: selection, as-of, test slice, status, atomic replacement, CLI."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection, Engine
from typer.testing import CliRunner

from darkhorses.cli import app
from darkhorses.db.migrate import upgrade
from darkhorses.db.schema import (
    ra_entity_combinations,
    ra_lineage,
    ra_mst_jockeys,
    ra_mst_sires,
    ra_performance_by_venue,
)
from darkhorses.errors import ConfigError
from darkhorses.stats import replace
from darkhorses.stats.context import Context
from darkhorses.stats.job import Job
from darkhorses.stats.populate import JOBS, populate, select_jobs
from darkhorses.stats.status import TableStatus, status

from .conftest import BATCH_TS, D, Racing, build_section_14


def _count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _jockey_rides(engine: Engine, jockey: str = "j") -> int:
    with engine.connect() as connection:
        return connection.execute(select(ra_mst_jockeys.c.total_rides).where(ra_mst_jockeys.c.id == jockey)).scalar_one()


def test_selection_by_category_and_table() -> None:
    jobs, notes = select_jobs(["statistics"], ["ra_lineage"])
    assert [j.name for j in jobs] == ["ra_lineage", "ra_mst_jockeys", "ra_mst_trainers", "ra_mst_owners"]
    assert notes == []
    assert len(select_jobs()[0]) == len(JOBS) == 14
    jobs, notes = select_jobs(["odds"])
    assert jobs == [] and "separate odds system" in notes[0]


@pytest.mark.parametrize(("categories", "tables", "message"), [
    (["core"], [], "unknown category 'core'"),
    ([], ["ra_mst_horses"], "unknown table 'ra_mst_horses'"),
])
def test_unknown_names_are_config_errors(categories: list[str], tables: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        select_jobs(categories, tables)


def test_as_of_moves_the_whole_batch(section_14: Racing) -> None:
    populate(section_14.engine, tables=["ra_mst_jockeys"], as_of=dt.date(2025, 1, 31), now=BATCH_TS)
    assert _jockey_rides(section_14.engine) == 2  # R1 and R2 only
    populate(section_14.engine, tables=["ra_mst_jockeys"], as_of=D, now=BATCH_TS)
    assert _jockey_rides(section_14.engine) == 4


def test_test_slice_computes_but_writes_nothing(section_14: Racing) -> None:
    result = populate(section_14.engine, as_of=D, test=True, now=BATCH_TS, min_runs=1)
    assert result.test and result.run_rows == 22  # R3 and R4 are within the last 14 days
    assert all(not t.written for t in result.tables) and len(result.tables) == 14
    assert _jockey_rides(section_14.engine) is None
    assert _count(section_14.engine, ra_performance_by_venue) == 0


def test_failure_mid_swap_leaves_the_previous_version(section_14: Racing, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = section_14.engine
    populate(engine, tables=["ra_entity_combinations", "ra_mst_jockeys"], as_of=D, now=BATCH_TS, min_runs=1)
    before = _count(engine, ra_entity_combinations)

    def boom(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(replace, "delete_unproduced", boom)  # after the upsert, before commit
    with pytest.raises(RuntimeError, match="disk full"):
        populate(engine, tables=["ra_entity_combinations"], as_of=dt.date(2025, 1, 15), now=BATCH_TS, min_runs=1)
    assert _count(engine, ra_entity_combinations) == before
    monkeypatch.setattr(replace, "update_master", boom)
    with pytest.raises(RuntimeError):
        populate(engine, tables=["ra_mst_jockeys"], as_of=dt.date(2025, 1, 15), now=BATCH_TS)
    assert _jockey_rides(engine) == 4


def test_a_failure_in_either_lane_fails_the_batch_and_keeps_that_table(
        section_14: Racing, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = section_14.engine
    tables = ["ra_entity_combinations", "ra_performance_by_venue"]  # one lane each on PostgreSQL
    populate(engine, tables=tables, as_of=D, now=BATCH_TS, min_runs=1)
    real = replace.delete_unproduced

    def fail_combinations(connection: Connection, job: Job, stage: str, ctx: Context) -> None:
        if job.name == "ra_entity_combinations":
            raise RuntimeError("disk full")
        real(connection, job, stage, ctx)

    monkeypatch.setattr(replace, "delete_unproduced", fail_combinations)
    with pytest.raises(RuntimeError, match="disk full"):
        populate(engine, tables=tables, as_of=dt.date(2025, 1, 15), now=BATCH_TS, min_runs=1)
    assert _count(engine, ra_entity_combinations) == 41


def test_keys_no_longer_produced_are_deleted(section_14: Racing) -> None:
    engine = section_14.engine
    populate(engine, tables=["ra_entity_combinations"], as_of=D, now=BATCH_TS, min_runs=1)
    assert _count(engine, ra_entity_combinations) == 41
    populate(engine, tables=["ra_entity_combinations"], as_of=dt.date(2025, 1, 15), now=BATCH_TS, min_runs=1)
    assert _count(engine, ra_entity_combinations) == 8  # R1's eight starters only


def test_status_reports_rows_stamp_and_fill(section_14: Racing) -> None:
    populate(section_14.engine, tables=["ra_mst_sires"], as_of=D, now=BATCH_TS)
    by_table = {s.table: s for s in status(section_14.engine)}
    sires = by_table["ra_mst_sires"]
    assert (sires.rows, sires.last_computed) == (1, BATCH_TS)
    assert sires.fill["class_2_name"] == 1.0 and sires.fill["class_3_name"] == 0.0
    assert set(sires.fill) >= {c.name for c in ra_mst_sires.columns if c.info["source"] == "calculated"}
    assert by_table["ra_lineage"].rows == 0 and by_table["ra_lineage"].last_computed is None
    # a column counts as filled only at or above its expected fill: class_3_name is empty here
    assert "class_2_name" in sires.filled() and "class_3_name" not in sires.filled()
    assert len(sires.filled()) < len(sires.fill) and sires.least_filled() == ("class_3_name", 0.0)
    ancestors = by_table["ra_sire_stats"]
    assert ancestors.filled() == [] and ancestors.expected["own_best_position"] == 0.0


def test_status_counts_a_column_at_its_expected_fill() -> None:
    view = TableStatus("t", "c", 10, None, {"a": 0.5, "b": 0.04, "c": 0.0, "d": 0.0},
                       {"a": 0.9, "b": None, "c": None, "d": 0.0})
    assert view.filled() == ["b", "d"]  # "a" is below its 90 %, "c" has no value at all
    assert view.least_filled() == ("c", 0.0)
    full = TableStatus("t", "c", 10, None, {"a": 1.0, "b": 0.004}, {"a": 0.9, "b": None})
    assert full.filled() == ["a", "b"] and full.least_filled() == ("b", 0.004)


def test_cli_populate_and_status(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from darkhorses.db.engine import make_engine
    from darkhorses.db.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    upgrade(engine)
    build_section_14(Racing(engine))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    done = runner.invoke(app, ["populate", "--category", "statistics", "--as-of", "2025-02-10"])
    assert done.exit_code == 0, done.output
    assert "ra_mst_jockeys" in done.output and "as of 2025-02-10" in done.output
    assert _jockey_rides(engine) == 4
    shown = runner.invoke(app, ["populate", "--status"])
    assert shown.exit_code == 0 and "ra_runner_statistics" in shown.output
    bad = runner.invoke(app, ["populate", "--as-of", "10/02/2025"])
    assert bad.exit_code == 2 and "--as-of must be a date" in bad.output
    odds = runner.invoke(app, ["populate", "--category", "odds"])
    assert odds.exit_code == 0 and "separate odds system" in odds.output


def test_rerun_rewrites_changed_rows_and_keeps_unchanged_ones(section_14: Racing) -> None:
    engine = section_14.engine
    first = dt.datetime(2025, 2, 3, 6, tzinfo=dt.timezone.utc)
    populate(engine, tables=["ra_entity_combinations"], as_of=dt.date(2025, 2, 3), now=first, min_runs=1)
    populate(engine, tables=["ra_entity_combinations"], as_of=D, now=BATCH_TS, min_runs=1)
    with engine.connect() as connection:
        rows = {(r.entity1_id, r.entity2_id): r for r in connection.execute(select(ra_entity_combinations))}
    assert (rows["j", "t"].total_runs, rows["j", "t"].calculated_at) == (4, BATCH_TS)  # R4 added a run
    assert rows["jf1", "tf1"].calculated_at == first  # R1 filler: nothing changed, row not rewritten
    assert rows["jf1", "tf1"].query_filters["as_of"] == "2025-02-03"


def _index_definitions(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY(:t)"
        ), {"t": list(JOBS)})
        return sorted((name, definition) for name, definition in rows)


@pytest.mark.postgres
def test_a_first_population_on_postgres_leaves_the_migrated_indexes(postgres_engine: Engine) -> None:
    upgrade(postgres_engine)
    build_section_14(Racing(postgres_engine))
    migrated = _index_definitions(postgres_engine)
    populate(postgres_engine, as_of=D, now=BATCH_TS)
    assert _count(postgres_engine, ra_lineage) == 5 * 3  # five runs by pedigreed horses, written without indexes
    assert {"pk_ra_lineage", "uq_ra_lineage_runner_id", "ix_ra_runner_statistics_horse_id"} <= {n for n, _ in migrated}
    assert _index_definitions(postgres_engine) == migrated
