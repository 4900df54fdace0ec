"""The outbox relay: tails the events table behind the xid8 visibility barrier and publishes to Kafka.

Rows are read only below `pg_snapshot_xmin(pg_current_snapshot())`, ordered by (transaction_id,
global_position): a transaction that took an earlier position but commits late is still below the
checkpoint's horizon when it becomes visible, so it is never skipped. The checkpoint moves only after Kafka
acknowledged the batch; a failed batch is sent again (at least once; consumers dedup by `ce_id`).

Modules: `outbox` (the statements, OutboxRecord), `status` (RelayStatus), `runtime` (OutboxRelay, asyncpg_dsn),
`publishing` (its Kafka side) and `lag` (relay_lag, for the readiness check).
"""

from __future__ import annotations

from continuum.relay.lag import relay_lag
from continuum.relay.outbox import OutboxRecord
from continuum.relay.runtime import OutboxRelay, asyncpg_dsn

__all__ = ["OutboxRecord", "OutboxRelay", "asyncpg_dsn", "relay_lag"]
