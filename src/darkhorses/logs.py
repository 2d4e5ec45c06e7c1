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


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler that writes to ``sys.stderr`` as it is when a record is emitted.

    A handler holding the stream it was made with outlives that stream wherever a caller lends the
    command a stderr of its own and closes it afterwards (Typer's ``CliRunner``, an embedding
    application): a record logged later by a thread still finishing would fail with "I/O operation
    on closed file". The standard library's last-resort handler works the same way.
    """

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self):  # type: ignore[no-untyped-def, override]
        return sys.stderr


def configure_logging(*, verbose: bool = False, json_lines: bool | None = None) -> None:
    """Send DarkHorses' logs to stderr; JSON unless stderr is a terminal (or as told)."""
    handler = StderrHandler()
    as_json = not sys.stderr.isatty() if json_lines is None else json_lines
    handler.setFormatter(JsonFormatter() if as_json else logging.Formatter("%(levelname)-7s %(message)s"))
    root = logging.getLogger("darkhorses")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
