"""`OutboxRelay`: one active relay per service (the others wait on an advisory lock as standbys). It tails the
events table from its checkpoint, wakes on the events channel or polls, publishes each batch (`_Publishing`) and
moves the checkpoint only once Kafka acknowledged it; it starts over after a lost connection or a fault."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import asyncpg
from aiokafka import AIOKafkaProducer

from continuum.config import KafkaSettings, RelaySettings
from continuum.eventstore.schema import EVENTS_CHANNEL
from continuum.relay.outbox import FETCH, LAG, LOAD_CHECKPOINT, SAVE_CHECKPOINT, OutboxRecord
from continuum.relay.publishing import _Publishing, _stop_quietly
from continuum.relay.status import RelayStatus
from continuum.telemetry import Telemetry

log = logging.getLogger("continuum.relay")


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    """asyncpg wants a plain postgresql:// DSN."""
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


class OutboxRelay(_Publishing):
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


async def _close_quietly(conn: asyncpg.Connection) -> None:
    try:
        async with asyncio.timeout(5):
            await conn.close()
    except Exception:
        conn.terminate()
