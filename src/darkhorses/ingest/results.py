"""Results for one date, every page: one call per date per page, as the vendor advises."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from darkhorses.ingest.pages import PageReader
from darkhorses.ingest.transform import Batch
from darkhorses.racing_api.client import RacingApiClient

RESULTS_WINDOW_DAYS = 365
"""Without the history add-on, results cover a rolling 365 days."""
HISTORY_START = dt.date(1988, 1, 1)


async def fetch_results(api: RacingApiClient, day: dt.date, regions: Sequence[str], reader: PageReader) -> Batch:
    return await reader.rows(await api.results_pages(day, day, region=list(regions)))
