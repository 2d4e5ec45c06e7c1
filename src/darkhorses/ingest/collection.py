"""The per-table log of each fetch: ``ra_metadata_tracking`` and ``ra_collection_metadata``.

Downstream apps of the previous system read these two tables: the first holds each table's row
count and when a fetch last wrote it, the second one row per table and run (what was sent, how
many rows are new). Both are written at the end of every fetch, in the transaction that closes
its ``dh_runs`` row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from darkhorses.db.schema import metadata, ra_collection_metadata, ra_metadata_tracking
from darkhorses.db.upsert import upsert


def record_tables(
    connection: Connection, *, run_id: int, mode: str, written: Mapping[str, int], success: bool,
    error: str | None, now: dt.datetime,
) -> None:
    """Log every table the run wrote. A table's new rows are its count now less the count the
    previous fetch recorded (all of them on its first), so no table is counted twice."""
    tables = sorted(name for name, rows in written.items() if rows)
    if not tables:
        return
    tracking = ra_metadata_tracking.c
    before = dict(connection.execute(
        select(tracking.table_name, tracking.record_count).where(tracking.table_name.in_(tables))
    ).all())
    counts = {name: connection.scalar(select(func.count()).select_from(metadata.tables[name])) or 0
              for name in tables}
    upsert(connection, ra_metadata_tracking,
           [{"table_name": name, "last_updated": now, "record_count": counts[name]} for name in tables])
    rows = []
    for name in tables:
        inserted = max(counts[name] - (before.get(name) or 0), 0)
        rows.append({
            "id": uuid.uuid4(), "table_name": name, "operation": f"fetch {mode}",
            "records_processed": written[name], "records_inserted": inserted,
            "records_updated": max(written[name] - inserted, 0),
            "status": "success" if success else "partial", "error_message": error,
            "metadata": {"run_id": run_id, "command": "fetch", "mode": mode}, "created_at": now, "updated_at": now,
        })
    connection.execute(ra_collection_metadata.insert(), rows)
