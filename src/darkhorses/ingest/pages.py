"""Racecard and results pages straight to table rows, in a worker process during a big fetch.

A Pro racecard day for GB and Ireland is about 2.5 MB of JSON: ~500 runners and ~12,000
bookmaker prices. Validating it and turning it into rows costs more CPU than the 0.5 s the 2/s
racecard limit leaves between two calls, and while the event loop is busy no request can start
on time: every late start is lost for good, since the limiter never bursts to catch up. So a
backfill reads pages in a worker process (:class:`PageReaders` with an executor): the event loop
only sends requests and hands the body over, and the worker sends back the rows, which pickle
far more cheaply than the models they came from. Reading is pure (see :mod:`transform`), so where
it runs changes nothing in what is stored.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

from darkhorses.ingest.transform import Batch, racecard_rows, result_rows
from darkhorses.racing_api.client import BodyReader
from darkhorses.racing_api.models import RacecardsPage, ResultsPage, parse_body, unknown_fields


@dataclass
class PageRows:
    """A page read into rows: one :class:`Batch` per race, and the size of the whole match set
    (what paging needs)."""

    total: int
    items: list[Batch]


PageParser = Callable[[str, str, int], tuple[PageRows, Counter[str]]]


def racecard_page_rows(text: str, path: str, status: int) -> tuple[PageRows, Counter[str]]:
    """A ``/v1/racecards/pro`` page body → rows per race, and the fields the models did not know."""
    page = parse_body(RacecardsPage, text, path=path, status=status)
    return PageRows(page.total, [racecard_rows(card) for card in page.racecards]), unknown_fields(page)


def result_page_rows(text: str, path: str, status: int) -> tuple[PageRows, Counter[str]]:
    """A ``/v1/results`` page body → rows per race, and the fields the models did not know."""
    page = parse_body(ResultsPage, text, path=path, status=status)
    return PageRows(page.total, [result_rows(result) for result in page.results]), unknown_fields(page)


class PageReaders:
    """Body readers for the client that build rows in ``executor`` (a worker process), or in the
    event loop when there is none (small runs, where starting a process costs more than it saves)."""

    def __init__(self, executor: Executor | None = None) -> None:
        self.executor = executor

    def _reader(self, parser: PageParser) -> BodyReader[PageRows]:
        async def read(text: str, path: str, status: int) -> tuple[PageRows, Counter[str]]:
            if self.executor is None:
                return parser(text, path, status)
            return await asyncio.get_running_loop().run_in_executor(self.executor, parser, text, path, status)

        return read

    @property
    def racecards(self) -> BodyReader[PageRows]:
        return self._reader(racecard_page_rows)

    @property
    def results(self) -> BodyReader[PageRows]:
        return self._reader(result_page_rows)
