"""Collect every item of a paged query: page until ``skip >= total``, split date ranges when needed.

The reference project lost data by reading one page and never looking at ``total``. Here a query
is read to the end or fails loudly. Two API limits shape it:

* ``skip`` has a cap (500 on racecards, 20000 on results-type endpoints). When the last page of a
  query would need a larger ``skip``, a date range is halved until every half fits; a single date
  that still does not fit raises :class:`InvalidRequest` asking for a narrower filter.
* since v1.4.3 a results query may span at most 365 days, so longer ranges go out in
  365-day windows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, timedelta
from typing import Any, Protocol, TypeVar

from darkhorses.racing_api.errors import BadPayload, InvalidRequest

T_co = TypeVar("T_co", covariant=True)


class PageLike(Protocol[T_co]):
    """What paging needs of a page: the size of the whole match set and this page's items (a
    :class:`~darkhorses.racing_api.models.Page`, or a page already turned into table rows)."""

    @property
    def total(self) -> int: ...

    @property
    def items(self) -> Sequence[T_co]: ...


#: ``(skip, limit) -> page`` for a fixed query.
FetchPage = Callable[[int, int], Awaitable[PageLike[Any]]]
#: ``(start, end) -> FetchPage`` for a query over a date window.
FetchWindow = Callable[[date, date], FetchPage]

MAX_SPAN_DAYS = 365


def fits_skip_cap(total: int, limit: int, skip_max: int) -> bool:
    """Whether the last page of ``total`` items, ``limit`` per page, starts at ``skip <= skip_max``."""
    last_skip = max(0, (total - 1) // limit * limit)
    return last_skip <= skip_max


async def collect_pages(fetch: FetchPage, limit: int, *, path: str, first: PageLike[Any] | None = None) -> list[Any]:
    """Every item of one query, in API order. ``first`` is page 0 when the caller already has it."""
    page = first or await fetch(0, limit)
    items = list(page.items)
    while len(items) < page.total:
        page = await fetch(len(items), limit)
        if not page.items:
            raise BadPayload(
                f"{path}: the page at skip={len(items)} came back empty although total is {page.total}",
                path=path,
            )
        items.extend(page.items)
    return items


async def collect_capped(fetch: FetchPage, limit: int, skip_max: int, *, path: str) -> list[Any]:
    """Every item of a query that cannot be split by date; fails when it needs ``skip > skip_max``."""
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
) -> list[Any]:
    """Every item between ``start`` and ``end`` (inclusive), splitting windows as the limits need."""
    if end < start:
        raise InvalidRequest(f"{path}: end date {end} is before start date {start}", path=path)
    items: list[Any] = []
    for window_start, window_end in spans(start, end, MAX_SPAN_DAYS):
        items.extend(await _collect_window(fetch_window, window_start, window_end, limit, skip_max, path))
    return items


async def _collect_window(
    fetch_window: FetchWindow, start: date, end: date, limit: int, skip_max: int, path: str
) -> list[Any]:
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
