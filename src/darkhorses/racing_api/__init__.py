"""The Racing API client: the only code that talks HTTP to The Racing API.

``RacingApiClient`` (async) and ``SyncRacingApiClient`` (blocking facade) call the endpoints;
``models`` holds the tolerant response models; ``errors`` the typed failures; ``limiter``,
``retry`` and ``paging`` the rules that keep calls within the API's limits and complete;
``archive`` stores every body for later re-parsing.
"""

from darkhorses.racing_api.archive import ArchiveRecord, RawArchive, read_archive
from darkhorses.racing_api.client import RacingApiClient
from darkhorses.racing_api.clock import Clock, SystemClock, VirtualClock
from darkhorses.racing_api.errors import (
    AuthError,
    BadPayload,
    InvalidRequest,
    NotFound,
    PlanError,
    RacingApiError,
    RateLimited,
    ServerError,
    Unreachable,
)
from darkhorses.racing_api.limiter import RateLimiter, RateLimits
from darkhorses.racing_api.models import blank_to_none, unknown_fields
from darkhorses.racing_api.retry import RetryPolicy
from darkhorses.racing_api.sync import SyncRacingApiClient

__all__ = [
    "ArchiveRecord",
    "AuthError",
    "BadPayload",
    "Clock",
    "InvalidRequest",
    "NotFound",
    "PlanError",
    "RacingApiClient",
    "RacingApiError",
    "RateLimited",
    "RateLimiter",
    "RateLimits",
    "RawArchive",
    "RetryPolicy",
    "ServerError",
    "SyncRacingApiClient",
    "SystemClock",
    "Unreachable",
    "VirtualClock",
    "blank_to_none",
    "read_archive",
    "unknown_fields",
]
