"""Results for one date, every page: one call per date per page, as the vendor advises."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from darkhorses.ingest.pages import PageReaders
from darkhorses.ingest.salvage import salvage
from darkhorses.ingest.transform import Batch, result_rows
from darkhorses.racing_api.client import RacingApiClient
from darkhorses.racing_api.errors import BadPayload
from darkhorses.racing_api.models import Result

RESULTS_WINDOW_DAYS = 365
"""Without the history add-on, results cover a rolling 365 days."""
HISTORY_START = dt.date(1988, 1, 1)


async def fetch_results(api: RacingApiClient, day: dt.date, regions: Sequence[str], readers: PageReaders) -> Batch:
    batch = Batch()
    try:
        for race in await api.read_results(readers.results, day, day, region=list(regions)):
            batch.extend(race)
    except BadPayload as error:
        items, batch.quarantined = salvage(error, "results", Result)
        for item in items:
            batch.extend(result_rows(item))
    return batch
