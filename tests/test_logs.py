"""The log handler writes to the stderr of the moment, not the one it was configured with."""

from __future__ import annotations

import json
import logging

import pytest
from typer.testing import CliRunner

from darkhorses.cli import app


def test_a_record_after_the_command_returns_goes_to_the_current_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    """``CliRunner`` (like any caller that swaps ``sys.stderr``) closes the stream it lent the
    command; a record logged afterwards (a thread still finishing, the next test) must reach the
    stderr in place then, not fail with "I/O operation on closed file"."""
    assert CliRunner().invoke(app, ["inventory", "--schema-only"]).exit_code == 0
    logging.getLogger("darkhorses.test").warning("logged after the command")
    err = capsys.readouterr().err
    assert "Logging error" not in err
    assert json.loads(err.strip().splitlines()[-1])["message"] == "logged after the command"
