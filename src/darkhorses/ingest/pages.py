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
import gc
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from darkhorses.collector import collector_paused
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


@collector_paused
def racecard_page_rows(text: str, path: str, status: int) -> tuple[PageRows, Counter[str]]:
    """A ``/v1/racecards/pro`` page body → rows per race, and the fields the models did not know."""
    page = parse_body(RacecardsPage, text, path=path, status=status)
    return PageRows(page.total, [racecard_rows(card) for card in page.racecards]), unknown_fields(page)


@collector_paused
def result_page_rows(text: str, path: str, status: int) -> tuple[PageRows, Counter[str]]:
    """A ``/v1/results`` page body → rows per race, and the fields the models did not know."""
    page = parse_body(ResultsPage, text, path=path, status=status)
    return PageRows(page.total, [result_rows(result) for result in page.results]), unknown_fields(page)


def _pickled(parser: PageParser, text: str, path: str, status: int) -> bytes:
    """In the worker: the page's rows, pickled here so that they are unpickled by
    :func:`_unpickled` rather than by the pool's result thread, whose collections we cannot pause."""
    return pickle.dumps(parser(text, path, status), protocol=pickle.HIGHEST_PROTOCOL)


@collector_paused
def _unpickled(pickled: bytes) -> tuple[PageRows, Counter[str]]:
    """Rows from the worker, rebuilt off the event loop (a racecard day's take about 10 ms) and
    without the collector tracing them as they are built."""
    rows: tuple[PageRows, Counter[str]] = pickle.loads(pickled)
    return rows


class PageReaders:
    """Body readers for the client that build rows in ``executor`` (a worker process), or in the
    event loop when there is none (small runs, where starting a process costs more than it saves)."""

    def __init__(self, executor: Executor | None = None) -> None:
        self.executor = executor

    def _reader(self, parser: PageParser) -> BodyReader[PageRows]:
        async def read(text: str, path: str, status: int) -> tuple[PageRows, Counter[str]]:
            if self.executor is None:
                return parser(text, path, status)
            pickled = await asyncio.get_running_loop().run_in_executor(
                self.executor, _pickled, parser, text, path, status
            )
            return await asyncio.to_thread(_unpickled, pickled)

        return read

    @property
    def racecards(self) -> BodyReader[PageRows]:
        return self._reader(racecard_page_rows)

    @property
    def results(self) -> BodyReader[PageRows]:
        return self._reader(result_page_rows)


@contextmanager
def page_readers(*, in_worker: bool) -> Iterator[PageReaders]:
    """Page readers for a run: in one worker process when ``in_worker`` (a run big enough to repay
    its start). One is enough: the event loop and the API (or the simulator) need the other cores.

    The worker is forked, so it needs no fresh imports and no ``__main__`` guard in the caller's
    script, and it is forked at once, before the run starts any thread (writes go through one).
    It ends with its parent, even a killed one. Without ``fork`` (Windows) pages are read in
    the event loop.
    """
    if not in_worker or "fork" not in multiprocessing.get_all_start_methods():
        yield PageReaders()
        return
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"),
                             initializer=_start_worker, initargs=(os.getpid(),)) as executor:
        executor.submit(os.getpid).result()
        yield PageReaders(executor)


PARENT_CHECK_SECONDS = 1.0


WORKER_NICENESS = 10
"""How much lower the worker's CPU priority is than the fetch's."""


def _start_worker(parent: int) -> None:
    """In the worker, once. The objects inherited from the fetch are frozen out of the garbage
    collector: none of them is ever garbage here, yet every full collection would scan them all
    and touch (so copy) the pages fork shares with the parent; freezing them cut the worker's CPU
    by about a fifth in a 60-day backfill. Ctrl-C is left to the fetch.

    The worker then yields the CPU to the fetch: reading pages can catch up later, but a request
    the event loop starts late is rate-limit time lost for good. On two busy cores this took the
    60-day benchmark from 0.82-0.87 to 0.90-0.92 of the allowed rate. Last, the worker is made to
    leave with its parent."""
    gc.freeze()
    os.nice(WORKER_NICENESS)
    # Ctrl-C reaches the whole process group: the fetch stops its run and shuts this worker down,
    # so the worker itself ignores it (and must not wake the fetch's event loop through the
    # signal descriptor it inherited).
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent(parent)


def _exit_with_parent(parent: int) -> None:
    """Leave when the fetch that forked the worker is gone. A SIGKILLed fetch never shuts its
    pool down, and a forked worker holds both ends of its own queue, so it would wait forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
