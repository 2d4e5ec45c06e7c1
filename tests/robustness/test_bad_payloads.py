"""Schema drift and impossible values: every valid record loads, each bad one is quarantined with
its reason and raw JSON, and the run reports them; the unit itself succeeds."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from darkhorses.db.schema import dh_quarantine, dh_work_units, ra_mst_race_results, ra_mst_races
from darkhorses.ingest.controller import FetchOptions, run_fetch
from darkhorses.racing_api.limiter import RateLimiter
from darkhorses.simulator import SimulatorConfig, World, create_app

from .conftest import UNLIMITED, Reference
from .harness import PASSWORD, SEED, USERNAME

Body = dict[str, Any]


def _benign(body: Body) -> Body:
    """Drift a tolerant client must absorb: unknown fields, a missing optional field, nulls."""
    races = body["results"]
    races[0]["surprise_field"] = {"nested": [1, 2]}
    races[0]["runners"][0]["another_new_field"] = "x"
    races[1].pop("comments", None)
    races[1]["going"] = None
    races[1]["runners"][0]["headgear"] = None
    return body


def _harmful(body: Body) -> Body:
    """A wrong type and a missing id (those races cannot load) and an impossible place (that runner)."""
    races = body["results"]
    races[2]["runners"][0]["draw"] = {"not": "a draw"}
    del races[3]["race_id"]
    races[4]["runners"][-1]["position"] = str(len(races[4]["runners"]) + 5)
    return body


class Drifting(httpx.AsyncBaseTransport):
    """The simulator in process, with ``change`` applied to every results page."""

    def __init__(self, app: Any, change: Callable[[Body], Body]) -> None:
        self.inner, self.change = httpx.ASGITransport(app=app), change

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        if request.url.path == "/v1/results" and response.status_code == 200:
            body = json.dumps(self.change(json.loads(body))).encode()
        return httpx.Response(response.status_code, headers={"content-type": "application/json"}, content=body)


async def _fetch(engine: Engine, day: dt.date, today: dt.date, sandbox_for, change: Callable[[Body], Body]):  # type: ignore[no-untyped-def]
    app = create_app(SimulatorConfig(seed=SEED, today=today, username=USERNAME, password=PASSWORD))
    options = FetchOptions(mode="manual", tables=("results",), start_date=day, end_date=day)
    report, run_file = await run_fetch(sandbox_for(engine).settings(), options, engine=engine, today=today,
                                       transport=Drifting(app, change), limiter=RateLimiter(UNLIMITED))
    with engine.connect() as connection:
        status = connection.scalar(select(dh_work_units.c.status).where(dh_work_units.c.job == "results"))
        races = set(connection.scalars(select(ra_mst_races.c.id)))
        starters = connection.scalar(select(func.count()).select_from(ra_mst_race_results))
    assert report.success and status == "done"
    return report, json.loads(run_file.read_text()), races, starters


def _results(today: dt.date, day: dt.date) -> list[Body]:
    results = [r for r in World(seed=SEED, today=today).results(day) if r["region"] == "IRE"]
    assert len(results) >= 5
    return results


async def test_unknown_missing_and_null_fields_load_everything_and_are_reported(
        engine: Engine, reference: Reference, sandbox_for, today: dt.date) -> None:  # type: ignore[no-untyped-def]
    results = _results(today, reference.day)
    report, run, races, starters = await _fetch(engine, reference.day, today, sandbox_for, _benign)
    assert report.quarantined == run["quarantined_records"] == 0
    assert races == {r["race_id"] for r in results}
    assert starters == sum(len(r["runners"]) for r in results)
    assert {"/v1/results results[].surprise_field", "/v1/results results[].runners[].another_new_field"} \
        <= set(run["unknown_fields"])


async def test_wrong_types_missing_ids_and_impossible_values_are_quarantined_and_the_rest_loads(
        engine: Engine, reference: Reference, sandbox_for, today: dt.date) -> None:  # type: ignore[no-untyped-def]
    day = reference.day
    results = _results(today, day)
    report, run, races, starters = await _fetch(engine, day, today, sandbox_for, _harmful)
    assert report.quarantined == run["quarantined_records"] == 3
    assert races == {r["race_id"] for r in results} - {results[2]["race_id"], results[3]["race_id"]}
    assert starters == sum(len(r["runners"]) for r in results) - len(results[2]["runners"]) \
        - len(results[3]["runners"]) - 1
    with engine.connect() as connection:
        quarantined = connection.execute(select(dh_quarantine.c.record_key, dh_quarantine.c.reason,
                                                dh_quarantine.c.raw, dh_quarantine.c.partition_key)).all()
    by_key = {row.record_key: row for row in quarantined}
    assert {row.partition_key for row in quarantined} == {day.isoformat()}
    wrong_type = by_key[results[2]["race_id"]]
    assert "draw" in wrong_type.reason and json.loads(wrong_type.raw)["race_id"] == results[2]["race_id"]
    missing_id = by_key["item 3"]
    assert "race_id" in missing_id.reason and "race_id" not in json.loads(missing_id.raw)
    impossible = by_key[f"{results[4]['race_id']}/{results[4]['runners'][-1]['horse_id']}"]
    assert "beyond the" in impossible.reason
    assert json.loads(impossible.raw)["horse_id"] == results[4]["runners"][-1]["horse_id"]
