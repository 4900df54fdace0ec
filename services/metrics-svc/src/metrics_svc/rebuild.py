"""Rebuild the KPI projections: replay every topic from offset 0 into fresh tables, then swap them in.

`python -m metrics_svc.rebuild` (configuration from the environment, as the service's). Run it while the
service's consumer is stopped: events it handled after the replay's end would otherwise be missing until the
next rebuild. Opportunities are not replayed: their own event stream is the source of truth, not a projection.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from continuum.config import KafkaSettings
from continuum.contracts import catalog as contract_catalog
from continuum.eventstore.schema import inbox
from continuum.kafka import cloudevents
from continuum.kafka.cloudevents import UndecodableMessage

from metrics_svc.consumers import CONSUMES
from metrics_svc.projection import rollups
from metrics_svc.projection.batch import FactBatch
from metrics_svc.projection.projector import WRITERS
from metrics_svc.projection.tables import LIVE, LIVE_PREFIX, REBUILD_PREFIX, FactTables, fact_tables

CONTRACTS = {contract.ce_type(): contract for contract in CONSUMES}
INBOX_CHUNK = 5000
BATCH = 2000
Progress = Callable[[str], None]


@dataclass
class RebuildReport:
    applied: int = 0
    duplicates: int = 0
    skipped: int = 0
    per_topic: dict[str, int] = field(default_factory=dict)
    inbox_rows: list[dict] = field(default_factory=list, repr=False)


async def rebuild(*, engine: AsyncEngine, kafka: KafkaSettings, consumer: str, progress: Progress = print,
                  every: int = 1000) -> RebuildReport:
    """Replays every consumed topic up to its current end into fresh tables, then swaps them in; the events
    applied are recorded in `consumer`'s inbox in the swap's transaction, so the live consumer, resuming from
    its own committed offsets, does not apply them a second time."""
    fresh = fact_tables(REBUILD_PREFIX)
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: fresh.metadata.drop_all(sync))
        await conn.run_sync(lambda sync: fresh.metadata.create_all(sync))
    report = RebuildReport()
    async with engine.begin() as conn:
        for topic in sorted({contract.topic() for contract in CONSUMES}):
            await _replay_topic(conn, fresh, kafka, topic, report, progress, every)
        await derive_rollups(conn, fresh, progress)
    await swap_in(engine, fresh, inbox_rows=[dict(row, consumer=consumer) for row in report.inbox_rows])
    progress(f"rebuild done: {report.applied} events applied, {report.duplicates} duplicates, "
             f"{report.skipped} skipped; tables swapped in")
    return report


async def _replay_topic(conn: AsyncConnection, tables: FactTables, kafka: KafkaSettings, topic: str,
                        report: RebuildReport, progress: Progress, every: int) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers, enable_auto_commit=False,
                                group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    try:
        if topic not in await consumer.topics():
            progress(f"{topic}: no such topic, nothing to replay")
            return
        consumer.subscribe([topic])  # without a group it is assigned every partition of the topic, from offset 0
        partitions = await _assignment(consumer)
        ends = await consumer.end_offsets(partitions)
        seen: set[str] = set()
        # each fetched batch's writes go out together (projection.batch); the rollups are derived once at the end
        batch = FactBatch(conn, maintain_rollups=False)
        while await _behind(consumer, ends):
            batches = await consumer.getmany(timeout_ms=500, max_records=BATCH)
            for tp, records in batches.items():
                for record in records:
                    if record.offset < ends[tp]:
                        await _apply(batch, tables, record, seen, report)
                        if (report.applied + report.duplicates + report.skipped) % every == 0:
                            progress(f"{topic}: {report.applied} applied so far")
            await batch.flush()
        report.per_topic[topic] = sum(ends.values())
        progress(f"{topic}: replayed {sum(ends.values())} messages")
    finally:
        await consumer.stop()


async def derive_rollups(conn: AsyncConnection, tables: FactTables, progress: Progress) -> None:
    """The replayed incidents' rollups, derived in grouped passes (rollups.refresh_services) rather than batch by
    batch as the consumer keeps them: the same rows (tests/integration/metrics_svc/test_rollups.py), in a fraction
    of the time."""
    services = (await conn.execute(sa.select(tables.incidents.c.service_id).distinct())).scalars().all()
    for start in range(0, len(services), 500):
        await rollups.refresh_services(conn, tables, services[start:start + 500])
    progress(f"rollups derived for {len(services)} services")


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for partition, end in ends.items():
        if await consumer.position(partition) < end:
            return True
    return False


async def _assignment(consumer: AIOKafkaConsumer, timeout_s: float = 10) -> list[TopicPartition]:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not consumer.assignment() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    return sorted(consumer.assignment())


async def _apply(conn: FactBatch, tables: FactTables, record, seen: set[str], report: RebuildReport) -> None:
    """As the live consumer would: once per event id, only valid events of the consumed contracts."""
    try:
        event = cloudevents.decode(record.headers, record.value)
        contract = CONTRACTS.get(event.type)
        payload = None if contract is None else contract_catalog.parse(contract, event.data)
    except (UndecodableMessage, ValidationError):
        payload = None
    if payload is None:
        report.skipped += 1
        return
    if event.id in seen:
        report.duplicates += 1
        return
    seen.add(event.id)
    await WRITERS[type(payload)](conn, tables, payload, event.id, event.time or datetime.now(UTC))
    report.applied += 1
    report.inbox_rows.append({"event_id": event.id, "topic": record.topic, "partition": record.partition,
                              "offset": record.offset})


async def swap_in(engine: AsyncEngine, fresh: FactTables, *, inbox_rows: list[dict] = ()) -> None:
    """In one transaction: drop the live tables, rename the fresh ones (and their indexes) in their place, and
    record the replayed events in the inbox."""
    async with engine.begin() as conn:
        for start in range(0, len(inbox_rows), INBOX_CHUNK):
            await conn.execute(pg_insert(inbox).on_conflict_do_nothing(), inbox_rows[start:start + INBOX_CHUNK])
        for live, new in zip(LIVE.all(), fresh.all()):
            await conn.execute(sa.text(f'DROP TABLE IF EXISTS "{live.name}"'))
            await conn.execute(sa.text(f'ALTER TABLE "{new.name}" RENAME TO "{live.name}"'))
            indexes = await conn.execute(sa.text("SELECT indexname FROM pg_indexes WHERE tablename = :t"),
                                         {"t": live.name})
            for (index,) in indexes.all():
                renamed = index.replace(REBUILD_PREFIX, LIVE_PREFIX)
                await conn.execute(sa.text(f'ALTER INDEX "{index}" RENAME TO "{renamed}"'))


async def main() -> None:
    from metrics_svc.bootstrap import SPEC
    from metrics_svc.config import Config

    config = Config()
    engine = create_async_engine(config.database.url_for(SPEC.database))
    try:
        await rebuild(engine=engine, kafka=config.kafka, consumer=SPEC.name,
                      progress=lambda line: print(line, file=sys.stderr))
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
