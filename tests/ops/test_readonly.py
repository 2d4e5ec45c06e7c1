"""The read-only guard on exported queries: the text check, and the database's own refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from darkhorses.db.schema import ra_mst_courses
from darkhorses.errors import ConfigError
from darkhorses.ops.readonly import check_read_only, read_only_connection


@pytest.mark.parametrize("sql, kept", [
    ("SELECT 1", "SELECT 1"),
    ("  with x as (select 1 as a) select a from x;  ", "  with x as (select 1 as a) select a from x"),
    ("select 'drop table x; --' as s", None),
    ('select "update" from (select 1 as "update") q', None),
    ("-- a note; insert\nselect 1", None),
    ("/* delete */ SELECT replace(name, 'a', 'b') FROM ra_mst_courses", None),
    ("SELECT * FROM ra_mst_races WHERE going = 'Good' AND race_name LIKE '%h''cap%'", None),
    ("SELECT $$it's; delete$$ AS s", None),
    ("SELECT E'it\\'s; drop' AS s", None),
])
def test_accepts_one_select(sql: str, kept: str | None) -> None:
    assert check_read_only(sql) == (sql if kept is None else kept)


@pytest.mark.parametrize("sql, message", [
    ("INSERT INTO ra_mst_courses (id, name) VALUES ('x', 'y')", "not INSERT"),
    ("update ra_mst_races set going = 'Firm'", "not UPDATE"),
    ("SELECT 1; SELECT 2", "single statement"),
    ("SELECT 1; DELETE FROM ra_mst_races", "single statement"),
    ("WITH d AS (DELETE FROM ra_mst_races RETURNING *) SELECT * FROM d", "cannot use DELETE"),
    ("SELECT * INTO copy_of_races FROM ra_mst_races", "cannot use INTO"),
    ("SELECT * FROM ra_mst_races FOR UPDATE", "cannot use UPDATE"),
    ("SELECT * FROM ra_mst_races FOR SHARE", "cannot use SHARE"),
    ("PRAGMA query_only = OFF", "not PRAGMA"),
    ("ATTACH DATABASE 'other.db' AS other", "not ATTACH"),
    ("EXPLAIN ANALYZE SELECT 1", "not EXPLAIN"),
    ("/* select */ DROP TABLE ra_mst_races", "not DROP"),
    ("SELECT set_config('a', 'b', false) FROM (SELECT 1) q; SET ROLE postgres", "single statement"),
    ("SELECT 'unterminated", "unterminated"),
    ("  ;  ", "empty"),
])
def test_refuses_anything_else(sql: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_read_only(sql)


def test_the_transaction_itself_refuses_writes(engine: Engine) -> None:
    """Past the text check (called directly here), the database refuses the write; afterwards the
    pooled connection writes normally again."""
    with read_only_connection(engine) as connection, pytest.raises(DBAPIError):
        connection.exec_driver_sql("INSERT INTO ra_mst_courses (id, name) VALUES ('crs_x', 'X')")
    with read_only_connection(engine) as connection, pytest.raises(DBAPIError):
        connection.exec_driver_sql("CREATE TABLE sneaky (id INTEGER)")
    with engine.begin() as connection:
        connection.execute(ra_mst_courses.insert().values(id="crs_y", name="Y"))
    with engine.connect() as connection:
        assert connection.execute(select(ra_mst_courses.c.id)).scalars().all() == ["crs_y"]
