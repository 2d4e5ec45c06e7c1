"""The blocking client: :class:`RacingApiClient`'s methods for code that is not async.

It owns a private event loop, in a thread of its own, and runs each call to completion on it, so
the limiter, the connection pool and the archive carry over between calls exactly as in the
async client, and it works where the calling thread already runs a loop (a Jupyter notebook). Every
method is written out with the async method's signature (a test holds them equal), so IDEs and
type checkers see them. Concurrency is what keeps rate limits busy, so bulk fetching should use
:func:`darkhorses.fetch` or the async client.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Callable, Coroutine, Sequence
from datetime import date
from typing import Any, TypeVar

import httpx

from darkhorses.config import DEFAULT_BASE_URL, Plan, Settings
from darkhorses.racing_api import endpoints as ep
from darkhorses.racing_api.archive import RawArchive
from darkhorses.racing_api.client import FilterValue, RacingApiClient
from darkhorses.racing_api.clock import Clock
from darkhorses.racing_api.endpoints import EntityKind, SearchKind
from darkhorses.racing_api.limiter import RateLimiter, RateLimits
from darkhorses.racing_api.models import (
    Analysis,
    Course,
    HorseDistanceTimes,
    HorsePro,
    HorseStandard,
    Racecard,
    Region,
    Result,
    RunnerOdds,
    SearchResult,
)
from darkhorses.racing_api.retry import RetryPolicy

T = TypeVar("T")


class SyncRacingApiClient:
    """``with SyncRacingApiClient(username="me", password="...") as api: api.courses(["gb"])``.

    Takes the same arguments as :class:`RacingApiClient`; :attr:`client` is the async client
    underneath (its counters: ``requests``, ``retried``, ``unknown_fields``).
    """

    def __init__(
        self,
        *,
        username: str,
        password: str,
        base_url: str = DEFAULT_BASE_URL,
        plan: Plan = "pro",
        history_addon: bool = False,
        limits: RateLimits | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        results_page_limit: int = ep.RESULTS_LIMIT_MAX,
        archive: RawArchive | None = None,
        clock: Clock | None = None,
        limiter: RateLimiter | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._wrap(RacingApiClient(
            username=username, password=password, base_url=base_url, plan=plan, history_addon=history_addon,
            limits=limits, transport=transport, timeout=timeout, retry=retry, results_page_limit=results_page_limit,
            archive=archive, clock=clock, limiter=limiter, jitter=jitter,
        ))

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> SyncRacingApiClient:
        """The client :class:`Settings` describe (see :meth:`RacingApiClient.from_settings`)."""
        sync = cls.__new__(cls)
        sync._wrap(RacingApiClient.from_settings(settings, **options))
        return sync

    def _wrap(self, client: RacingApiClient) -> None:
        self.client = client
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="darkhorses-client", daemon=True)
        self._thread.start()

    def _run(self, call: Coroutine[Any, Any, T]) -> T:
        """Run ``call`` on the client's loop and wait for it; an interrupt while waiting
        (Ctrl-C) cancels it there too."""
        future = asyncio.run_coroutine_threadsafe(call, self._loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def __repr__(self) -> str:
        return f"SyncRacingApiClient({self.client!r})"

    def close(self) -> None:
        """Close connections and the archive file, then the private loop and its thread."""
        try:
            self._run(self.client.aclose())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()

    def __enter__(self) -> SyncRacingApiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- reference data -------------------------------------------------------------------------

    def courses(self, region_codes: Sequence[str] | None = None) -> list[Course]:
        """``GET /v1/courses``; see :meth:`RacingApiClient.courses`."""
        return self._run(self.client.courses(region_codes))

    def regions(self) -> list[Region]:
        """``GET /v1/courses/regions``."""
        return self._run(self.client.regions())

    # --- racecards and results ------------------------------------------------------------------

    def racecards_pro(
        self,
        date: date,
        *,
        region_codes: Sequence[str] | None = None,
        course_ids: Sequence[str] | None = None,
    ) -> list[Racecard]:
        """``GET /v1/racecards/pro`` for one date, every page; see :meth:`RacingApiClient.racecards_pro`."""
        return self._run(self.client.racecards_pro(date, region_codes=region_codes, course_ids=course_ids))

    def racecard_pro(self, race_id: str) -> Racecard:
        """``GET /v1/racecards/{race_id}/pro``."""
        return self._run(self.client.racecard_pro(race_id))

    def results(
        self,
        start_date: date,
        end_date: date,
        *,
        region: Sequence[str] | None = None,
        course: Sequence[str] | None = None,
        **filters: FilterValue,
    ) -> list[Result]:
        """``GET /v1/results`` for a date range, every page; see :meth:`RacingApiClient.results`."""
        return self._run(self.client.results(start_date, end_date, region=region, course=course, **filters))

    def result(self, race_id: str) -> Result:
        """``GET /v1/results/{race_id}``."""
        return self._run(self.client.result(race_id))

    def entity_results(
        self,
        kind: EntityKind,
        entity_id: str,
        *,
        start_date: date | None = None,
        end_date: date | None = None,
        region: Sequence[str] | None = None,
        course: Sequence[str] | None = None,
        **filters: FilterValue,
    ) -> list[Result]:
        """``GET /v1/{kind}/{id}/results``; see :meth:`RacingApiClient.entity_results`."""
        return self._run(self.client.entity_results(kind, entity_id, start_date=start_date, end_date=end_date,
                                                    region=region, course=course, **filters))

    def horse_results(self, horse_id: str, **kwargs: Any) -> list[Result]:
        """``GET /v1/horses/{horse_id}/results``; see :meth:`RacingApiClient.entity_results`."""
        return self._run(self.client.horse_results(horse_id, **kwargs))

    # --- horses, people, pedigree ---------------------------------------------------------------

    def horse_pro(self, horse_id: str) -> HorsePro:
        """``GET /v1/horses/{horse_id}/pro``."""
        return self._run(self.client.horse_pro(horse_id))

    def horse_standard(self, horse_id: str) -> HorseStandard:
        """``GET /v1/horses/{horse_id}/standard``."""
        return self._run(self.client.horse_standard(horse_id))

    def horse_distance_times(self, horse_id: str, **filters: Any) -> HorseDistanceTimes:
        """``GET /v1/horses/{horse_id}/analysis/distance-times``."""
        return self._run(self.client.horse_distance_times(horse_id, **filters))

    def analysis(self, kind: str, entity_id: str, table: str, **filters: Any) -> Analysis:
        """``GET /v1/{kind}/{id}/analysis/{table}``; see :meth:`RacingApiClient.analysis`."""
        return self._run(self.client.analysis(kind, entity_id, table, **filters))

    def search(self, kind: SearchKind, name: str) -> list[SearchResult]:
        """``GET /v1/{kind}/search?name=``: jockeys, trainers, owners, sires, dams, damsires."""
        return self._run(self.client.search(kind, name))

    def search_horses(self, name: str) -> list[HorseStandard]:
        """``GET /v1/horses/search?name=``."""
        return self._run(self.client.search_horses(name))

    def runner_odds(self, race_id: str, horse_id: str) -> RunnerOdds:
        """``GET /v1/odds/{race_id}/{horse_id}``."""
        return self._run(self.client.runner_odds(race_id, horse_id))
