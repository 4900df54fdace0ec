"""The ledger checker: every acknowledged command's event once in its store, on Kafka, and in metrics-svc.

Store: the owning service's `events` table holds the event exactly once. Kafka: the service's topic carries it at
least once; with duplicates removed by `ce_id`, each stream's events arrive in version order. metrics-svc: its
inbox took the event exactly once, the fact exists, and its KPI API counts each service's incidents exactly.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from metrics_svc.projection.tables import LIVE

from tests.reliability.ledger import Acknowledged, Ledger
from tests.reliability.stack import FaultyStack

METRICS = "metrics-svc"
PUBLISHERS = ("service-svc", "project-svc", "handover-svc")
FACT_KEYS = {"incidents": "incident_id", "projects": "project_id", "handovers": "handover_id",
             "operating_costs": "event_id"}


@dataclass
class Figures:
    """What a scenario prints, and what it lost (`lost` must be empty)."""

    scenario: str
    sent: int = 0
    acknowledged: int = 0
    in_store: int = 0
    on_kafka: int = 0
    in_metrics: int = 0
    kafka_duplicates: int = 0
    dlq: int = 0
    recovery_s: float | None = None
    refused: dict[str, int] = field(default_factory=dict)
    extra: dict[str, object] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)

    def line(self) -> str:
        recovery = "n/a" if self.recovery_s is None else f"{self.recovery_s:.1f}s"
        extra = "".join(f" {name}={value}" for name, value in self.extra.items())
        return (f"[reliability] {self.scenario}: sent={self.sent} acknowledged={self.acknowledged} "
                f"store={self.in_store} kafka={self.on_kafka} metrics={self.in_metrics} "
                f"kafka_duplicates={self.kafka_duplicates} dlq={self.dlq} recovery={recovery} "
                f"refused={dict(sorted(self.refused.items()))}{extra} lost={len(self.lost)}")

    def report(self) -> str:
        """The figures, then up to 20 lost items by name."""
        return "\n".join([self.line(), *(f"  lost: {item}" for item in self.lost[:20])])


@dataclass(frozen=True)
class StoredEvent:
    event_id: UUID
    stream_id: UUID
    version: int
    event_type: str
    data: str


async def verify(stack: FaultyStack, ledger: Ledger, *, scenario: str, fault_over_at: float,
                 drain_timeout_s: float = 120) -> Figures:
    """Check the ledger against the store, Kafka and metrics-svc; `recovery_s` counts from `fault_over_at`."""
    figures = Figures(scenario, sent=ledger.sent, acknowledged=len(ledger.acknowledged), refused=dict(ledger.refused))
    if ledger.not_yet_known:  # 422 unknown-reference: a project not learned from Kafka yet (not a refusal)
        figures.extra["not_yet_known"] = ledger.not_yet_known
    figures.lost += [f"server error: {error}" for error in ledger.server_errors]
    events = await _events_in_stores(stack, ledger)
    found = {ack: event for ack in ledger.acknowledged if (event := _one_event(ack, events, figures)) is not None}
    figures.in_store = len(found)
    figures.recovery_s = await _drained(stack, {str(e.event_id) for e in found.values()}, fault_over_at,
                                        drain_timeout_s)
    await _check_kafka(stack, found, figures)
    await _check_metrics(stack, ledger, found, figures)
    figures.dlq = await dlq_count(stack)
    if figures.dlq:
        figures.lost.append(f"{figures.dlq} message(s) dead-lettered")
    return figures


async def _events_in_stores(stack: FaultyStack, ledger: Ledger) -> dict[tuple[str, UUID], list[StoredEvent]]:
    streams: dict[str, set[UUID]] = defaultdict(set)
    for ack in ledger.acknowledged:
        streams[ack.service].add(ack.stream_id)
    found: dict[tuple[str, UUID], list[StoredEvent]] = defaultdict(list)
    for service, ids in streams.items():
        conn = await asyncpg.connect(stack.database_of(service))
        try:
            rows = await conn.fetch("SELECT event_id, stream_id, version, event_type, data::text AS data FROM events "
                                    "WHERE stream_id = ANY($1::uuid[]) ORDER BY stream_id, version", list(ids))
        finally:
            await conn.close()
        for row in rows:
            found[(service, row["stream_id"])].append(StoredEvent(**row))
    return found


def _one_event(ack: Acknowledged, events: dict[tuple[str, UUID], list[StoredEvent]],
               figures: Figures) -> StoredEvent | None:
    matches = [event for event in events.get((ack.service, ack.stream_id), [])
               if event.event_type == ack.event_type and (ack.tag is None or ack.tag in event.data)]
    if len(matches) != 1:
        figures.lost.append(f"store: {ack.service} holds {ack.event_type} of stream {ack.stream_id}"
                            f"{'' if ack.tag is None else f' ({ack.tag})'} {len(matches)} times, not once")
        return None
    return matches[0]


async def _drained(stack: FaultyStack, event_ids: set[str], fault_over_at: float, timeout_s: float) -> float | None:
    """Seconds from the end of the fault until metrics-svc's inbox holds every event (None: it never did)."""
    deadline = time.monotonic() + timeout_s
    conn = await asyncpg.connect(stack.database_of(METRICS))
    try:
        while True:
            handled = await conn.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1 AND event_id = ANY($2)",
                                          METRICS, list(event_ids))
            if handled >= len(event_ids):
                return round(time.monotonic() - fault_over_at, 1)
            if time.monotonic() > deadline:
                return None
            await asyncio.sleep(0.5)
    finally:
        await conn.close()


async def _check_kafka(stack: FaultyStack, found: dict[Acknowledged, StoredEvent], figures: Figures) -> None:
    expected: dict[str, set[str]] = defaultdict(set)
    for ack, event in found.items():
        expected[stack.services[ack.service].entry.spec.topic].add(str(event.event_id))
    seen: set[str] = set()
    for topic, ids in expected.items():
        messages = await read_whole_topic(stack.bootstrap_servers, topic)
        unique = {headers["ce_id"] for _, headers in messages}
        figures.kafka_duplicates += sum(1 for _, headers in messages if headers["ce_id"] in ids) - len(unique & ids)
        seen |= unique & ids
        figures.lost += [f"kafka: {topic} does not carry event {missing}" for missing in sorted(ids - unique)]
        figures.lost += _out_of_order(topic, messages)
    figures.on_kafka = len(seen)  # kafka_duplicates: extra copies of this ledger's events (at least once)


def _out_of_order(topic: str, messages: list[tuple[int, dict[str, str]]]) -> list[str]:
    """Per stream, with duplicates removed by ce_id (first delivery kept), versions must rise in log order."""
    last: dict[str, int] = {}
    partition_of: dict[str, int] = {}
    seen: set[str] = set()
    problems = []
    for partition, headers in messages:
        if headers["ce_id"] in seen:
            continue
        seen.add(headers["ce_id"])
        stream, version = headers["ce_subject"], int(headers["ce_sequence"])
        if partition_of.setdefault(stream, partition) != partition:
            problems.append(f"kafka: stream {stream} on {topic} spans partitions {partition_of[stream]}, {partition}")
        if version <= last.get(stream, 0):
            problems.append(f"kafka: stream {stream} on {topic}: version {version} after {last[stream]}")
        last[stream] = max(version, last.get(stream, 0))
    return problems


async def read_whole_topic(bootstrap: str, topic: str, *, timeout_s: float = 60) -> list[tuple[int, dict[str, str]]]:
    """(partition, headers) of every message in `topic` up to its current end, partition by partition in order."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or
                                                                await _partitions(consumer, topic))]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        out: list[tuple[int, dict[str, str]]] = []
        deadline = time.monotonic() + timeout_s
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            assert time.monotonic() < deadline, f"reading {topic} did not reach its end within {timeout_s}s"
            for tp, records in (await consumer.getmany(timeout_ms=500)).items():
                out += [(tp.partition, {k: v.decode() for k, v in r.headers}) for r in records if r.offset < ends[tp]]
        return out
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()  # noqa: SLF001 — aiokafka has no public refresh
    return consumer.partitions_for_topic(topic) or set()


async def dlq_count(stack: FaultyStack) -> int:
    """Messages parked on every service's dead-letter topic."""
    consumer = AIOKafkaConsumer(bootstrap_servers=stack.bootstrap_servers, group_id=None)
    await consumer.start()
    try:
        topics = [t for t in await consumer.topics() if t.endswith(".dlq")]
        partitions = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
        if not partitions:
            return 0
        starts = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
        return sum(ends[tp] - starts[tp] for tp in partitions)
    finally:
        await consumer.stop()


async def _check_metrics(stack: FaultyStack, ledger: Ledger, found: dict[Acknowledged, StoredEvent],
                         figures: Figures) -> None:
    conn = await asyncpg.connect(stack.database_of(METRICS))
    try:
        ids = [str(event.event_id) for event in found.values()]
        rows = await conn.fetch("SELECT event_id FROM inbox WHERE consumer = $1 AND event_id = ANY($2)", METRICS, ids)
        inbox = Counter(row["event_id"] for row in rows)
        facts = await _facts(conn, found)
    finally:
        await conn.close()
    for ack, event in found.items():
        key = str(event.event_id) if ack.fact == "operating_costs" else str(ack.stream_id)
        if inbox[str(event.event_id)] != 1:
            figures.lost.append(f"metrics-svc: inbox took {ack.event_type} {event.event_id} "
                                f"{inbox[str(event.event_id)]} times, not once")
        elif key not in facts[ack.fact]:
            figures.lost.append(f"metrics-svc: no {ack.fact} fact for {ack.event_type} {key}")
        else:
            figures.in_metrics += 1
    figures.lost += await _incident_counts(stack, ledger, figures)


async def _facts(conn: asyncpg.Connection, found: dict[Acknowledged, StoredEvent]) -> dict[str, set[str]]:
    wanted: dict[str, list[str]] = defaultdict(list)
    for ack, event in found.items():
        wanted[ack.fact].append(str(event.event_id) if ack.fact == "operating_costs" else str(ack.stream_id))
    facts: dict[str, set[str]] = defaultdict(set)
    for fact, keys in wanted.items():
        table, column = getattr(LIVE, fact).name, FACT_KEYS[fact]
        rows = await conn.fetch(f"SELECT {column}::text AS key FROM {table} WHERE {column}::text = ANY($1)", keys)
        facts[fact] = {row["key"] for row in rows}
    return facts


async def _incident_counts(stack: FaultyStack, ledger: Ledger, figures: Figures) -> list[str]:
    """metrics-svc's incident_count KPI of each driven service equals the incidents its store holds.

    The store may hold more than the ledger: a command can commit and lose its answer to a kill -9 (the driver
    saw no 2xx, so it never counted it); the figure `unacknowledged` says how many did.
    """
    acknowledged = Counter(ack.service_id for ack in ledger.acknowledged if ack.fact == "incidents")
    stored = await _incidents_stored(stack, list(acknowledged))
    problems = []
    async with httpx.AsyncClient(base_url=stack.services[METRICS].url, timeout=15,
                                 headers=stack.reader_headers) as client:
        for service_id, count in acknowledged.items():
            response = await client.get(f"/kpis/services/{service_id}", params={"window": 7})
            counted = response.json()["incident_count"]["based_on"] if response.status_code == 200 else response.text
            if counted != stored[service_id] or stored[service_id] < count:
                problems.append(f"metrics-svc: incident_count of service {service_id} is {counted}, its store holds "
                                f"{stored[service_id]} incidents, the ledger {count}")
    figures.extra["kpi_services"] = len(acknowledged)
    figures.extra["unacknowledged"] = sum(stored.values()) - sum(acknowledged.values())
    return problems


async def _incidents_stored(stack: FaultyStack, service_ids: list[UUID]) -> Counter[UUID]:
    conn = await asyncpg.connect(stack.database_of("service-svc"))
    try:
        rows = await conn.fetch("SELECT (data->>'service_id')::uuid AS service_id, count(*) AS n FROM events "
                                "WHERE event_type = 'IncidentOpened' AND (data->>'service_id')::uuid = ANY($1) "
                                "GROUP BY 1", service_ids)
    finally:
        await conn.close()
    return Counter({row["service_id"]: row["n"] for row in rows})
