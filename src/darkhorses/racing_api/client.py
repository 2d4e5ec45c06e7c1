"""The Racing API client: the only code in DarkHorses that talks HTTP to The Racing API.

Every call goes through one path (:meth:`RacingApiClient._read_call`): wait for the shared rate
limiter, send, archive the body, map the status to a typed error or retry it, then read the body:
into a model for the typed methods, or only its envelope for the page methods
(:meth:`RacingApiClient.racecards_pro_pages`, :meth:`RacingApiClient.results_pages`), which
return the pages as sent so that a caller wanting table rows reads them where it likes. Nothing
is called back: data flows from the client to its caller only.

Methods use the API's real parameter names, which differ between racecards
(``date``, ``region_codes``, ``course_ids``) and results (``start_date``, ``end_date``,
``region``, ``course``); arrays go out as repeated keys. Because the API silently ignores unknown
parameters, the optional results filters are checked against the names it knows.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Any, TypeVar

import httpx

from darkhorses import __version__
from pydantic import SecretStr

from darkhorses.config import DEFAULT_BASE_URL, Plan, Settings, plan_includes
from darkhorses.errors import ConfigError
from darkhorses.racing_api import endpoints as ep
from darkhorses.racing_api.archive import RawArchive
from darkhorses.racing_api.clock import Clock, SystemClock
from darkhorses.racing_api.endpoints import Endpoint, EntityKind, SearchKind
from darkhorses.racing_api.errors import (
    AuthError,
    BadPayload,
    InvalidRequest,
    NotFound,
    PlanError,
    RacingApiError,
    RateLimited,
    ServerError,
    Unreachable,
)
from darkhorses.racing_api.limiter import RateLimiter, RateLimits
from darkhorses.racing_api.models import (
    Analysis,
    Course,
    CoursesPage,
    HorseDistanceTimes,
    HorsePro,
    HorseSearchResults,
    HorseStandard,
    Racecard,
    RacecardsPage,
    Region,
    Result,
    ResultsPage,
    RunnerOdds,
    SearchResult,
    SearchResults,
    parse_body,
    unknown_fields,
)
from darkhorses.racing_api.paging import BodyPage, FetchPage, collect_capped, collect_date_range, read_envelope
from darkhorses.racing_api.redact import Redactor
from darkhorses.racing_api.retry import RetryPolicy, retry_after_seconds

log = logging.getLogger(__name__)

USER_AGENT = f"darkhorses/{__version__} (racing data pipeline; python-httpx/{httpx.__version__})"

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "simulator"})
"""Hosts where a Racing API is the simulator (``darkhorses simulate``, or the demo's in-process one)."""
#: Transport failures that mean the server was never reached (nothing was sent to it).
NOT_REACHED = (httpx.ConnectError, httpx.ConnectTimeout)

#: The optional filters of results-type endpoints, as the API spells them.
RESULT_FILTERS = frozenset(
    {"type", "going", "race_class", "min_distance_y", "max_distance_y", "age_band", "sex_restriction"}
)

Params = list[tuple[str, str]]
FilterValue = str | int | Sequence[str]
M = TypeVar("M")
V = TypeVar("V")


def query(**values: Any) -> Params:
    """Query pairs in the order given: ``None`` dropped, sequences as repeated keys, dates ISO."""
    pairs: Params = []
    for name, value in values.items():
        if value is None:
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            pairs.append((name, item.isoformat() if isinstance(item, date) else str(item)))
    return pairs


class RacingApiClient:
    """Async client: ``async with RacingApiClient(username="me", password="...") as api:``.

    Built from explicit arguments, so a notebook or another program needs no environment;
    :meth:`from_settings` builds it from the CLI's :class:`Settings`. ``plan`` and
    ``history_addon`` are the account's entitlements (they explain a 401 and plan a fetch);
    ``limits`` are the requests per second the client keeps to. ``transport`` swaps the network
    for ``httpx.MockTransport`` or ``httpx.ASGITransport`` (the simulator); ``clock`` and
    ``jitter`` make waits testable; ``archive`` stores every body. ``results_page_limit`` is 100
    (v1.4.3); set 50 for a server that follows the 2025 contract.
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
        if not (username and password):
            raise ConfigError("no Racing API credentials: give a username and a password")
        self.username = username
        self.password = SecretStr(password)
        self.base_url = base_url.rstrip("/")
        self.plan: Plan = plan
        self.history_addon = history_addon
        self.limits = limits or RateLimits()
        self.transport = transport
        self.timeout = timeout
        self.clock: Clock = clock or SystemClock()
        self.limiter = limiter or RateLimiter(self.limits, self.clock)
        self.retry = retry or RetryPolicy()
        self.archive = archive
        self.results_page_limit = results_page_limit
        self._jitter = jitter
        self._redact = Redactor(username, password)
        self._consecutive_429s = 0
        self._unreached = 0
        """Connection failures in a row across all requests; any answer resets it."""
        #: Requests that reached the API, by endpoint template (retries included).
        self.requests: Counter[str] = Counter()
        #: 429 Too Many Requests answers, and requests sent again after a failure, by endpoint template.
        self.rate_limited: Counter[str] = Counter()
        self.retried: Counter[str] = Counter()
        #: Keys the models did not know, as ``"<template> <field path>"`` → occurrences.
        self.unknown_fields: Counter[str] = Counter()
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            auth=httpx.BasicAuth(username, password),
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Encoding": "gzip"},
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
            transport=transport,
        )

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> RacingApiClient:
        """The client the settings describe (credentials, base URL, plan, limits, retries,
        timeout); ``options`` add or override constructor arguments (``None`` keeps the settings'
        value). A :class:`ConfigError` names the settings to set when the credentials are missing."""
        username, password = settings.credentials()
        described: dict[str, Any] = {
            "base_url": settings.racing_api_base_url,
            "plan": settings.racing_api_plan,
            "history_addon": settings.racing_api_history_addon,
            "limits": RateLimits.from_settings(settings),
            "timeout": settings.racing_api_timeout_seconds,
            "retry": RetryPolicy.from_settings(settings),
            "results_page_limit": settings.racing_api_results_page_limit,
        }
        given = {name: value for name, value in options.items() if value is not None}
        return cls(username=username, password=password, **{**described, **given})

    def __repr__(self) -> str:
        return f"RacingApiClient(base_url={self.base_url!r}, plan={self.plan!r})"

    async def __aenter__(self) -> RacingApiClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close connections and the archive file."""
        await self._http.aclose()
        if self.archive is not None:
            self.archive.close()

    # --- reference data -------------------------------------------------------------------------

    async def courses(self, region_codes: Sequence[str] | None = None) -> list[Course]:
        """``GET /v1/courses`` (whole list, no paging), optionally for some regions (``gb``, ``ire``)."""
        page = await self._call(CoursesPage, ep.COURSES, query(region_codes=_seq(region_codes)))
        return page.courses

    async def regions(self) -> list[Region]:
        """``GET /v1/courses/regions``."""
        return await self._call(list[Region], ep.REGIONS, [])

    # --- racecards ------------------------------------------------------------------------------

    async def racecards_pro(
        self,
        date: date,
        *,
        region_codes: Sequence[str] | None = None,
        course_ids: Sequence[str] | None = None,
    ) -> list[Racecard]:
        """``GET /v1/racecards/pro`` for one date, every page (500 races a page)."""
        pages = await self.racecards_pro_pages(date, region_codes=region_codes, course_ids=course_ids)
        return [card for page in pages for card in self._page_models(RacecardsPage, page).racecards]

    async def racecards_pro_pages(
        self,
        date: date,
        *,
        region_codes: Sequence[str] | None = None,
        course_ids: Sequence[str] | None = None,
    ) -> list[BodyPage]:
        """:meth:`racecards_pro` as the pages the API sent, their items unread."""
        endpoint = ep.RACECARDS_PRO

        async def fetch(skip: int, limit: int) -> BodyPage:
            params = query(
                date=date, region_codes=_seq(region_codes), course_ids=_seq(course_ids), limit=limit, skip=skip
            )
            return await self._page(endpoint, "racecards", params, skip)

        assert endpoint.limit_max and endpoint.skip_max
        return await collect_capped(fetch, endpoint.limit_max, endpoint.skip_max, path=endpoint.template)

    async def racecard_pro(self, race_id: str) -> Racecard:
        """``GET /v1/racecards/{race_id}/pro``: one race; :class:`NotFound` if unknown."""
        return await self._call(Racecard, ep.RACECARD_PRO, [], race_id=race_id)

    # --- results --------------------------------------------------------------------------------

    async def results(
        self,
        start_date: date,
        end_date: date,
        *,
        region: Sequence[str] | None = None,
        course: Sequence[str] | None = None,
        **filters: FilterValue,
    ) -> list[Result]:
        """``GET /v1/results`` for a date range (inclusive), every page, newest first per window.

        ``region`` is ignored by the API when ``course`` is given. Other filters: ``type``,
        ``going``, ``race_class``, ``min_distance_y``, ``max_distance_y``, ``age_band``,
        ``sex_restriction``.
        """
        pages = await self.results_pages(start_date, end_date, region=region, course=course, **filters)
        return self._results_of(pages)

    async def results_pages(
        self,
        start_date: date,
        end_date: date,
        *,
        region: Sequence[str] | None = None,
        course: Sequence[str] | None = None,
        **filters: FilterValue,
    ) -> list[BodyPage]:
        """:meth:`results` as the pages the API sent, their items unread."""
        return await self._results(ep.RESULTS, {}, start_date, end_date, region, course, filters)

    async def result(self, race_id: str) -> Result:
        """``GET /v1/results/{race_id}``: :class:`NotFound` if unknown or not resulted yet."""
        return await self._call(Result, ep.RESULT, [], race_id=race_id)

    async def entity_results(
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
        """``GET /v1/{kind}/{id}/results`` (horses, jockeys, trainers, owners, sires, dams, damsires).

        Each item is a whole race with all its runners. Without dates the API applies its own
        window (2026: the last 365 days; 2025: the whole career) and a query past the ``skip``
        cap fails; with dates the range is split as needed.
        """
        endpoint = ep.entity_results(kind)
        pages = await self._results(endpoint, {ep.id_param(kind): entity_id}, start_date, end_date, region, course,
                                    filters)
        return self._results_of(pages)

    async def horse_results(self, horse_id: str, **kwargs: Any) -> list[Result]:
        """``GET /v1/horses/{horse_id}/results``; see :meth:`entity_results`."""
        return await self.entity_results("horses", horse_id, **kwargs)

    def _results_of(self, pages: list[BodyPage]) -> list[Result]:
        return [result for page in pages for result in self._page_models(ResultsPage, page).results]

    async def _results(
        self,
        endpoint: Endpoint,
        ids: dict[str, str],
        start_date: date | None,
        end_date: date | None,
        region: Sequence[str] | None,
        course: Sequence[str] | None,
        filters: dict[str, FilterValue],
    ) -> list[BodyPage]:
        extra = _checked_filters(filters)
        limit, skip_max = self.results_page_limit, endpoint.skip_max
        assert skip_max is not None

        def fetcher(start: date | None, end: date | None) -> FetchPage:
            async def fetch(skip: int, page_limit: int) -> BodyPage:
                params = query(
                    start_date=start, end_date=end, region=_seq(region), course=_seq(course), **extra,
                    limit=page_limit, skip=skip,
                )
                return await self._page(endpoint, "results", params, skip, **ids)

            return fetch

        if start_date is None and end_date is None:
            return await collect_capped(fetcher(None, None), limit, skip_max, path=endpoint.template)
        if start_date is None or end_date is None:
            raise ValueError("give both start_date and end_date, or neither")
        return await collect_date_range(fetcher, start_date, end_date, limit, skip_max, path=endpoint.template)

    # --- horses, people, pedigree ---------------------------------------------------------------

    async def horse_pro(self, horse_id: str) -> HorsePro:
        """``GET /v1/horses/{horse_id}/pro``; :class:`NotFound` when only a standard profile exists."""
        return await self._call(HorsePro, ep.HORSE_PRO, [], horse_id=horse_id)

    async def horse_standard(self, horse_id: str) -> HorseStandard:
        """``GET /v1/horses/{horse_id}/standard``: name and pedigree ids."""
        return await self._call(HorseStandard, ep.HORSE_STANDARD, [], horse_id=horse_id)

    async def horse_distance_times(self, horse_id: str, **filters: Any) -> HorseDistanceTimes:
        """``GET /v1/horses/{horse_id}/analysis/distance-times``."""
        params = _analysis_query(filters)
        return await self._call(HorseDistanceTimes, ep.HORSE_DISTANCE_TIMES, params, horse_id=horse_id)

    async def analysis(self, kind: str, entity_id: str, table: str, **filters: Any) -> Analysis:
        """``GET /v1/{kind}/{id}/analysis/{table}``, e.g. ``analysis("jockeys", "jky_1", "courses")``.

        Tables: jockeys (courses, distances, owners, trainers), trainers (courses, distances,
        jockeys, owners, horse-age), owners (courses, distances, jockeys, trainers), sires, dams
        and damsires (classes, distances). Filters as for :meth:`results`, plus dates, region, course.
        """
        endpoint = ep.entity_analysis(kind, table)
        ids = {ep.id_param(kind): entity_id}  # type: ignore[arg-type]
        return await self._call(Analysis, endpoint, _analysis_query(filters), **ids)

    async def search(self, kind: SearchKind, name: str) -> list[SearchResult]:
        """``GET /v1/{kind}/search?name=``: jockeys, trainers, owners, sires, dams, damsires."""
        if kind == "horses":
            raise ValueError("use search_horses() for horses: its hits carry pedigree ids")
        body = await self._call(SearchResults, ep.search(kind), query(name=name))
        return body.search_results

    async def search_horses(self, name: str) -> list[HorseStandard]:
        """``GET /v1/horses/search?name=``."""
        body = await self._call(HorseSearchResults, ep.search("horses"), query(name=name))
        return body.search_results

    async def runner_odds(self, race_id: str, horse_id: str) -> RunnerOdds:
        """``GET /v1/odds/{race_id}/{horse_id}``: bookmakers' prices and their history."""
        return await self._call(RunnerOdds, ep.ODDS, [], race_id=race_id, horse_id=horse_id)

    # --- the one request path -------------------------------------------------------------------

    def _page_models(self, shape: type[M], page: BodyPage) -> M:
        """A page's body validated into ``shape`` (:class:`RacecardsPage`, :class:`ResultsPage`),
        its unknown keys counted in :attr:`unknown_fields`."""
        return self._models(shape, page.endpoint, page.text, page.path, page.status)

    def _models(self, shape: type[M] | Any, template: str, text: str, path: str, status: int) -> M:
        body: M = parse_body(shape, text, path=path, status=status)
        for field_path, count in unknown_fields(body).items():
            self.unknown_fields[f"{template} {field_path}"] += count
        return body

    async def _call(self, shape: type[M] | Any, endpoint: Endpoint, params: Params, **ids: str) -> M:
        """:meth:`_read_call` validating the body into ``shape``."""
        return await self._read_call(
            lambda text, path, status: self._models(shape, endpoint.template, text, path, status), endpoint, params,
            **ids)

    async def _page(self, endpoint: Endpoint, key: str, params: Params, skip: int, **ids: str) -> BodyPage:
        """:meth:`_read_call` reading only the envelope of a page whose items are under ``key``."""
        return await self._read_call(
            lambda text, path, status: read_envelope(endpoint.template, path, status, text, key, skip), endpoint,
            params, **ids)

    async def _read_call(self, read: Callable[[str, str, int], V], endpoint: Endpoint, params: Params,
                         **ids: str) -> V:
        """Send with rate limiting and retries, then read the body; a value or a typed error, never ``None``.

        Retried: 429, 5xx, transport failures (timeouts, refused or dropped connections) and a
        2xx body that is not JSON at all (a proxy's error page, a truncated transfer). Not
        retried: other 4xx, and JSON that does not fit the model (retrying cannot fix it).
        """
        path = endpoint.path(**ids)
        attempt = 0
        while True:
            attempt += 1
            if self._unreached >= self.retry.unreachable_after:
                raise self._unreachable(path, "no answer to earlier requests")
            granted = await self.limiter.acquire(endpoint.template, endpoint.family)
            try:
                response = await self._http.get(path, params=params,
                                                extensions={"trace": self._departure(endpoint, granted)})
            except NOT_REACHED as exc:
                self._unreached += 1
                if self._unreached >= self.retry.unreachable_after:
                    raise self._unreachable(path, type(exc).__name__) from None
                error = ServerError(f"could not connect to The Racing API at {self.base_url} "
                                    f"for {path}: {type(exc).__name__}", path=path)
                wait = self.retry.backoff(attempt, self._jitter())
            except (httpx.TransportError, ConnectionError) as exc:
                self.requests[endpoint.template] += 1
                self._unreached = 0
                error: RacingApiError = ServerError(
                    f"could not get {path} from The Racing API at {self.base_url} "
                    f"after {attempt} attempts: {type(exc).__name__}",
                    path=path,
                )
                wait = self.retry.backoff(attempt, self._jitter())
            else:
                self.requests[endpoint.template] += 1
                self._unreached = 0
                self._keep(endpoint, path, params, response)
                if response.is_success:
                    self._consecutive_429s = 0
                    try:
                        return read(self._redact(response.text), path, response.status_code)
                    except BadPayload as bad:
                        if not bad.retryable:
                            raise
                        error = bad
                    wait = self.retry.backoff(attempt, self._jitter())
                else:
                    error = self._error_for(endpoint, path, response, attempt)
                    if not error.retryable:
                        raise error
                    wait = self._wait_after(response, attempt)
            if attempt >= self.retry.max_attempts:
                raise error
            log.warning("retrying %s after %s (attempt %d) in %.1fs", path, error.status or "error", attempt, wait)
            self.retried[endpoint.template] += 1
            if error.status == 429:
                self.limiter.pause(wait)
            else:
                await self.clock.sleep(wait)

    def _unreachable(self, path: str, cause: str) -> Unreachable:
        return Unreachable(
            f"cannot reach The Racing API at {self.base_url} after {self._unreached} attempts "
            f"({cause}); nothing more was tried; rerun the same command to resume",
            path=path,
        )

    def _departure(self, endpoint: Endpoint, granted: float) -> Callable[[str, dict[str, Any]], Awaitable[None]]:
        """An httpx ``trace`` hook telling the limiter when the request really left (see
        :meth:`RateLimiter.left`); transports without a network (mocks, the in-process
        simulator) never call it."""

        async def trace(event: str, info: dict[str, Any]) -> None:
            if event.endswith(".send_request_headers.complete"):
                self.limiter.left(endpoint.template, granted)

        return trace

    def _wait_after(self, response: httpx.Response, attempt: int) -> float:
        """Retry-After if the server gave one, else backoff; several 429s in a row: the cool-off."""
        asked = retry_after_seconds(response.headers.get("Retry-After"))
        if response.status_code == 429:
            self._consecutive_429s += 1
            if self._consecutive_429s >= self.retry.cooloff_after_429s:
                self._consecutive_429s = 0
                log.warning("repeated 429s: pausing all requests for %.0fs", self.retry.cooloff_seconds)
                return max(self.retry.cooloff_seconds, asked or 0.0)
        return asked if asked is not None else self.retry.backoff(attempt, self._jitter())

    def _keep(self, endpoint: Endpoint, path: str, params: Params, response: httpx.Response) -> None:
        log.debug("GET %s %s -> %d", path, params, response.status_code)
        if self.archive is not None:
            self.archive.record(endpoint.template, path, params, response.status_code, self._redact(response.text))

    def _error_for(self, endpoint: Endpoint, path: str, response: httpx.Response, attempt: int) -> RacingApiError:
        status = response.status_code
        plan = self.plan
        if status == 429:
            self.rate_limited[endpoint.template] += 1
        if status == 401:
            if plan_includes(plan, endpoint.min_plan):
                hint = self._credentials_hint(plan, endpoint)
                return AuthError(f"The Racing API refused the credentials for {path} (401): {hint}",
                                 path=path, status=status)
            return PlanError(
                f"your plan ({plan}) does not include {endpoint.template} (it needs {endpoint.min_plan}); "
                f"The Racing API answered 401",
                path=path,
                status=status,
            )
        if status == 403:
            return AuthError(
                f"The Racing API refused access to {path} (403 Forbidden): the account or this IP may be blocked",
                path=path,
                status=status,
            )
        if status == 404:
            return NotFound(f"The Racing API has nothing at {path} (404 Not Found)", path=path, status=status)
        if status == 429:
            return RateLimited(
                f"The Racing API kept answering 429 Too Many Requests for {path} after {attempt} attempts; "
                f"wait a few minutes or lower the DARKHORSES_RATE_LIMIT_* settings",
                path=path,
                status=status,
            )
        if status >= 500:
            return ServerError(
                f"The Racing API failed on {path} with {status} after {attempt} attempts", path=path, status=status
            )
        return InvalidRequest(
            f"The Racing API rejected {path} ({status}): {self._detail(response)}", path=path, status=status
        )

    def _credentials_hint(self, plan: str, endpoint: Endpoint) -> str:
        """What was sent and where it came from: the username's first letters and length (it is
        half the credentials, so never in full), never the password."""
        sent = (f"sent the username starting {self.username[:3]!r} ({len(self.username)} characters) from "
                f"RACING_API_USERNAME and RACING_API_PASSWORD (environment or .env)")
        base = self.base_url
        if httpx.URL(base).host in LOCAL_HOSTS:
            return (f"{sent}; {base} is a local simulator, not The Racing API: `darkhorses simulate` accepts "
                    f"--username/--password (default demo/demo), so set the same pair")
        return (f"{sent}; your settings say plan '{plan}' includes {endpoint.template}, so check those two, that "
                f"the account is active and paid, and RACING_API_PLAN")

    def _detail(self, response: httpx.Response) -> str:
        """The validation message of a FastAPI error body (``query.name: field required``)."""
        try:
            detail = response.json().get("detail")
        except (ValueError, AttributeError):
            detail = response.text
        if isinstance(detail, list):
            detail = "; ".join(
                f"{'.'.join(str(p) for p in item.get('loc', []))}: {item.get('msg', '')}"
                for item in detail
                if isinstance(item, dict)
            )
        return self._redact(str(detail))[:300]


def _seq(value: Sequence[str] | str | None) -> list[str] | None:
    """Accept one code or many; a bare string must not be split into characters."""
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def _checked_filters(filters: dict[str, FilterValue]) -> dict[str, Any]:
    """Reject misspelt filter names: the API would silently ignore them and return unfiltered data."""
    unknown = set(filters) - RESULT_FILTERS
    if unknown:
        raise ValueError(f"unknown results filter(s) {sorted(unknown)}; known: {sorted(RESULT_FILTERS)}")
    return {name: _seq(value) if not isinstance(value, int) else value for name, value in filters.items()}


def _analysis_query(filters: dict[str, Any]) -> Params:
    """Analysis endpoints take the results filters plus dates, region and course, without paging."""
    own = {name: filters.pop(name) for name in ("start_date", "end_date", "region", "course") if name in filters}
    return query(
        start_date=own.get("start_date"),
        end_date=own.get("end_date"),
        region=_seq(own.get("region")),
        course=_seq(own.get("course")),
        **_checked_filters(filters),
    )
