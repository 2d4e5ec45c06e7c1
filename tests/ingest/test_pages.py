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

from darkhorses.ingest.pages import PARENT_CHECK_SECONDS, WORKER_NICENESS, PageReaders, PageRows, page_readers
from darkhorses.racing_api.client import BodyReader
from darkhorses.racing_api.errors import BadPayload

API = Path(__file__).parents[1] / "fixtures" / "api"


@pytest.fixture(scope="module")
def worker() -> Iterator[ProcessPoolExecutor]:
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as executor:
        yield executor


def _read(reader: BodyReader[PageRows], text: str) -> tuple[PageRows, object]:
    return asyncio.run(reader(text, "/v1/test", 200))


@pytest.mark.parametrize(("name", "kind"), [("racecards_pro.json", "racecards"), ("results.json", "results")])
def test_a_worker_reads_the_same_rows(worker: ProcessPoolExecutor, name: str, kind: str) -> None:
    body = json.loads((API / name).read_text())
    body[kind][0]["a_field_from_the_future"] = "x"
    text = json.dumps(body)
    inline, unknown_inline = _read(getattr(PageReaders(), kind), text)
    offloaded, unknown_offloaded = _read(getattr(PageReaders(worker), kind), text)
    assert offloaded == inline
    assert offloaded.total == body["total"] and len(offloaded.items) == len(body[kind])
    assert unknown_offloaded == unknown_inline == {f"{kind}[].a_field_from_the_future": 1}


def test_a_bad_body_fails_the_same_way_from_a_worker(worker: ProcessPoolExecutor) -> None:
    with pytest.raises(BadPayload) as caught:
        _read(PageReaders(worker).racecards, '{"racecards": [{"race_id": null}], "total": 1}')
    assert (caught.value.path, caught.value.status, caught.value.retryable) == ("/v1/test", 200, False)
    assert caught.value.raw == '{"racecards": [{"race_id": null}], "total": 1}'
    with pytest.raises(BadPayload) as truncated:
        _read(PageReaders(worker).results, '{"results": [')
    assert truncated.value.retryable is True


def _alive(pid: int) -> bool:
    """Running, not exited (an orphan's exit may stay a zombie where init does not reap)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.slow  # waits for a real process to notice its parent died
def test_the_worker_ends_with_a_killed_fetch() -> None:
    script = ("import sys, time\nfrom darkhorses.ingest.pages import page_readers\n"
              "with page_readers(in_worker=True) as readers:\n"
              "    print(*readers.executor._processes, flush=True)\n    time.sleep(600)\n")
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
    with page_readers(in_worker=True) as readers:
        assert readers.executor is not None
        worker = readers.executor.submit(os.getpriority, os.PRIO_PROCESS, 0).result()
    assert worker == min(19, os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICENESS)
