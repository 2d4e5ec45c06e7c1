"""Pro racecards for one date: races, declared runners, odds and everything discovered from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from darkhorses.ingest.pages import PageReaders
from darkhorses.ingest.salvage import salvage
from darkhorses.ingest.transform import Batch, racecard_rows
from darkhorses.racing_api.client import RacingApiClient
from darkhorses.racing_api.errors import BadPayload
from darkhorses.racing_api.models import Racecard

FIRST_PRO_RACECARD = dt.date(2023, 1, 23)
"""Pro racecards exist from this date (the vendor's start of tracking) to a week ahead."""
DAYS_AHEAD = 7


async def fetch_racecards(api: RacingApiClient, day: dt.date, regions: Sequence[str], readers: PageReaders) -> Batch:
    batch = Batch()
    try:
        for race in await api.read_racecards_pro(readers.racecards, day, region_codes=list(regions)):
            batch.extend(race)
    except BadPayload as error:
        items, batch.quarantined = salvage(error, "racecards", Racecard)
        for item in items:
            batch.extend(racecard_rows(item))
    return batch
