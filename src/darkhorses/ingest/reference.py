"""Reference data: the course list and the region list (the API's only list endpoints)."""

from __future__ import annotations

from collections.abc import Sequence

from darkhorses.ingest.transform import Batch, course_rows, region_rows
from darkhorses.racing_api.client import RacingApiClient


async def fetch_courses(api: RacingApiClient, regions: Sequence[str]) -> Batch:
    return course_rows(await api.courses(region_codes=list(regions)))


async def fetch_regions(api: RacingApiClient) -> Batch:
    return region_rows(await api.regions())
