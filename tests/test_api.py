"""The public Python API (``import darkhorses``): its surface, and each of its functions on the
simulator, with the values they return checked against the simulated world."""

from __future__ import annotations

import ast
import asyncio
import datetime as dt
import inspect
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyarrow as pa
import pytest
from sqlalchemy import inspect as inspect_schema

import darkhorses
from darkhorses import Database, RateLimits, SyncFailed, SyncRacingApiClient
from darkhorses.db import migrate
from darkhorses.errors import ConfigError
from darkhorses.racing_api import NotFound, RacingApiClient, RetryPolicy
from darkhorses.simulator import FaultConfig, SimulatorConfig, World, create_app

DAY = dt.date(2026, 3, 2)
DAYS = (DAY - dt.timedelta(days=1), DAY)
PUBLIC = {
    "__version__", "connect", "Database", "SyncRacingApiClient", "RacingApiClient", "RateLimits", "Settings",
    "load_settings", "simulated_client", "fetch", "FetchReport", "Progress", "fetch_jobs", "FetchJob", "populate",
    "PopulateResult", "SyncFailed", "rows", "dataframe", "arrow", "export", "ExportResult", "DarkHorsesError",
    "inventory", "head_revision", "health", "require_healthy", "worker_schedule", "run_worker", "serve",
    "simulate", "SimulatorConfig", "FaultConfig", "send_test_alert",
}
CLI_MAY_IMPORT = {
    "darkhorses": "the public API itself",
    "darkhorses.errors": "the error types: the group turns DarkHorsesError into its exit code, and the CLI's own "
                         "flag checks raise ConfigError (exit 2), as the API's do; a stop by signal exits with the "
                         "shell's code (signal_exit_code)",
    "darkhorses.logs": "process setup: the command configures logging for itself (a library leaves that to its caller)",
    "darkhorses.ops.status_view": "presentation: the Rich view of the StatusReport Database.status() returns",
    "darkhorses.ops.card_view": "presentation: the Rich view of the Card Database.card() returns",
    "darkhorses.demo": "the demo is a tour written on top of the API, as the CLI is, and ends with command lines",
}
"""The only modules of the package ``cli.py`` may import, each with why: everything else goes
through the public API (issue #16: the CLI calls only this API)."""
DATA_METHODS = ("courses", "regions", "racecards_pro", "racecard_pro", "results", "result", "entity_results",
                "horse_results", "horse_pro", "horse_standard", "horse_distance_times", "analysis", "search",
                "search_horses", "runner_odds")


# --------------------------------------------------------------------------- the surface


def test_all_is_pinned_and_every_name_resolves() -> None:
    assert set(darkhorses.__all__) == PUBLIC
    for name in darkhorses.__all__:
        assert getattr(darkhorses, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        darkhorses.nothing  # noqa: B018


def test_type_checkers_see_the_names_that_are_loaded_on_first_use() -> None:
    tree = ast.parse(Path(darkhorses.__file__).read_text(encoding="utf-8"))
    guarded = next(node for node in tree.body if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test))
    seen = {alias.asname or alias.name for node in guarded.body for alias in node.names}  # type: ignore[attr-defined]
    assert seen == PUBLIC - {"__version__"}
    assert set(darkhorses._HOMES) == seen
    for name, home in darkhorses._HOMES.items():
        assert getattr(sys.modules[home], name) is getattr(darkhorses, name)


def test_importing_the_package_loads_no_pipeline() -> None:
    """``darkhorses --help`` imports the package: the pipeline is loaded only when used."""
    code = "import sys, darkhorses; print(sorted(m for m in sys.modules if m.startswith('darkhorses.')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_the_cli_imports_nothing_of_the_package_but_the_public_api() -> None:
    cli = Path(darkhorses.__file__).with_name("cli.py")
    imported = set()
    for node in ast.walk(ast.parse(cli.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
    ours = {name for name in imported if name == "darkhorses" or name.startswith("darkhorses.")}
    assert ours - set(CLI_MAY_IMPORT) == set()
    assert "darkhorses" in ours  # the parse saw the imports (a test that cannot fail proves nothing)


# --------------------------------------------------------------------------- connect


def test_connect_creates_a_database_at_the_newest_schema(tmp_path: Path) -> None:
    with darkhorses.connect(f"sqlite:///{tmp_path / 'new.db'}") as db:
        assert migrate.current(db.engine) == migrate.head()
        assert {"ra_mst_races", "ra_mst_sires", "dh_runs"} <= set(inspect_schema(db.engine).get_table_names())
        assert "new.db" in repr(db)


def test_connect_without_create_refuses_what_is_not_a_darkhorses_database(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    with pytest.raises(darkhorses.DarkHorsesError, match="no database at"):
        darkhorses.connect(f"sqlite:///{missing}", create=False)
    assert not missing.exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(darkhorses.DarkHorsesError, match="has no DarkHorses tables"):
        darkhorses.connect(f"sqlite:///{empty}", create=False)


def test_connect_migrates_a_database_left_behind(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with darkhorses.connect(url) as db:
        migrate.downgrade(db.engine, "base")
        migrate.upgrade(db.engine, "head")  # a database some version stamped, brought up to date again
        db.engine.dispose()
    with darkhorses.connect(url, create=False) as db:
        assert migrate.current(db.engine) == migrate.head()


# --------------------------------------------------------------------------- the blocking client


def test_the_blocking_client_has_the_async_clients_methods_written_out() -> None:
    assert "__getattr__" not in vars(SyncRacingApiClient)
    for name in DATA_METHODS:
        sync, async_ = inspect.signature(vars(SyncRacingApiClient)[name]), inspect.signature(getattr(RacingApiClient, name))
        assert not inspect.iscoroutinefunction(vars(SyncRacingApiClient)[name]), name
        assert sync == async_, name
        assert vars(SyncRacingApiClient)[name].__doc__, name
    assert inspect.signature(SyncRacingApiClient.__init__) == inspect.signature(RacingApiClient.__init__)


def test_the_blocking_client_on_the_simulator_returns_the_simulated_world() -> None:
    world = World(1, DAY)
    with darkhorses.simulated_client(today=DAY) as api:
        cards = api.racecards_pro(DAY)
        assert {card.race_id for card in cards} == {race.race_id for race in world.races(DAY)}
        first = cards[0]
        assert api.racecard_pro(first.race_id).race_id == first.race_id
        results = api.results(DAYS[0], DAYS[0])
        assert {result.race_id for result in results} == {race.race_id for race in world.races(DAYS[0])}
        assert {region.region_code for region in api.regions()} >= {"gb", "ire"}
        with pytest.raises(NotFound):
            api.racecard_pro("rac_0")
        assert api.client.requests["/v1/racecards/pro"] == 1


def test_a_client_from_explicit_arguments_sends_them(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(401, json={"detail": "Invalid credentials"})

    with SyncRacingApiClient(username="analyst", password="s3cret-pass", base_url="https://racing.invalid/",
                             plan="basic", transport=httpx.MockTransport(answer)) as api:
        assert repr(api) == "SyncRacingApiClient(RacingApiClient(base_url='https://racing.invalid', plan='basic'))"
        with pytest.raises(darkhorses.DarkHorsesError, match="refused the credentials"):
            api.courses()
    assert str(seen[0].url) == "https://racing.invalid/v1/courses"
    assert seen[0].headers["authorization"] == httpx.BasicAuth("analyst", "s3cret-pass")._auth_header


async def test_the_blocking_client_works_where_a_loop_is_running() -> None:
    """A Jupyter notebook runs an event loop in the thread that calls the client."""
    asyncio.get_running_loop()
    with darkhorses.simulated_client(today=DAY) as api:
        assert len(api.racecards_pro(DAY)) == len(World(1, DAY).races(DAY))


# --------------------------------------------------------------------------- fetch, populate, read


@pytest.fixture(scope="module")
def fetched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, darkhorses.FetchReport, Path]]:
    """Two simulated days fetched and their statistics computed, through the API alone."""
    folder = tmp_path_factory.mktemp("api")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)  # run files go to ./logs without settings
        db = darkhorses.connect(f"sqlite:///{folder / 'racing.db'}")
        with darkhorses.simulated_client(today=DAY) as client:
            report, run_file = darkhorses.fetch(db, client, "manual", start_date=DAYS[0], end_date=DAY, today=DAY,
                                                enrich=False)
        darkhorses.populate(db, as_of=DAY)
        yield db, report, run_file
        db.close()


def test_fetch_loads_the_simulated_days(fetched: tuple[Database, darkhorses.FetchReport, Path]) -> None:
    db, report, run_file = fetched
    assert report.success and report.mode == "manual"
    assert run_file.parent.name == "logs" and run_file.exists()
    assert report.archive is None  # no settings: no archive
    world = World(1, DAY)
    races = darkhorses.rows(db, "ra_mst_races")
    assert {race["id"] for race in races} == {race.race_id for day in DAYS for race in world.races(day)}
    assert {race["date"] for race in races} == set(DAYS)
    assert report.written["ra_mst_races"] >= len(races)


def test_populate_computes_the_sire_table_as_of_the_date(fetched: tuple[Database, darkhorses.FetchReport, Path]) -> None:
    db, _, _ = fetched
    sires = darkhorses.rows(db, "ra_mst_sires")
    assert sires and {sire["data_as_of"] for sire in sires} == {DAY}
    winners = darkhorses.rows(db, """
        SELECT r.sire_id, COUNT(*) AS wins FROM ra_mst_runners r JOIN ra_mst_races ra ON ra.id = r.race_id
        WHERE ra.has_result AND r.position = 1 AND r.sire_id IS NOT NULL GROUP BY r.sire_id""")
    assert len(winners) > 20
    assert {sire["id"]: sire["total_wins"] for sire in sires if sire["total_wins"]} == {
        row["sire_id"]: row["wins"] for row in winners}


def test_dataframe_and_arrow_carry_the_columns_types(fetched: tuple[Database, darkhorses.FetchReport, Path]) -> None:
    db, _, _ = fetched
    table = darkhorses.arrow(db, "ra_mst_sires")
    assert table.schema.field("data_as_of").type == pa.date32()
    assert table.schema.field("overall_ae_index").type == pa.float64()
    assert table.schema.field("updated_at").type == pa.timestamp("us", tz="UTC")
    frame = darkhorses.dataframe(db, "ra_mst_sires")
    assert len(frame) == table.num_rows == len(darkhorses.rows(db, "ra_mst_sires"))
    assert set(frame["data_as_of"]) == {DAY}
    assert str(frame["updated_at"].dt.tz) == "UTC"
    window = darkhorses.dataframe(db, "results", since=DAY, until=DAY)
    assert len(window) and set(window["race_date"]) == {DAY}


def test_rows_of_a_json_column_are_python_objects(fetched: tuple[Database, darkhorses.FetchReport, Path]) -> None:
    db, _, _ = fetched
    found = darkhorses.rows(db, "SELECT past_results_flags FROM ra_mst_runners WHERE past_results_flags IS NOT NULL")
    assert found and all(isinstance(row["past_results_flags"], list | dict) for row in found)


def test_export_reports_progress_to_the_end(fetched: tuple[Database, darkhorses.FetchReport, Path],
                                            tmp_path: Path) -> None:
    db, _, _ = fetched
    seen: list[tuple[int, int]] = []
    result = darkhorses.export(db, "ra_mst_runners", tmp_path / "runners.csv", progress=lambda *p: seen.append(p))
    lines = (tmp_path / "runners.csv").read_text(encoding="utf-8").splitlines()
    assert result.rows == len(lines) - 1 == seen[-1][0] == seen[-1][1]


def test_a_source_that_is_no_table_is_refused_in_one_line(fetched: tuple[Database, darkhorses.FetchReport, Path]) -> None:
    db, _, _ = fetched
    with pytest.raises(ConfigError, match="unknown table 'ra_mst_sire'; presets: results, racecards"):
        darkhorses.rows(db, "ra_mst_sire")
    with pytest.raises(ConfigError, match="only a SELECT or WITH query"):
        darkhorses.rows(db, "DELETE FROM ra_mst_sires")


def test_bad_fetch_options_are_refused_before_the_database_is_created(tmp_path: Path) -> None:
    path = tmp_path / "never.db"
    with darkhorses.simulated_client(today=DAY) as client:
        with pytest.raises(ConfigError, match="manual mode needs --start-date or --days-back"):
            darkhorses.fetch(f"sqlite:///{path}", client, "manual", today=DAY)
    with pytest.raises(ConfigError, match="fetch needs a client"):
        darkhorses.fetch(f"sqlite:///{path}", mode="daily")
    assert not path.exists()


def test_fetch_puts_back_the_callers_signal_handlers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    def mine(signum: int, frame: object) -> None:
        raise AssertionError("not called")

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        with darkhorses.simulated_client(today=DAY) as client:
            report, _ = darkhorses.fetch(f"sqlite:///{tmp_path / 'x.db'}", client, "manual", tables=["regions"],
                                         days_back=0, today=DAY)
        assert report.success
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)


async def test_fetch_works_where_a_loop_is_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with darkhorses.simulated_client(today=DAY) as client:
        report, _ = darkhorses.fetch(f"sqlite:///{tmp_path / 'x.db'}", client, "manual", tables=["courses"],
                                     days_back=0, today=DAY)
    assert report.success and report.written["ra_mst_courses"] > 0


@pytest.mark.slow  # a daily sync enriches every horse of seven days' cards
def test_populate_core_is_the_daily_sync_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'core.db'}"
    with darkhorses.simulated_client(today=DAY) as client:
        with pytest.raises(ConfigError, match="unknown category 'nonsense'"):
            darkhorses.populate(url, categories=["core", "nonsense"], client=client)
        assert not (tmp_path / "core.db").exists()
        result = darkhorses.populate(url, categories=["core"], client=client, as_of=DAY, today=DAY)
    assert result.tables == () and result.as_of == DAY
    assert result.notes[0].startswith("daily sync: ") and "run file logs/fetcher_daily_" in result.notes[0]
    assert darkhorses.rows(url, "SELECT COUNT(*) AS n FROM ra_mst_races")[0]["n"] > 0


def test_populate_core_computes_nothing_when_the_sync_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    failing = create_app(SimulatorConfig(today=DAY, faults=FaultConfig(server_error=1.0)))
    with SyncRacingApiClient(username="demo", password="demo", base_url="http://simulator",
                             transport=httpx.ASGITransport(app=failing), limits=RateLimits.unlimited(),
                             retry=RetryPolicy(max_attempts=1, backoff_base=0)) as client:
        with pytest.raises(SyncFailed, match=r"the daily sync before the statistics failed: \d+ units failed") as caught:
            darkhorses.populate(f"sqlite:///{tmp_path / 'x.db'}", categories=["core", "pedigree"], client=client,
                                today=DAY)
    assert caught.value.exit_code == 1 and caught.value.report.failed
    assert darkhorses.rows(f"sqlite:///{tmp_path / 'x.db'}", "SELECT COUNT(*) AS n FROM ra_mst_sires")[0]["n"] == 0


# --------------------------------------------------------------------------- the schema, what is stored, the services


def test_connect_without_migrate_leaves_the_schema_where_it_is(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'managed.db'}"
    with darkhorses.connect(url, migrate=False) as db:
        assert db.revision() is None and inspect_schema(db.engine).get_table_names() == []
        assert db.upgrade() == darkhorses.head_revision() == migrate.head()
        assert db.downgrade("base") is None
        assert "ra_mst_races" not in inspect_schema(db.engine).get_table_names()
    with pytest.raises(darkhorses.DarkHorsesError, match="has no DarkHorses tables"):
        darkhorses.connect(url, create=False, migrate=False)


def test_status_counts_what_the_fetch_wrote(fetched: tuple[Database, darkhorses.FetchReport, Path]) -> None:
    db, report, _ = fetched
    status = db.status(now=dt.datetime(2026, 3, 2, 20, tzinfo=dt.timezone.utc))
    counted = {table.name: table.rows for table in status.tables}
    assert counted["ra_mst_races"] == len(darkhorses.rows(db, "ra_mst_races"))
    assert status.latest_race_date == DAY and status.revision == migrate.head()
    assert [run.mode for run in status.runs][:1] == ["manual"]
    assert status.to_json()["latest_race_date"] == "2026-03-02"


def test_health_of_a_database_with_no_daily_run_says_so(fetched: tuple[Database, darkhorses.FetchReport, Path]) -> None:
    db, _, _ = fetched
    verdict = db.health(now=dt.datetime(2026, 3, 2, 20, tzinfo=dt.timezone.utc))
    assert not verdict.ok and verdict.problems[0].startswith("no successful daily run yet")
    with pytest.raises(darkhorses.DarkHorsesError, match="^unhealthy: no successful daily run yet") as raised:
        darkhorses.require_healthy(verdict)
    assert raised.value.exit_code == 1


def test_health_of_a_database_that_cannot_be_opened_is_a_report(tmp_path: Path) -> None:
    settings = darkhorses.Settings.model_construct(database_url=f"sqlite:///{tmp_path / 'gone.db'}",
                                                   alert_urls=None)
    verdict = darkhorses.health(settings)
    assert verdict.problems == (f"no database at {tmp_path / 'gone.db'}; create one with `darkhorses db upgrade` "
                                f"(or try `darkhorses demo`)",) and verdict.summary == ""


def test_inventory_counts_rows_and_fill(fetched: tuple[Database, darkhorses.FetchReport, Path]) -> None:
    db, _, _ = fetched
    stored = darkhorses.inventory(db)
    races = next(table for table in stored.tables if table["name"] == "ra_mst_races")
    assert races["rows"] == len(darkhorses.rows(db, "ra_mst_races"))
    assert 0 < stored.filled_columns(races) <= races["column_count"]  # type: ignore[operator]
    schema = darkhorses.inventory()
    assert "rows" not in schema.tables[0] and schema.filled_columns(schema.tables[0]) is None
    assert schema.data["table_count"] == len(schema.tables) == stored.data["table_count"]
    assert schema.markdown().startswith("# Tables and columns") and "ra_mst_races" in schema.markdown()
    assert stored.markdown() == schema.markdown()  # the page depends on the schema alone


def test_the_card_of_a_day_is_its_stored_racecards(fetched: tuple[Database, darkhorses.FetchReport, Path]) -> None:
    db, _, _ = fetched
    card = db.card("2026-03-02")
    stored = darkhorses.rows(db, "ra_mst_races", since=DAY, until=DAY)
    assert card.date == DAY and {race.race_id for race in card.races} == {race["id"] for race in stored}
    first = card.races[0]
    assert db.card(DAY, race_id=first.race_id).races == (first,)
    with pytest.raises(ConfigError, match="--date must be a date like"):
        db.card("someday")


def test_digest_names_each_table_and_refuses_unknown_ones(fetched: tuple[Database, darkhorses.FetchReport, Path]) -> None:
    db, _, _ = fetched
    digests = db.digest(["ra_mst_races"])
    assert list(digests) == ["ra_mst_races"]
    assert digests["ra_mst_races"].rows == len(darkhorses.rows(db, "ra_mst_races"))
    assert len(digests["ra_mst_races"].sha256) == 64 and db.digest(["ra_mst_races"]) == digests
    with pytest.raises(ConfigError, match="unknown table 'ra_nonsense'; digestible tables: "):
        db.digest(["ra_nonsense"])


def test_statistics_status_of_the_computed_tables(fetched: tuple[Database, darkhorses.FetchReport, Path]) -> None:
    db, _, _ = fetched
    entries = {entry.table: entry for entry in db.statistics()}
    assert entries["ra_mst_sires"].rows == len(darkhorses.rows(db, "ra_mst_sires"))
    assert entries["ra_mst_sires"].last_computed is not None


def test_fetch_jobs_name_every_table_fetch_accepts() -> None:
    jobs = darkhorses.fetch_jobs()
    assert [job.name for job in jobs] == ["regions", "courses", "racecards", "results", "horses"]
    assert jobs[2].source.startswith("/v1/racecards/pro") and "ra_runner_odds" in jobs[2].tables


def test_the_worker_schedule_is_in_london_time() -> None:
    after = dt.datetime(2026, 7, 2, 0, 30, tzinfo=dt.timezone.utc)  # a Thursday, 01:30 in London (summer time)
    runs = darkhorses.worker_schedule(3, after=after)
    assert len(runs) == 3 and [when for when, _ in runs] == sorted(when for when, _ in runs)
    first, task = runs[0]
    assert first > after and first.tzinfo is not None and first.tzname() == "BST"
    assert (first.hour, first.minute, task.name) == (7, 0, "racecards")


def test_simulate_serves_the_configured_world(monkeypatch: pytest.MonkeyPatch) -> None:
    import darkhorses.simulator

    served: list[tuple[object, ...]] = []
    monkeypatch.setattr(darkhorses.simulator, "serve_forever", lambda *args: served.append(args))
    config = darkhorses.SimulatorConfig(seed=7, faults=darkhorses.FaultConfig.spread(0.5, seed=3))
    darkhorses.simulate(config, port=9002)
    assert served == [(config, "127.0.0.1", 9002)]
    assert (config.faults.server_error, config.faults.drift, config.faults.slow, config.faults.seed) == (0.1, 0.1, 0.0, 3)


def test_an_alert_test_without_targets_is_refused() -> None:
    settings = darkhorses.Settings.model_construct(alert_urls=None)
    with pytest.raises(darkhorses.DarkHorsesError, match="DARKHORSES_ALERT_URLS"):
        darkhorses.send_test_alert(settings)
