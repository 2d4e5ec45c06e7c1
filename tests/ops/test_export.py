"""``darkhorses export``: round trips that keep every type, presets, date windows and streaming."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, select, update
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from darkhorses.cli import app
from darkhorses.db import schema
from darkhorses.errors import ConfigError, DatabaseError
from darkhorses.ops import export as export_module
from darkhorses.ops.export import ExportSource, arrow_schema, count_rows, export

from .conftest import CARD, RESULTED, TODAY, add_rows

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pa_csv = pytest.importorskip("pyarrow.csv")

UTC = dt.timezone.utc


@pytest.fixture
def rich_data(seeded: Engine) -> Engine:
    """The ops seed plus a value of every kind: times, booleans, numerics, JSON, text with commas."""
    with seeded.begin() as connection:
        connection.execute(update(schema.ra_mst_races).where(schema.ra_mst_races.c.id == RESULTED).values(
            off_time=dt.time(14, 0), distance_f=8.0, prize=12345.67, prize_currency="GBP", is_abandoned=False,
            going="Good to Soft", comments='led, ran on "well"\nsecond line', result_updated_at=dt.datetime(
                2025, 10, 15, 17, 30, 12, 345678, tzinfo=UTC)))
        connection.execute(update(schema.ra_mst_runners).where(schema.ra_mst_runners.c.horse_id == "hrs_1").values(
            past_results_flags=["C", "D"], starting_price_decimal=3.25, position=1, position_raw="1", draw=4,
            weight_lbs=131, finishing_time_seconds=97.41))
    add_rows(seeded, schema.ra_collection_metadata, [
        {"id": uuid.UUID("12345678-1234-5678-1234-567812345678"), "table_name": "ra_mst_races", "operation": "fetch",
         "status": "success", "records_processed": 2, "metadata": {"mode": "daily", "dates": ["2025-10-15"]}}])
    add_rows(seeded, schema.ra_mst_bookmakers, [{"name": "Bet365", "code": "bet365", "is_active": True}])
    with seeded.connect() as connection:
        bookmaker = connection.execute(select(schema.ra_mst_bookmakers.c.id)).scalar_one()
    add_rows(seeded, schema.ra_runner_odds, [
        {"race_id": CARD, "horse_id": "hrs_1", "bookmaker_id": bookmaker, "fractional_odds": "9/4",
         "decimal_odds": 3.25, "updated_at": dt.datetime(2025, 10, 20, 9, 1, tzinfo=UTC)},
        {"race_id": CARD, "horse_id": "hrs_2", "bookmaker_id": bookmaker, "fractional_odds": "5/1",
         "decimal_odds": 6.0, "updated_at": dt.datetime(2025, 10, 20, 9, 1, tzinfo=UTC)},
    ])
    return seeded


def _db_rows(engine: Engine, table: Table) -> list[dict[str, Any]]:
    """The table's rows as Python values; a UUID is exported as its text."""
    with engine.connect() as connection:
        rows = connection.execute(select(table).order_by(*table.primary_key.columns)).mappings()
        return [{k: str(v) if isinstance(v, uuid.UUID) else v for k, v in row.items()} for row in rows]


def _json_decoded(rows: list[dict[str, Any]], table: Table) -> list[dict[str, Any]]:
    """Exports write JSON columns as JSON text (CSV, Parquet); decode them to compare."""
    names = [c.name for c in table.columns if export_module.kind_of(c.type) == "json"]
    return [{k: (json.loads(v) if k in names and isinstance(v, str) else v) for k, v in row.items()} for row in rows]


ROUND_TRIP_TABLES = ["ra_mst_races", "ra_mst_runners", "ra_runner_odds", "ra_mst_courses", "ra_collection_metadata"]


@pytest.mark.parametrize("name", ROUND_TRIP_TABLES)
def test_parquet_reads_back_equal_with_proper_types(rich_data: Engine, tmp_path: Path, name: str) -> None:
    table = schema.metadata.tables[name]
    path = tmp_path / f"{name}.parquet"
    result = export(rich_data, ExportSource(table=name), "parquet", path)
    expected = _db_rows(rich_data, table)
    assert result.rows == len(expected) > 0
    back = pq.read_table(path)
    assert _json_decoded(back.to_pylist(), table) == expected
    kinds = {c.name: export_module.kind_of(c.type) for c in table.columns}
    arrow = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "date": pa.date32(),
             "time": pa.time64("us"), "timestamp": pa.timestamp("us", tz="UTC"), "text": pa.string(),
             "json": pa.string()}
    assert {f.name: f.type for f in back.schema} == {n: arrow[k] for n, k in kinds.items()}


def test_parquet_types_of_the_columns_analysts_use(rich_data: Engine, tmp_path: Path) -> None:
    path = tmp_path / "races.parquet"
    export(rich_data, ExportSource(table="ra_mst_races"), "parquet", path)
    types = {f.name: str(f.type) for f in pq.read_schema(path)}
    assert {k: types[k] for k in ("date", "off_dt", "off_time", "prize", "field_size", "has_result")} == {
        "date": "date32[day]", "off_dt": "timestamp[us, tz=UTC]", "off_time": "time64[us]", "prize": "double",
        "field_size": "int64", "has_result": "bool"}


@pytest.mark.parametrize("name", ROUND_TRIP_TABLES)
def test_csv_reads_back_equal_with_proper_types(rich_data: Engine, tmp_path: Path, name: str) -> None:
    """Read by an independent CSV reader given the declared column types; CSV cannot tell an empty
    text from NULL, so empty text is compared as NULL."""
    table = schema.metadata.tables[name]
    path = tmp_path / f"{name}.csv"
    result = export(rich_data, ExportSource(table=name), "csv", path)
    options = pa_csv.ConvertOptions(column_types=arrow_schema(result.columns), strings_can_be_null=True)
    back = pa_csv.read_csv(path, convert_options=options).to_pylist()
    expected = [{k: (None if v == "" else v) for k, v in row.items()} for row in _db_rows(rich_data, table)]
    assert _json_decoded(back, table) == expected


def test_jsonl_keeps_json_and_iso_dates(rich_data: Engine, tmp_path: Path) -> None:
    path = tmp_path / "runners.jsonl"
    export(rich_data, ExportSource(table="ra_mst_runners"), "jsonl", path)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    winner = next(r for r in rows if r["race_id"] == RESULTED and r["horse_id"] == "hrs_1")
    assert (winner["past_results_flags"], winner["starting_price_decimal"], winner["is_non_runner"]) == (
        ["C", "D"], 3.25, False)
    assert dt.datetime.fromisoformat(winner["created_at"]).tzinfo is not None


def test_since_and_until_filter_by_race_date(rich_data: Engine, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    tomorrow = TODAY + dt.timedelta(days=1)
    for table, expected in (("ra_mst_races", 1), ("ra_mst_runners", 3), ("ra_runner_odds", 2)):
        assert export(rich_data, ExportSource(table=table, since=tomorrow), "csv", path).rows == expected
    assert export(rich_data, ExportSource(table="ra_mst_runners", until=TODAY), "csv", path).rows == 2
    assert export(rich_data, ExportSource(table="ra_mst_race_results", since=TODAY), "csv", path).rows == 0
    with pytest.raises(ConfigError, match="ra_mst_courses has no race date"):
        export(rich_data, ExportSource(table="ra_mst_courses", since=TODAY), "csv", path)


def test_a_query_is_typed_by_schema_names_and_values(rich_data: Engine, tmp_path: Path) -> None:
    """SQLite returns dates and timestamps as text: the names ``date`` and ``off_dt`` type them."""
    path = tmp_path / "q.parquet"
    query = ("SELECT ra.date, ra.off_dt, COUNT(*) AS runners, AVG(ru.weight_lbs) AS mean_lbs FROM ra_mst_races ra "
             "JOIN ra_mst_runners ru ON ru.race_id = ra.id GROUP BY ra.date, ra.off_dt ORDER BY ra.date")
    result = export(rich_data, ExportSource(query=query), "parquet", path)
    assert [(c.name, c.kind) for c in result.columns] == [
        ("date", "date"), ("off_dt", "timestamp"), ("runners", "int"), ("mean_lbs", "float")]
    rows = pq.read_table(path).to_pylist()
    assert rows[0] == {"date": TODAY - dt.timedelta(days=5),
                       "off_dt": dt.datetime.combine(TODAY - dt.timedelta(days=5), dt.time(14), tzinfo=UTC),
                       "runners": 2, "mean_lbs": 131.0}
    assert rows[1]["runners"] == 3


def test_results_preset_one_row_per_runner_of_resulted_races(rich_data: Engine, tmp_path: Path) -> None:
    path = tmp_path / "results.parquet"
    result = export(rich_data, ExportSource(preset="results"), "parquet", path)
    rows = pq.read_table(path).to_pylist()
    assert result.rows == 2 and {r["race_id"] for r in rows} == {RESULTED}
    winner = next(r for r in rows if r["horse_id"] == "hrs_1")
    assert (winner["course"], winner["horse"], winner["jockey"], winner["trainer"], winner["position"],
            winner["starting_price_decimal"]) == ("Ascot", "One", "J Rider", "T Yard", 1, 3.25)
    names = [c.name for c in result.columns]
    pre = [n for n in names if n.startswith("pre_")]
    assert "pre_career_runs" in pre and "pre_course_distance_wins" in pre
    assert names.index(pre[-1]) < names.index("position"), "pre-race columns come before the result"


def test_racecards_preset_has_the_declared_runners_and_best_price(rich_data: Engine, tmp_path: Path) -> None:
    path = tmp_path / "cards.jsonl"
    since = TODAY + dt.timedelta(days=1)
    export(rich_data, ExportSource(preset="racecards", since=since, until=since), "jsonl", path)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["horse_id"], r["non_runner"], r["best_odds_decimal"]) for r in rows] == [
        ("hrs_1", False, 3.25), ("hrs_2", False, 6.0), ("hrs_3", True, None)]


def test_streams_in_batches_with_progress(rich_data: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_module, "_batch_rows", lambda width: 2)
    seen: list[int] = []
    path = tmp_path / "runners.parquet"
    source = ExportSource(table="ra_mst_runners")
    result = export(rich_data, source, "parquet", path, progress=seen.append)
    assert seen == [2, 2, 1] and result.rows == count_rows(rich_data, source) == 5
    assert pq.ParquetFile(path).num_row_groups == 3


def test_a_failed_export_leaves_the_old_file_and_no_partial(sqlite_engine: Engine, tmp_path: Path) -> None:
    from darkhorses.db.migrate import upgrade

    upgrade(sqlite_engine)
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "out.csv"
    path.write_text("old\n")
    with pytest.raises(DatabaseError, match="the export query failed"):
        export(sqlite_engine, ExportSource(query="SELECT no_such_column FROM ra_mst_races"), "csv", path)
    assert path.read_text() == "old\n"
    assert [p.name for p in path.parent.iterdir()] == ["out.csv"]


def test_source_needs_exactly_one_thing() -> None:
    with pytest.raises(ConfigError, match="exactly one"):
        ExportSource()
    with pytest.raises(ConfigError, match="exactly one"):
        ExportSource(table="ra_mst_races", query="SELECT 1")
    with pytest.raises(ConfigError, match="unknown table 'dh_runs'"):
        ExportSource(table="dh_runs")
    with pytest.raises(ConfigError, match="unknown preset"):
        ExportSource(preset="everything")
    with pytest.raises(ConfigError, match="put the dates in the query"):
        ExportSource(query="SELECT 1", since=TODAY)


# --------------------------------------------------------------------------- the command


runner = CliRunner()


def _use(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))


def test_cli_csv_to_stdout_and_parquet_to_a_file(rich_data: Engine, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _use(rich_data, monkeypatch)
    shown = runner.invoke(app, ["export", "ra_mst_courses"])
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.splitlines()[:2] == ["id,name,region_code,region,latitude,longitude,created_at,updated_at",
                                             shown.stdout.splitlines()[1]]
    assert shown.stdout.splitlines()[1].startswith("crs_1,Ascot,")
    assert "wrote 1 rows, 8 columns, as csv to stdout" in shown.stderr
    out = tmp_path / "results.parquet"
    written = runner.invoke(app, ["export", "--preset", "results", "--since", (TODAY - dt.timedelta(days=9)).isoformat(),
                                  "--format", "parquet", "--output", str(out)])
    assert written.exit_code == 0, written.stderr
    assert pq.read_table(out).num_rows == 2


@pytest.mark.parametrize("args, message", [
    (["export", "--query", "DELETE FROM ra_mst_races"], "only a SELECT or WITH query can be exported, not DELETE"),
    (["export", "--query", "SELECT 1; DROP TABLE ra_mst_races"], "single statement"),
    (["export", "ra_mst_races", "--since", "yesterday"], "--since must be a date"),
    (["export", "ra_mst_races", "--format", "xlsx"], "unknown format 'xlsx'"),
])
def test_cli_refuses_bad_input_in_one_line(rich_data: Engine, monkeypatch: pytest.MonkeyPatch,
                                           args: list[str], message: str) -> None:
    _use(rich_data, monkeypatch)
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    with rich_data.connect() as connection:
        assert connection.execute(select(schema.ra_mst_races.c.id)).all(), "nothing was deleted"


def test_the_documented_queries_export_on_both_engines(rich_data: Engine, tmp_path: Path) -> None:
    import re

    text = (Path(__file__).resolve().parents[2] / "docs" / "using-the-data.md").read_text(encoding="utf-8")
    queries = re.findall(r"```sql\n(.*?)```", text, flags=re.S)
    assert len(queries) >= 2
    for n, query in enumerate(queries):
        assert export(rich_data, ExportSource(query=query), "parquet", tmp_path / f"{n}.parquet").rows >= 1


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_query_column_that_changes_type_is_a_clear_error(rich_data: Engine, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    """``date`` promises a date; a text that is not one is refused in one line, not a traceback."""
    monkeypatch.setattr(export_module, "_batch_rows", lambda width: 1)
    query = "SELECT CASE WHEN id = 'crs_1' THEN 'not a date' END AS date FROM ra_mst_courses"
    with pytest.raises(ConfigError, match="CAST the column in the query"):
        export(rich_data, ExportSource(query=query), fmt, tmp_path / f"q.{fmt}")


def test_an_integer_column_that_turns_float_is_a_clear_error(sqlite_engine: Engine, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_module, "_batch_rows", lambda width: 1)
    query = "SELECT 1 AS x UNION ALL SELECT 1.5 AS x"
    with pytest.raises(ConfigError, match="CAST the column"):
        export(sqlite_engine, ExportSource(query=query), "parquet", tmp_path / "q.parquet")


def test_parquet_without_pyarrow_names_the_extra(sqlite_engine: Engine, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ConfigError, match=r"pip install 'darkhorses\[export\]'"):
        export(sqlite_engine, ExportSource(table="ra_mst_courses"), "parquet", tmp_path / "c.parquet")
    assert not (tmp_path / "c.parquet").exists()


def test_jsonl_writes_a_uuid_as_text(rich_data: Engine, tmp_path: Path) -> None:
    path = tmp_path / "meta.jsonl"
    export(rich_data, ExportSource(table="ra_collection_metadata"), "jsonl", path)
    (row,) = [json.loads(line) for line in path.read_text().splitlines()]
    assert (row["id"], row["metadata"]) == ("12345678-1234-5678-1234-567812345678",
                                            {"mode": "daily", "dates": ["2025-10-15"]})
