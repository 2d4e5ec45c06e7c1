"""SIGKILL a running backfill at random points; reruns must end with exactly the clean database."""

from __future__ import annotations

import random

import pytest

from sqlalchemy.engine import Engine

from darkhorses.ops.digest import database_digest, differing

from .conftest import Reference
from .harness import kill_and_resume, ledger, run_statuses

pytestmark = pytest.mark.slow  # kills real fetch processes at points it polls for

KILLS = 3


def test_killed_backfill_resumes_to_the_clean_database(engine: Engine, reference: Reference, sandbox_for) -> None:  # type: ignore[no-untyped-def]
    sandbox = sandbox_for(engine)
    log = kill_and_resume(sandbox, engine, reference.backfill_args(), kills=KILLS,
                          total_units=len(reference.ledger), rng=random.Random(engine.dialect.name))
    assert log.kills == KILLS
    assert log.final is not None and log.final.code == 0, log.final
    digest = database_digest(engine)
    assert differing(digest, reference.digest) == []
    assert [name for name, table in digest.items() if table.duplicate_keys] == []
    assert ledger(engine) == reference.ledger  # every unit done: none missing, none failed
    statuses = run_statuses(engine)
    assert statuses.count("interrupted") == KILLS and "running" not in statuses
