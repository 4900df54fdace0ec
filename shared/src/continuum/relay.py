"""The outbox relay: tails the events table behind the xid8 visibility barrier and publishes to Kafka.

Rows are read only below `pg_snapshot_xmin(pg_current_snapshot())`, ordered by (transaction_id,
global_position): a transaction that took an earlier position but commits late is still below the
checkpoint's horizon when it becomes visible, so it is never skipped. The checkpoint moves only after Kafka
acknowledged the batch; a failed batch is sent again (at least once; consumers dedup by `ce_id`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.config import KafkaSettings, RelaySettings
from continuum.eventstore.schema import EVENTS_CHANNEL
from continuum.kafka import cloudevents
from continuum.telemetry import Telemetry

log = logging.getLogger(__name__)

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


@dataclass
class RelayStatus:
    leader: bool = False
    kafka_available: bool = False
    restart_error: str | None = None
    """What made the relay start over (a lost database connection, say); cleared once it is connected again."""
    kafka_error: str | None = None
    """Why Kafka did not take the last batch; cleared by the next batch it acknowledges."""
    published: int = 0
    checkpoint: tuple[int, int] = (0, 0)
    last_progress: float = field(default_factory=time.monotonic)

    @property
    def last_error(self) -> str | None:
        """The relay's latest error, Kafka's or its restart's; None while it is well."""
        return self.kafka_error or self.restart_error


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    """asyncpg wants a plain postgresql:// DSN."""
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


class OutboxRelay:
    """One active relay per service (advisory lock); the others wait as standbys."""

    def __init__(
        self,
        *,
        name: str,
        database_url: str,
        topic: str,
        context: str,
        source: str,
        kafka: KafkaSettings,
        settings: RelaySettings,
        telemetry: Telemetry,
    ) -> None:
        self.name = name
        self.topic = topic
        self._dsn = asyncpg_dsn(database_url)
        self._context = context
        self._source = source
        self._kafka = kafka
        self._settings = settings
        self._telemetry = telemetry
        self._wake = asyncio.Event()
        self.status = RelayStatus()

    async def run(self) -> None:
        """Relay until cancelled, surviving database and broker outages."""
        while True:
            try:
                await self._run_once()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a lost connection or an unexpected fault: start over after a pause
                self.status.leader = False
                self.status.restart_error = f"{type(error).__name__}: {error}"
                log.warning("relay %s restarting after %s", self.name, self.status.restart_error)
                await asyncio.sleep(self._settings.retry_backoff_s)

    async def _run_once(self) -> None:
        conn = await asyncpg.connect(self._dsn)
        self.status.restart_error = None  # connected again: a relay with nothing to publish is healthy too
        try:
            await self._become_leader(conn)
            await conn.add_listener(EVENTS_CHANNEL, lambda *_: self._wake.set())
            self.status.checkpoint = await self._load_checkpoint(conn)
            await self._relay(conn)
        finally:
            self.status.leader = False
            await asyncio.shield(_close_quietly(conn))

    async def _become_leader(self, conn: asyncpg.Connection) -> None:
        while not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", f"continuum-relay:{self.name}"):
            await asyncio.sleep(self._settings.poll_interval_s * 4)
        self.status.leader = True
        log.info("relay %s is the active relay", self.name)

    async def _load_checkpoint(self, conn: asyncpg.Connection) -> tuple[int, int]:
        row = await conn.fetchrow(LOAD_CHECKPOINT, self.name)
        return (row[0], row[1]) if row else (0, 0)

    async def _relay(self, conn: asyncpg.Connection) -> None:
        producer: AIOKafkaProducer | None = None
        try:
            while True:
                batch = await self._fetch(conn)
                if not batch:
                    await self._update_lag(conn)
                    await self._idle()
                    continue
                producer = producer or await self._start_producer()
                if await self._publish(producer, batch):
                    await self._advance(conn, batch)
                else:
                    await _stop_quietly(producer)
                    producer = None
                    await asyncio.sleep(self._settings.retry_backoff_s)
        finally:
            if producer is not None:
                await _stop_quietly(producer)

    async def _fetch(self, conn: asyncpg.Connection) -> list[OutboxRecord]:
        txid, position = self.status.checkpoint
        rows = await conn.fetch(FETCH, txid, position, self._settings.batch_size)
        return [OutboxRecord(**{**row, "metadata": json.loads(row["metadata"])}) for row in rows]

    async def _idle(self) -> None:
        try:
            async with asyncio.timeout(self._settings.poll_interval_s):
                await self._wake.wait()
        except TimeoutError:
            pass
        self._wake.clear()

    async def _start_producer(self) -> AIOKafkaProducer:
        producer = AIOKafkaProducer(
            bootstrap_servers=self._kafka.bootstrap_servers,
            enable_idempotence=True,
            acks="all",
            linger_ms=2,
            max_batch_size=512 * 1024,
            request_timeout_ms=self._kafka.request_timeout_ms,
        )
        try:
            async with asyncio.timeout(self._kafka.request_timeout_ms / 1000):
                await producer.start()
        except BaseException:
            await _stop_quietly(producer)
            raise
        return producer

    async def _publish(self, producer: AIOKafkaProducer, batch: list[OutboxRecord]) -> bool:
        """Send the batch and wait for every acknowledgement; False if Kafka did not take all of it."""
        try:
            async with asyncio.timeout(self._kafka.request_timeout_ms / 1000 * 3):
                await self._send_all(producer, batch)
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception as error:
            self.status.kafka_available = False
            self.status.kafka_error = f"Kafka: {type(error).__name__}: {error}"
            self._telemetry.relay_failures.inc()
            log.warning("relay %s could not publish %d events: %s", self.name, len(batch), self.status.kafka_error)
            return False
        self.status.kafka_available = True
        self.status.kafka_error = None
        return True

    async def _send_all(self, producer: AIOKafkaProducer, batch: list[OutboxRecord]) -> None:
        acks = []
        for record in batch:
            headers = cloudevents.encode_headers(record, context=self._context, source=self._source)
            acks.append(
                await producer.send(
                    self.topic, value=record.data.encode(), key=str(record.stream_id).encode(), headers=headers
                )
            )
        await asyncio.gather(*acks)

    async def _advance(self, conn: asyncpg.Connection, batch: list[OutboxRecord]) -> None:
        last = batch[-1]
        await conn.execute(SAVE_CHECKPOINT, self.name, last.transaction_id, last.global_position)
        self.status.checkpoint = (last.transaction_id, last.global_position)
        self.status.published += len(batch)
        self._telemetry.relay_published.inc(len(batch))
        self.status.last_progress = time.monotonic()

    async def _update_lag(self, conn: asyncpg.Connection) -> None:
        txid, position = self.status.checkpoint
        row = await conn.fetchrow(LAG, txid, position)
        self._telemetry.relay_lag.set(row["events"])

    def wake(self) -> None:
        """Look for new events now (tests and in-process appends)."""
        self._wake.set()


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


async def _close_quietly(conn: asyncpg.Connection) -> None:
    try:
        async with asyncio.timeout(5):
            await conn.close()
    except Exception:
        conn.terminate()


async def _stop_quietly(producer: AIOKafkaProducer) -> None:
    try:
        async with asyncio.timeout(5):
            await producer.stop()
    except Exception as error:
        log.debug("producer stop: %s", error)
