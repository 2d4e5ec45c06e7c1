"""The one London clock: race dates are Europe/London calendar dates (DESIGN.md convention 9).

Every module that turns an instant into a racing day, or shows a time to a person, reads the zone
and "today" from here, so the rule cannot differ between the fetch, the statistics, the worker,
the simulator and the dashboard.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def london_now() -> dt.datetime:
    """The wall clock in London, time-zone aware."""
    return dt.datetime.now(LONDON)


def london_today(now: dt.datetime | None = None) -> dt.date:
    """The London calendar date at ``now`` (an aware instant; default: the real clock)."""
    return (now or london_now()).astimezone(LONDON).date()
