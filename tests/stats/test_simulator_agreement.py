"""End to end: fetch results from the built-in simulator, populate, and check the numbers against
the simulator's own analysis endpoints over the same races (STATISTICS.md §2.4-2.6).

The simulator reports A/E and win % to 2 places (win % as a fraction) and 1_pl per row to the
penny; we store 3 places and percentages, so values are compared within the coarser rounding.
Its analysis also prices runs at the exact fractional SP (2/7 is 1.2857...), whereas the results
it serves, and so our tables, carry the API's ``sp_dec`` rounded to 2 places (1.29): a run's
probability can therefore differ by up to 0.5 %, and a winner's return by half a penny. It
settles a dead heat at full odds where §2.6 divides the stake, so entities with a dead-heat win
are left out.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from darkhorses.config import Settings
from darkhorses.db.migrate import open_for_writing
from darkhorses.ingest.controller import FetchOptions, run_fetch
from darkhorses.racing_api.limiter import RateLimiter, RateLimits
from darkhorses.simulator import SimulatorConfig, create_app
from darkhorses.london import LONDON
from darkhorses.stats.populate import populate

TODAY = dt.date(2025, 6, 1)
FIRST, LAST = dt.date(2025, 5, 30), dt.date(2025, 5, 31)
UNLIMITED = RateLimits.unlimited()
WINDOW = {"start_date": FIRST.isoformat(), "end_date": LAST.isoformat()}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, httpx.ASGITransport]:
    """Two days of simulated results fetched into SQLite and populated as of the last day."""
    tmp = tmp_path_factory.mktemp("sim")
    config = SimulatorConfig(seed=5, today=TODAY, now=lambda: dt.datetime(2025, 6, 1, 23, tzinfo=LONDON))
    transport = httpx.ASGITransport(app=create_app(config))
    settings = Settings(racing_api_username="demo", racing_api_password="demo", racing_api_base_url="http://sim",
                        racing_api_plan="pro", racing_api_history_addon=True, database_url=f"sqlite:///{tmp / 'sim.db'}",
                        log_dir=tmp / "logs", archive_dir=tmp / "archive", archive_enabled=False)
    engine = open_for_writing(settings.database_url)
    options = FetchOptions(mode="manual", tables=("results",), start_date=FIRST, end_date=LAST)
    asyncio.run(run_fetch(settings, options, engine=engine, transport=transport, limiter=RateLimiter(UNLIMITED),
                          today=TODAY))
    populate(engine, as_of=LAST, min_runs=1)
    return engine, transport


def _analysis(transport: httpx.ASGITransport, path: str) -> dict[str, Any]:
    async def get() -> dict[str, Any]:
        async with httpx.AsyncClient(transport=transport, base_url="http://sim", auth=("demo", "demo")) as client:
            response = await client.get(path, params=WINDOW)
            response.raise_for_status()
            return response.json()

    return asyncio.run(get())


def _ae_close(ours: float, theirs: float) -> bool:
    """Within the simulator's 2-place rounding plus the 0.5 % that 2-place SPs can move A/E."""
    return abs(ours - theirs) <= 0.0051 + 0.005 * theirs


def _pl_tolerance(rows: int, wins: int) -> float:
    """Half a penny per rounded row and per winner's rounded SP."""
    return 0.005 * (rows + wins) + 1e-9


def _busiest(engine: Engine, column: str, n: int) -> list[str]:
    """The ``n`` entities with most runs and no dead-heat win (see the module docstring)."""
    query = f"""SELECT {column} FROM ra_mst_runners GROUP BY {column}
                HAVING {column} IS NOT NULL AND SUM(CASE WHEN position = 1 THEN 1 ELSE 0 END) = SUM(
                  CASE WHEN position = 1 AND NOT EXISTS (SELECT 1 FROM ra_mst_runners o WHERE
                  o.race_id = ra_mst_runners.race_id AND o.position = 1 AND o.id <> ra_mst_runners.id)
                  THEN 1 ELSE 0 END)
                ORDER BY COUNT(*) DESC, {column} LIMIT {n}"""
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text(query))]


def _row(engine: Engine, sql: str, **params: str) -> dict[str, Any]:
    with engine.connect() as connection:
        return dict(connection.execute(text(sql), params).mappings().one())


@pytest.mark.parametrize("kind", ["jockey", "trainer"])
def test_people_by_course_agree(world: tuple[Engine, httpx.ASGITransport], kind: str) -> None:
    engine, transport = world
    for entity in _busiest(engine, f"{kind}_id", 3):
        body = _analysis(transport, f"/v1/{kind}s/{entity}/analysis/courses")
        count = "rides" if kind == "jockey" else "runners"
        for course in body["courses"]:
            ours = _row(engine, "SELECT * FROM ra_performance_by_venue WHERE entity_type = :k AND entity_id = :e "
                        "AND venue_id = :v", k=kind, e=entity, v=course["course_id"])
            assert ours["total_runs"] == course[count] and ours["wins"] == course["1st"]
            assert abs(ours["win_percent"] / 100 - course["win_%"]) <= 0.005
            assert _ae_close(ours["ae_index"], course["a/e"])
            assert ours["profit_loss_1u"] == pytest.approx(course["1_pl"], abs=_pl_tolerance(1, course["1st"]))


@pytest.mark.parametrize(("kind", "table"), [("jockey", "ra_mst_jockeys"), ("trainer", "ra_mst_trainers"),
                                             ("owner", "ra_mst_owners")])
def test_people_totals_agree(world: tuple[Engine, httpx.ASGITransport], kind: str, table: str) -> None:
    engine, transport = world
    for entity in _busiest(engine, f"{kind}_id", 3):
        body = _analysis(transport, f"/v1/{kind}s/{entity}/analysis/courses")
        rows = body["courses"]
        starts = "total_rides" if kind == "jockey" else "total_runners"
        ours = _row(engine, f"SELECT * FROM {table} WHERE id = :e", e=entity)
        wins = sum(r["1st"] for r in rows)
        assert (ours[starts], ours["total_wins"]) == (body[starts], wins)
        assert ours["win_rate"] == pytest.approx(round(100 * wins / body[starts], 2))
        assert ours["profit_loss_1u"] == pytest.approx(sum(r["1_pl"] for r in rows), abs=_pl_tolerance(len(rows), wins))


@pytest.mark.parametrize("kind", ["sire", "dam", "damsire"])
def test_pedigree_classes_agree(world: tuple[Engine, httpx.ASGITransport], kind: str) -> None:
    engine, transport = world
    for entity in _busiest(engine, f"{kind}_id", 3):
        body = _analysis(transport, f"/v1/{kind}s/{entity}/analysis/classes")
        ours = _row(engine, f"SELECT * FROM ra_mst_{kind}s WHERE id = :e", e=entity)
        assert ours["total_runners"] == body["total_runners"]
        wins = sum(r["1st"] for r in body["classes"])
        assert ours["total_wins"] == wins
        assert ours["profit_loss_1u"] == pytest.approx(sum(r["1_pl"] for r in body["classes"]),
                                                       abs=_pl_tolerance(len(body["classes"]), wins))
        theirs = {r["class"]: r for r in body["classes"] if r["class"]}
        for rank in (1, 2, 3):
            name = ours[f"class_{rank}_name"]
            if name is None:
                continue
            row = theirs[name]
            assert (ours[f"class_{rank}_runners"], ours[f"class_{rank}_wins"]) == (row["runners"], row["1st"])
            assert abs(ours[f"class_{rank}_win_percent"] / 100 - row["win_%"]) <= 0.005
            assert _ae_close(ours[f"class_{rank}_ae"], row["a/e"])
