"""The outbox as the relay reads it: the statements over the events table (the batch below the xid8 visibility
barrier, the lag behind the checkpoint, the checkpoint's load and save) and `OutboxRecord`, one row of a batch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

FETCH = """
SELECT global_position, transaction_id, event_id, stream_id, event_type,
       schema_version, version, occurred_at, metadata::text AS metadata, data::text AS data
FROM events
WHERE (transaction_id, global_position) > ($1::xid8, $2)
  AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY transaction_id, global_position
LIMIT $3
"""
LAG = """
SELECT count(*) AS events, extract(epoch FROM now() - min(recorded_at)) AS oldest_s
FROM events WHERE (transaction_id, global_position) > ($1::xid8, $2)
"""
LOAD_CHECKPOINT = "SELECT transaction_id, global_position FROM relay_checkpoints WHERE relay = $1"
SAVE_CHECKPOINT = """
INSERT INTO relay_checkpoints (relay, transaction_id, global_position, updated_at) VALUES ($1, $2::xid8, $3, now())
ON CONFLICT (relay) DO UPDATE SET transaction_id = EXCLUDED.transaction_id,
  global_position = EXCLUDED.global_position, updated_at = now()
"""


@dataclass(frozen=True)
class OutboxRecord:
    global_position: int
    transaction_id: int  # xid8: asyncpg maps it to int
    event_id: UUID
    stream_id: UUID
    event_type: str
    schema_version: int
    version: int
    occurred_at: datetime
    metadata: dict[str, Any]
    data: str
