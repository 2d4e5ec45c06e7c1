"""Pro racecards for one date: races, declared runners, odds and everything discovered from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from darkhorses.ingest.salvage import salvage
from darkhorses.ingest.transform import Batch, racecard_rows
from darkhorses.racing_api.client import RacingApiClient
from darkhorses.racing_api.errors import BadPayload
from darkhorses.racing_api.models import Racecard

FIRST_PRO_RACECARD = dt.date(2023, 1, 23)
"""Pro racecards exist from this date (the vendor's start of tracking) to a week ahead."""
DAYS_AHEAD = 7


async def fetch_racecards(api: RacingApiClient, day: dt.date, regions: Sequence[str]) -> Batch:
    batch = Batch()
    try:
        items = await api.racecards_pro(day, region_codes=list(regions))
    except BadPayload as error:
        items, batch.quarantined = salvage(error, "racecards", Racecard)
    for card in items:
        batch.extend(racecard_rows(card))
    return batch
