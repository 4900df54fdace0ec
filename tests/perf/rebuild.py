"""Scenario 5: metrics-svc's projection rebuild (`metrics_svc.rebuild.rebuild`, what `continuum rebuild metrics`
runs) from offset 0 of 100k events on `continuum.service.events`; baseline: a bare aiokafka consumer reading the
same messages from offset 0 (no decoding, no database).

The events are contract-valid service-svc events of a realistic mix, produced straight into the topic (making
100k through the HTTP API would take minutes per run): per service one SlaDefined and a few operating costs;
per incident Opened, Acknowledged, Resolved and CsatRated.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy.ext.asyncio import create_async_engine

from continuum.config import KafkaSettings
from continuum.contracts import catalog
from continuum.contracts import service as sv
from continuum.contracts.base import EventContract
from continuum.kafka.topics import ensure_topics
from tests.perf.end_to_end import clean_kafka

TOPIC = sv.IncidentOpenedV1.topic()
SERVICES = 100
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def synthetic_events(count: int) -> list[tuple[bytes, EventContract]]:
    """(key, event) pairs: services first, then incidents round the services, until `count`."""
    targets = {p: {"response_minutes": 60, "resolution_minutes": 480} for p in ("P1", "P2", "P3", "P4")}
    services = [uuid.uuid4() for _ in range(SERVICES)]
    out: list[tuple[bytes, EventContract]] = []
    for service_id in services:
        out.append((service_id.bytes, sv.SlaDefinedV1(service_id=service_id, availability_target_pct=Decimal("99.5"),
                                                      targets=targets, csat_target_pct=Decimal("80"))))
        for month in range(4):
            out.append((service_id.bytes, sv.OperatingCostRecordedV1(
                service_id=service_id, amount=Decimal("1200.00"), incurred_on=T0 + timedelta(days=30 * month),
                category="hosting")))
    n = 0
    while len(out) < count:
        service_id, incident_id = services[n % SERVICES], uuid.uuid4()
        opened = T0 + timedelta(minutes=7 * n)
        lifecycle = [
            sv.IncidentOpenedV1(service_id=service_id, incident_id=incident_id, priority="P3", category=f"c{n % 9}",
                                title="bench", outage=n % 5 == 0, detected_at=opened),
            sv.IncidentAcknowledgedV1(service_id=service_id, incident_id=incident_id,
                                      acknowledged_at=opened + timedelta(minutes=12)),
            sv.IncidentResolvedV1(service_id=service_id, incident_id=incident_id, resolution_code="fixed",
                                  resolved_at=opened + timedelta(hours=3), outage_minutes=Decimal(n % 5 == 0) * 30,
                                  response_sla_met=True, resolution_sla_met=n % 4 != 0),
            sv.IncidentCsatRatedV1(service_id=service_id, incident_id=incident_id, score=1 + n % 5),
        ]
        out.extend((service_id.bytes, event) for event in lifecycle)
        n += 1
    return out[:count]


async def fill_topic(kafka: KafkaSettings, *, events: int) -> None:
    """Fresh topics (all that metrics-svc consumes: the rebuild replays each), `events` on service-svc's."""
    from metrics_svc.consumers import CONSUMES

    await clean_kafka(kafka)
    await ensure_topics(kafka, sorted({contract.topic() for contract in CONSUMES}))
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, enable_idempotence=True, linger_ms=5,
                                max_batch_size=512 * 1024)
    await producer.start()
    try:
        acks = []
        for key, event in synthetic_events(events):
            headers = [("ce_specversion", b"1.0"), ("ce_id", str(uuid.uuid4()).encode()),
                       ("ce_source", b"/bench"), ("ce_type", event.ce_type().encode()),
                       ("ce_time", T0.isoformat().encode()), ("content-type", b"application/json")]
            acks.append(await producer.send(TOPIC, catalog.dump_json(event), key=key, headers=headers))
        await asyncio.gather(*acks)
    finally:
        await producer.stop()


async def rebuild_rate(database_url: str, kafka: KafkaSettings, *, events: int) -> float:
    """Events per second of the whole rebuild: fresh tables, replay to the end, swap in."""
    from metrics_svc.rebuild import rebuild

    engine = create_async_engine(database_url)
    try:
        started = time.perf_counter()
        report = await rebuild(engine=engine, kafka=kafka, consumer="metrics-svc", progress=lambda line: None)
        elapsed = time.perf_counter() - started
    finally:
        await engine.dispose()
    replayed = report.applied + report.duplicates + report.skipped
    if replayed != events or report.skipped:
        raise RuntimeError(f"rebuild replayed {replayed} of {events} events ({report.skipped} skipped)")
    return events / elapsed


async def bare_consumer_rate(kafka: KafkaSettings, *, events: int) -> float:
    """The same messages read from offset 0 to the end by one consumer without a group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers, enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        started = time.perf_counter()
        partitions = [TopicPartition(TOPIC, p) for p in range(kafka.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        read = 0
        while read < sum(ends.values()):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                read += len(records)
        elapsed = time.perf_counter() - started
    finally:
        await consumer.stop()
    if read != events:
        raise RuntimeError(f"read {read} messages, expected {events}")
    return events / elapsed
