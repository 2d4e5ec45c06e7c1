"""Racecard and results pages straight to table rows, in a worker process during a big fetch.

A Pro racecard day for GB and Ireland is about 2.5 MB of JSON: ~500 runners and ~12,000
bookmaker prices. Validating it and turning it into rows costs more CPU than the 0.5 s the 2/s
racecard limit leaves between two calls, and while the event loop is busy no request can start
on time: every late start is lost for good, since the limiter never bursts to catch up. So a
backfill reads pages in a worker process (:class:`PageReader` with an executor): the event loop
only sends requests and hands the body over, and the worker sends back the rows, which pickle
far more cheaply than the models they came from. Reading is pure (see :mod:`transform`), so where
it runs changes nothing in what is stored.
"""

from __future__ import annotations

import asyncio
import gc
import json
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
from typing import Any

from pydantic import ValidationError

from darkhorses.collector import collector_paused
from darkhorses.ingest.transform import Batch, Quarantined, racecard_rows, result_rows
from darkhorses.racing_api.errors import BadPayload
from darkhorses.racing_api.models import (
    ApiModel,
    Racecard,
    RacecardsPage,
    Result,
    ResultsPage,
    parse_body,
    unknown_fields,
)
from darkhorses.racing_api.paging import BodyPage

READS: dict[str, tuple[type[RacecardsPage | ResultsPage], type[ApiModel], Callable[[Any], Batch]]] = {
    "racecards": (RacecardsPage, Racecard, racecard_rows),
    "results": (ResultsPage, Result, result_rows),
}
"""By a page's item list: the page model, the item model and the item's rows."""


def page_rows(page: BodyPage) -> Batch:
    """A racecards or results page → the rows of all its races, with the keys the models did not know.

    A page refused as a whole (one malformed record fails the whole validation) is read record by
    record when it holds its whole match set: the valid records load and each invalid one is
    quarantined with the reason and its raw JSON, rather than losing the page's other races.
    Otherwise the :class:`BadPayload` stands and the unit fails loudly.
    """
    shape, _, rows = READS[page.key]
    try:
        parsed = parse_body(shape, page.text, path=page.path, status=page.status)
    except BadPayload as error:
        return _salvaged(page, error)
    batch = Batch()
    for item in parsed.items:
        batch.extend(rows(item))
    batch.unknown_fields = _at(page, unknown_fields(parsed))
    return batch


def _salvaged(page: BodyPage, error: BadPayload) -> Batch:
    try:
        items = json.loads(page.text)[page.key]
    except (ValueError, KeyError, TypeError):
        raise error from None
    if not page.whole or not isinstance(items, list):
        raise error
    _, model, rows = READS[page.key]
    batch = Batch()
    valid = []
    for index, item in enumerate(items):
        try:
            valid.append(model.model_validate(item))
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem["loc"]) or "record"
            batch.quarantined.append(Quarantined(record_key=_record_key(item, index),
                                                 reason=f"{page.path}: {page.key}[{index}].{where}: {problem['msg']}",
                                                 raw=json.dumps(item, sort_keys=True)))
    if not batch.quarantined:  # then the envelope itself is wrong, not a record
        raise error
    for record in valid:
        batch.extend(rows(record))
    batch.unknown_fields = _at(page, unknown_fields(valid, page.key))
    return batch


def _record_key(item: Any, index: int) -> str:
    if isinstance(item, dict) and isinstance(item.get("race_id"), str):
        return item["race_id"]
    return f"item {index}"


def _at(page: BodyPage, unknown: Counter[str]) -> Counter[str]:
    return Counter({f"{page.endpoint} {path}": count for path, count in unknown.items()})


@collector_paused
def _pickled(page: BodyPage) -> bytes:
    """In the worker: the page's rows, pickled. The collector is paused while they are built: it
    would trace the same hundred thousand live objects again and again, finding nothing (a third
    more worker CPU without the pause). The worker does nothing else, so the switch, process-wide,
    holds up no other work; in the fetch's own process it measured no gain and is not used."""
    return pickle.dumps(page_rows(page), protocol=pickle.HIGHEST_PROTOCOL)


def _unpickled(pickled: bytes) -> Batch:
    """Rows from the worker, rebuilt off the event loop (a racecard day's take about 10 ms)."""
    rows: Batch = pickle.loads(pickled)
    return rows


class PageReader:
    """Reads pages into rows in ``executor`` (a worker process), or in the event loop when there
    is none (small runs, where starting a process costs more than it saves)."""

    def __init__(self, executor: Executor | None = None) -> None:
        self.executor = executor

    async def rows(self, pages: list[BodyPage]) -> Batch:
        """The rows of every page of one unit, in page order."""
        batch = Batch()
        for page in pages:
            if self.executor is None:
                batch.extend(page_rows(page))
                continue
            pickled = await asyncio.get_running_loop().run_in_executor(self.executor, _pickled, page)
            batch.extend(await asyncio.to_thread(_unpickled, pickled))
        return batch


@contextmanager
def page_reader(*, in_worker: bool) -> Iterator[PageReader]:
    """The page reader for a run: in one worker process when ``in_worker`` (a run big enough to repay
    its start). One is enough: the event loop and the API (or the simulator) need the other cores.

    The worker is forked, so it needs no fresh imports and no ``__main__`` guard in the caller's
    script, and it is forked at once, before the run starts any thread (writes go through one).
    It ends with its parent, even a killed one. Without ``fork`` (Windows) pages are read in
    the event loop.
    """
    if not in_worker or "fork" not in multiprocessing.get_all_start_methods():
        yield PageReader()
        return
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"),
                             initializer=_start_worker, initargs=(os.getpid(),)) as executor:
        executor.submit(os.getpid).result()
        yield PageReader(executor)


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
