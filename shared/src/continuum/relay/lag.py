"""`relay_lag`: how far a relay is behind, read from any connection (the readiness check): the events committed
but not yet acknowledged by Kafka, and the age of the oldest."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

RELAY_LAG = sa.text("""
SELECT count(*) AS events, extract(epoch FROM now() - min(recorded_at)) AS oldest_s FROM events
WHERE (transaction_id, global_position) > (
  coalesce((SELECT transaction_id FROM relay_checkpoints WHERE relay = :relay), '0'::xid8),
  coalesce((SELECT global_position FROM relay_checkpoints WHERE relay = :relay), 0))
""")


async def relay_lag(conn: AsyncConnection, *, relay: str) -> tuple[int, float]:
    """Events committed but not yet acknowledged by Kafka, and the age in seconds of the oldest one."""
    row = (await conn.execute(RELAY_LAG, {"relay": relay})).one()
    return row.events, float(row.oldest_s or 0.0)
