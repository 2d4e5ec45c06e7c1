"""The root of every error DarkHorses raises on purpose.

The CLI turns any ``DarkHorsesError`` into one line on stderr and a non-zero exit code, so a
message here must make sense to a user on its own: name the problem and, where possible, the fix.
Anything else escaping to the CLI is a bug and keeps its traceback.
"""

import signal


class DarkHorsesError(Exception):
    """An expected failure with a user-facing message and a process exit code."""

    exit_code: int = 1


class ConfigError(DarkHorsesError):
    """Settings or command-line input that cannot work (bad URL, bad date, unknown table)."""

    exit_code = 2


class DatabaseError(DarkHorsesError):
    """The database cannot be opened, reached or written."""

    exit_code = 2


class Interrupted(DarkHorsesError):
    """SIGINT or SIGTERM stopped a command that runs several steps; the message says what was done."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def signal_exit_code(name: str, default: int = 1) -> int:
    """The shell's exit code for a process ended by the signal ``name``: 128 + its number (SIGINT
    130, SIGTERM 143); ``default`` for a stop that was no signal (the worker's stop request)."""
    try:
        return 128 + signal.Signals[name].value
    except KeyError:
        return default
