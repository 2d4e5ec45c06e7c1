"""The per-table log of each fetch: ``ra_metadata_tracking`` and ``ra_collection_metadata``.

Downstream apps of the previous system read these two tables: the first holds each table's row
count and when a fetch last wrote it, the second one row per table and run (what was sent, how
many rows are new). Both are written at the end of every fetch, in the transaction that closes
its ``dh_runs`` row.

No table is counted here: a fetch knows how many rows each table gained (the writer's ``added``
tally, new keys less deleted rows), and a table's count is the one recorded before plus that.
Only a table no fetch has recorded yet is counted once (:func:`darkhorses.db.sizes.row_counts`:
on PostgreSQL a table of a hundred thousand rows or more starts from the planner's estimate).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.engine import Connection

from darkhorses.db.schema import metadata, ra_collection_metadata, ra_metadata_tracking
from darkhorses.db.sizes import row_counts
from darkhorses.db.upsert import upsert


def record_tables(
    connection: Connection, *, run_id: int, mode: str, written: Mapping[str, int], added: Mapping[str, int],
    success: bool, error: str | None, now: dt.datetime,
) -> None:
    """Log every table the run wrote: rows processed (written), inserted (``added``, the rows the
    table gained) and updated (the rest of those written)."""
    tables = sorted(name for name in set(written) | set(added) if written.get(name) or added.get(name))
    if not tables:
        return
    tracking = ra_metadata_tracking.c
    counts = {name: count for name, count in connection.execute(
        select(tracking.table_name, tracking.record_count).where(tracking.table_name.in_(tables))
    ).all() if count is not None}
    for name, count in counts.items():
        counts[name] = count + added.get(name, 0)
    unseen = [metadata.tables[name] for name in tables if name not in counts]
    counts.update((name, found.rows) for name, found in row_counts(connection, unseen).items())
    upsert(connection, ra_metadata_tracking,
           [{"table_name": name, "last_updated": now, "record_count": counts[name]} for name in tables])
    rows = []
    for name in tables:
        processed, inserted = written.get(name, 0), max(added.get(name, 0), 0)
        rows.append({
            "id": uuid.uuid4(), "table_name": name, "operation": f"fetch {mode}",
            "records_processed": processed, "records_inserted": inserted,
            "records_updated": max(processed - inserted, 0),
            "status": "success" if success else "partial", "error_message": error,
            "metadata": {"run_id": run_id, "command": "fetch", "mode": mode}, "created_at": now, "updated_at": now,
        })
    connection.execute(ra_collection_metadata.insert(), rows)
