"""Pages read into rows in a worker process give exactly what reading them in the event loop gives."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from darkhorses.ingest.pages import PARENT_CHECK_SECONDS, WORKER_NICENESS, PageReader, page_reader
from darkhorses.ingest.transform import Batch
from darkhorses.racing_api.errors import BadPayload
from darkhorses.racing_api.paging import BodyPage, read_envelope

API = Path(__file__).parents[1] / "fixtures" / "api"
ENDPOINTS = {"racecards": "/v1/racecards/pro", "results": "/v1/results"}


@pytest.fixture(scope="module")
def worker() -> Iterator[ProcessPoolExecutor]:
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as executor:
        yield executor


def _page(kind: str, text: str, skip: int = 0) -> BodyPage:
    return read_envelope(ENDPOINTS[kind], ENDPOINTS[kind], 200, text, kind, skip)


def _read(reader: PageReader, *pages: BodyPage) -> Batch:
    return asyncio.run(reader.rows(list(pages)))


@pytest.mark.parametrize(("name", "kind"), [("racecards_pro.json", "racecards"), ("results.json", "results")])
def test_a_worker_reads_the_same_rows(worker: ProcessPoolExecutor, name: str, kind: str) -> None:
    body = json.loads((API / name).read_text())
    body[kind][0]["a_field_from_the_future"] = "x"
    page = _page(kind, json.dumps(body))
    inline = _read(PageReader(), page)
    offloaded = _read(PageReader(worker), page)
    assert offloaded == inline
    assert len(offloaded.upserts["ra_mst_races"]) == len(body[kind])
    assert offloaded.unknown_fields == {f"{ENDPOINTS[kind]} {kind}[].a_field_from_the_future": 1}


def test_a_page_with_a_bad_record_loads_the_others_and_quarantines_it_the_same_way_in_a_worker(
        worker: ProcessPoolExecutor) -> None:
    body = json.loads((API / "results.json").read_text())
    body["total"] = len(body["results"])
    del body["results"][1]["race_id"]
    body["results"][0]["a_field_from_the_future"] = "x"
    page = _page("results", json.dumps(body))
    inline, offloaded = _read(PageReader(), page), _read(PageReader(worker), page)
    assert offloaded == inline
    assert [(q.record_key, q.reason) for q in inline.quarantined] == [
        ("item 1", "/v1/results: results[1].race_id: Field required")]
    assert len(inline.upserts["ra_mst_races"]) == len(body["results"]) - 1
    assert inline.unknown_fields == {"/v1/results results[].a_field_from_the_future": 1}


def test_a_bad_page_that_is_not_the_whole_match_set_fails_the_same_way_from_a_worker(
        worker: ProcessPoolExecutor) -> None:
    text = '{"racecards": [{"race_id": null}], "total": 2}'
    with pytest.raises(BadPayload) as caught:
        _read(PageReader(worker), _page("racecards", text))
    assert (caught.value.path, caught.value.status, caught.value.retryable) == ("/v1/racecards/pro", 200, False)
    assert caught.value.raw == text


def _alive(pid: int) -> bool:
    """Running, not exited (an orphan's exit may stay a zombie where init does not reap)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.slow  # waits for a real process to notice its parent died
def test_the_worker_ends_with_a_killed_fetch() -> None:
    script = ("import sys, time\nfrom darkhorses.ingest.pages import page_reader\n"
              "with page_reader(in_worker=True) as reader:\n"
              "    print(*reader.executor._processes, flush=True)\n    time.sleep(600)\n")
    fetch = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert fetch.stdout is not None
    worker = int(fetch.stdout.readline())
    assert _alive(worker)
    fetch.send_signal(signal.SIGKILL)
    fetch.wait()
    deadline = time.monotonic() + 10 * PARENT_CHECK_SECONDS
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker)


def test_the_worker_yields_the_cpu_to_the_fetch() -> None:
    """Reading pages can catch up later; the fetch's request starts cannot."""
    with page_reader(in_worker=True) as reader:
        assert reader.executor is not None
        worker = reader.executor.submit(os.getpriority, os.PRIO_PROCESS, 0).result()
    assert worker == min(19, os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICENESS)
