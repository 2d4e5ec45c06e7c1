"""Pro racecards for one date: races, declared runners, odds and everything discovered from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from darkhorses.ingest.pages import PageReader
from darkhorses.ingest.transform import Batch
from darkhorses.racing_api.client import RacingApiClient

FIRST_PRO_RACECARD = dt.date(2023, 1, 23)
"""Pro racecards exist from this date (the vendor's start of tracking) to a week ahead."""
DAYS_AHEAD = 7


async def fetch_racecards(api: RacingApiClient, day: dt.date, regions: Sequence[str], reader: PageReader) -> Batch:
    return await reader.rows(await api.racecards_pro_pages(day, region_codes=list(regions)))
