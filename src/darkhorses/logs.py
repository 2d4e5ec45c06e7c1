"""Logging: readable lines on a terminal, one JSON object per line for log collectors otherwise.

Nothing here ever sees a credential: the client redacts before it logs, and settings hold them as
``SecretStr``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message"}`` per record, plus the exception text if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(*, verbose: bool = False, json_lines: bool | None = None) -> None:
    """Send DarkHorses' logs to stderr; JSON unless stderr is a terminal (or as told)."""
    handler = logging.StreamHandler(sys.stderr)
    as_json = not sys.stderr.isatty() if json_lines is None else json_lines
    handler.setFormatter(JsonFormatter() if as_json else logging.Formatter("%(levelname)-7s %(message)s"))
    root = logging.getLogger("darkhorses")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
