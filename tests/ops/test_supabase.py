"""Supabase's transaction pooler (port 6543, or ``?pgbouncer=true``) gets prepared statements off.

A transaction pooler hands each transaction to any server connection, where a statement prepared
by another client's session does not exist; psycopg's ``prepare_threshold=None`` never prepares.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url

from darkhorses.db.engine import make_engine
from darkhorses.ops.status import build_status

POOLER = "postgresql://postgres.abcdefgh:pw@aws-0-eu-west-2.pooler.supabase.com"


class Captured(Exception):
    """Raised instead of connecting, carrying what the driver would have been given."""


def _connect_params(url: str) -> dict[str, Any]:
    engine = make_engine(url, check=False)

    @event.listens_for(engine, "do_connect")
    def _capture(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> None:
        raise Captured(cparams)

    with pytest.raises(Captured) as captured:
        engine.connect()
    return dict(captured.value.args[0])


def test_the_transaction_pooler_turns_prepared_statements_off() -> None:
    params = _connect_params(f"{POOLER}:6543/postgres")
    assert params["prepare_threshold"] is None and params["port"] == 6543


def test_pgbouncer_true_does_the_same_and_is_not_sent_to_the_server() -> None:
    params = _connect_params(f"{POOLER}:5432/postgres?pgbouncer=true")
    assert params["prepare_threshold"] is None and "pgbouncer" not in params


def test_direct_and_session_connections_keep_prepared_statements() -> None:
    for url in ("postgresql://postgres:pw@db.abcdefgh.supabase.co:5432/postgres", f"{POOLER}:5432/postgres"):
        params = _connect_params(url)
        assert "prepare_threshold" not in params and params["connect_timeout"] == 10


@pytest.mark.postgres
def test_status_works_with_prepared_statements_off(postgres_engine: Engine) -> None:
    from darkhorses.db.migrate import upgrade

    upgrade(postgres_engine)
    url = make_url(postgres_engine.url.render_as_string(hide_password=False)).update_query_dict({"pgbouncer": "true"})
    engine = make_engine(url.render_as_string(hide_password=False))
    with engine.connect() as connection:
        assert connection.connection.driver_connection.prepare_threshold is None  # type: ignore[union-attr]
        assert connection.execute(text("SELECT 1")).scalar() == 1
    report = build_status(engine)
    assert report.revision and all(check.ok for check in report.checks)
