"""Collect every page of a paged query: page until ``skip >= total``, split date ranges when needed.

The reference project lost data by reading one page and never looking at ``total``. Here a query
is read to the end or fails loudly. Two API limits shape it:

* ``skip`` has a cap (500 on racecards, 20000 on results-type endpoints). When the last page of a
  query would need a larger ``skip``, a date range is halved until every half fits; a single date
  that still does not fit raises :class:`InvalidRequest` asking for a narrower filter.
* since v1.4.3 a results query may span at most 365 days, so longer ranges go out in
  365-day windows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from darkhorses.racing_api.errors import BadPayload, InvalidRequest


@dataclass(frozen=True)
class BodyPage:
    """One page of a paged query as the API sent it: the body text and its envelope.

    The client reads only the envelope (``total`` and how many items came); the items stay text,
    so whoever wants them decides how and where to read them (models for the client's typed
    methods, table rows in a worker process for ``fetch``)."""

    endpoint: str
    """The endpoint template (``/v1/results``), as counters and reports name endpoints."""
    path: str
    status: int
    text: str
    """The body, with credentials redacted."""
    key: str
    """The envelope's item list (``racecards``, ``results``)."""
    total: int
    """The size of the whole match set."""
    skip: int
    count: int
    """Items on this page."""

    @property
    def whole(self) -> bool:
        """Whether this one page holds the query's whole match set."""
        return self.skip == 0 and self.count == self.total


class _Item(BaseModel):
    """An item only counted: validated from JSON text, its keys never become Python objects."""

    model_config = ConfigDict(extra="ignore")


@cache
def _envelope(key: str) -> type[BaseModel]:
    """``{key: [...], "total": n}``: what paging needs of a page, at a fifth of the cost of
    decoding a racecard day (the event loop must stay free to start requests on time)."""
    return create_model(f"Envelope_{key}", __config__=ConfigDict(extra="ignore"), total=(int, ...),
                        **{key: (list[_Item] | None, ...)})  # type: ignore[call-overload]


def read_envelope(endpoint: str, path: str, status: int, text: str, key: str, skip: int) -> BodyPage:
    """The page of ``text``; :class:`BadPayload` when it is not JSON (retryable: a truncated
    transfer, a proxy's page) or has no ``total`` or item list (an error served with 200)."""
    try:
        envelope = _envelope(key).model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        error = BadPayload(f"The Racing API sent a body for {path} that does not fit: {where}: {first['msg']}",
                           path=path, status=status, raw=text)
        error.retryable = first["type"] == "json_invalid"
        raise error from None
    items = getattr(envelope, key)
    return BodyPage(endpoint, path, status, text, key, envelope.total, skip, len(items or ()))  # type: ignore[attr-defined]


#: ``(skip, limit) -> page`` for a fixed query.
FetchPage = Callable[[int, int], Awaitable[BodyPage]]
#: ``(start, end) -> FetchPage`` for a query over a date window.
FetchWindow = Callable[[date, date], FetchPage]

MAX_SPAN_DAYS = 365


def fits_skip_cap(total: int, limit: int, skip_max: int) -> bool:
    """Whether the last page of ``total`` items, ``limit`` per page, starts at ``skip <= skip_max``."""
    last_skip = max(0, (total - 1) // limit * limit)
    return last_skip <= skip_max


async def collect_pages(fetch: FetchPage, limit: int, *, path: str, first: BodyPage | None = None) -> list[BodyPage]:
    """Every page of one query, in API order. ``first`` is page 0 when the caller already has it.
    The next page starts after the items that came, not after ``limit``: a server that sends
    fewer than asked (the 2025 build capped results at 50) loses nothing."""
    page = first or await fetch(0, limit)
    pages, seen = [page], page.count
    while seen < page.total:
        page = await fetch(seen, limit)
        if not page.count:
            raise BadPayload(
                f"{path}: the page at skip={seen} came back empty although total is {page.total}",
                path=path,
            )
        pages.append(page)
        seen += page.count
    return pages


async def collect_capped(fetch: FetchPage, limit: int, skip_max: int, *, path: str) -> list[BodyPage]:
    """Every page of a query that cannot be split by date; fails when it needs ``skip > skip_max``."""
    first = await fetch(0, limit)
    if not fits_skip_cap(first.total, limit, skip_max):
        raise InvalidRequest(
            f"{path} matches {first.total} items, more than the API lets a client page through "
            f"(skip <= {skip_max}); give a date range or a narrower filter",
            path=path,
        )
    return await collect_pages(fetch, limit, path=path, first=first)


async def collect_date_range(
    fetch_window: FetchWindow, start: date, end: date, limit: int, skip_max: int, *, path: str
) -> list[BodyPage]:
    """Every page between ``start`` and ``end`` (inclusive), splitting windows as the limits need."""
    if end < start:
        raise InvalidRequest(f"{path}: end date {end} is before start date {start}", path=path)
    pages: list[BodyPage] = []
    for window_start, window_end in spans(start, end, MAX_SPAN_DAYS):
        pages.extend(await _collect_window(fetch_window, window_start, window_end, limit, skip_max, path))
    return pages


async def _collect_window(
    fetch_window: FetchWindow, start: date, end: date, limit: int, skip_max: int, path: str
) -> list[BodyPage]:
    fetch = fetch_window(start, end)
    first = await fetch(0, limit)
    if fits_skip_cap(first.total, limit, skip_max):
        return await collect_pages(fetch, limit, path=path, first=first)
    if start == end:
        raise InvalidRequest(
            f"{path} has {first.total} items on {start}, more than the API lets a client page through "
            f"(skip <= {skip_max}); narrow the query by region or course",
            path=path,
        )
    middle = start + (end - start) // 2
    return await _collect_window(fetch_window, start, middle, limit, skip_max, path) + await _collect_window(
        fetch_window, middle + timedelta(days=1), end, limit, skip_max, path
    )


def spans(start: date, end: date, days: int) -> list[tuple[date, date]]:
    """Cut ``start..end`` (inclusive) into consecutive windows of at most ``days`` dates."""
    windows = []
    while start <= end:
        window_end = min(end, start + timedelta(days=days - 1))
        windows.append((start, window_end))
        start = window_end + timedelta(days=1)
    return windows
