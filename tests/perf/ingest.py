"""Scenario 8b (issue 15 item 5): ingest that keeps up — one service's incident history sent as service-svc
CloudEvents onto `continuum.service.events`, once in time order and once shuffled (as a careless import sends it:
incidents in any order, each incident's own events still in its order, keyed by incident as service-svc keys
them), consumed by metrics-svc as a process (its consumer, facts, rollups and the improvement loop on), timed from
the first event applied to the last (the inbox row is written in the transaction that applies an event, so its
count is what is visible) and until the loop has judged the history's last day. Beside it in the same run: a bare
consumer reading the same messages and the rebuild replaying them.

Both orders must leave the same projections (facts and rollups) and the same loop outcome (the opportunities and
their states): printed as a check, with metrics-svc's peak RSS against the 150 MB goal.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import math
import os
import random
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from sqlalchemy.engine import make_url

from continuum.config import AuthSettings, KafkaSettings
from continuum.contracts import catalog
from continuum.contracts import service as sv
from continuum.contracts.base import EventContract
from continuum.kafka.topics import ensure_topics
from continuum.operations import discover_services
from continuum_dev.testing.plugin import free_port
from continuum_dev.stack import wait_until_answered
from tests.perf.command_path import _peak_rss_mb, _serve
from tests.perf.end_to_end import clean_kafka

TOPIC = sv.IncidentOpenedV1.topic()
END = datetime(2026, 6, 30, 12, tzinfo=UTC)
HISTORY_DAYS = 730
CATEGORIES = ("network", "disk", "database", "login", "batch-job", "certificate", "queue")
WEEKLY = (1.3, 1.2, 1.2, 1.15, 1.05, 0.55, 0.45)
REGRESSION = ("disk", 0.8, 3.0)  # from 80 % of the history on, this category at three times its rate
TARGETS = {p: sv.SlaTargets(response_minutes=60, resolution_minutes=480) for p in ("P1", "P2", "P3", "P4")}
Event = tuple[bytes, EventContract, datetime]  # (key, event, business time)


def history(service_id: uuid.UUID, incidents: int, *, seed: int = 11) -> list[list[Event]]:
    """The service's SLA, then `incidents` incidents over two years ending at END, each as the events of its
    lifecycle: weekday-shaped, busy and quiet days, a tenth outages (a few spanning days), some breaches, half
    rated, one category's step rise near the end (so the loop has something to find)."""
    rng = random.Random(seed)
    start = END - timedelta(days=HISTORY_DAYS)
    weights = [WEEKLY[(start + timedelta(days=d)).weekday()] * rng.gammavariate(8, 1 / 8) for d in range(HISTORY_DAYS)]
    cumulative = list(itertools.accumulate(weights))
    sla = sv.SlaDefinedV1(service_id=service_id, availability_target_pct=Decimal("99.5"), targets=TARGETS,
                          csat_target_pct=Decimal(80))
    streams: list[list[Event]] = [[(service_id.bytes, sla, start - timedelta(days=1))]]
    step_category, step_at, step_factor = REGRESSION
    while len(streams) - 1 < incidents:
        day = rng.choices(range(HISTORY_DAYS), cum_weights=cumulative)[0] if len(streams) > 1 else 0
        category = rng.choice(CATEGORIES)
        if category == step_category and day >= step_at * HISTORY_DAYS and rng.random() < 1 - 1 / step_factor:
            streams.append(_lifecycle(rng, service_id, category, start + timedelta(days=day)))  # the extra ones
        streams.append(_lifecycle(rng, service_id, category, start + timedelta(days=day)))
    return streams[:incidents + 1]


def _lifecycle(rng: random.Random, service_id: uuid.UUID, category: str, day: datetime) -> list[Event]:
    incident_id = uuid.uuid4()
    opened = day + timedelta(seconds=rng.randrange(86_400))
    acknowledged = opened + timedelta(minutes=rng.randrange(1, 90))
    outage = rng.random() < 0.1
    resolved = opened + timedelta(minutes=rng.randrange(10, 3000 if outage else 540))
    key = incident_id.bytes
    events: list[Event] = [
        (key, sv.IncidentOpenedV1(service_id=service_id, incident_id=incident_id, priority=rng.choice(("P2", "P3")),
                                  category=category, title="imported", outage=outage, detected_at=opened), opened),
        (key, sv.IncidentAcknowledgedV1(service_id=service_id, incident_id=incident_id,
                                        acknowledged_at=acknowledged), acknowledged)]
    if rng.random() < 0.04:
        breached = opened + timedelta(hours=8)
        events.append((key, sv.IncidentResolutionSlaBreachedV1(service_id=service_id, incident_id=incident_id,
                                                               priority="P3", target_minutes=480,
                                                               breached_at=breached), breached))
    minutes = Decimal(math.ceil((resolved - opened).total_seconds() / 60)) if outage else Decimal(0)
    events.append((key, sv.IncidentResolvedV1(service_id=service_id, incident_id=incident_id, resolution_code="fixed",
                                              resolved_at=resolved, outage_minutes=minutes, response_sla_met=True,
                                              resolution_sla_met=resolved - opened <= timedelta(hours=8)), resolved))
    if rng.random() < 0.5:
        rated = resolved + timedelta(minutes=rng.randrange(5, 600))
        events.append((key, sv.IncidentCsatRatedV1(service_id=service_id, incident_id=incident_id,
                                                   score=rng.choice((2, 4, 4, 5, 5))), rated))
    return events


def in_time_order(streams: list[list[Event]]) -> list[Event]:
    return sorted((event for stream in streams for event in stream), key=lambda event: event[2])


def shuffled(streams: list[list[Event]], *, seed: int = 5) -> list[Event]:
    """Every event at a random place in the stream, each incident's own events still in their order (the
    aggregate's version order, which service-svc's per-key ordering keeps)."""
    rng = random.Random(seed)
    slots = [(rng.random(), n) for n, stream in enumerate(streams) for _ in stream]
    slots.sort()
    places: dict[int, list[int]] = {}
    for place, (_, n) in enumerate(slots):
        places.setdefault(n, []).append(place)
    ordered: list[Event | None] = [None] * len(slots)
    for n, stream in enumerate(streams):
        for place, event in zip(places[n], stream, strict=True):
            ordered[place] = event
    return [event for event in ordered if event is not None]


async def fill_topic(kafka: KafkaSettings, events: list[Event]) -> None:
    """Fresh topics (all that metrics-svc consumes), the events on service-svc's in the given order."""
    from metrics_svc.consumers import CONSUMES

    await clean_kafka(kafka)
    await ensure_topics(kafka, sorted({contract.topic() for contract in CONSUMES}))
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, enable_idempotence=True, linger_ms=5,
                                max_batch_size=512 * 1024)
    await producer.start()
    try:
        acks = []
        for n, (key, event, at) in enumerate(events):
            event_id = uuid.UUID(bytes=hashlib.md5(f"{key.hex()}:{n}:{at.isoformat()}".encode()).digest())
            headers = [("ce_specversion", b"1.0"), ("ce_id", str(event_id).encode()), ("ce_source", b"/bench"),
                       ("ce_type", event.ce_type().encode()), ("ce_time", at.isoformat().encode()),
                       ("content-type", b"application/json")]
            acks.append(await producer.send(TOPIC, catalog.dump_json(event), key=key, headers=headers))
        await asyncio.gather(*acks)
    finally:
        await producer.stop()


APPLIED = "SELECT count(*) FROM inbox WHERE consumer = 'metrics-svc'"  # not the webhooks' consumer's rows


@dataclass
class IngestResult:
    rate: float  # events/s, first applied → last applied
    judged_s: float  # from the first applied until the loop judged the last day of the history
    peak_rss_mb: float
    projections: str  # a digest of the facts and rollups
    outcome: list[tuple]  # the opportunities: (rule, category, detected_at, state, closed_at)
    per_cpu_s: float = 0.0  # events per second of metrics-svc's own CPU time: what the machine's load moves least


def _cpu_s(pid: int) -> float:
    """The process's user + system CPU time so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def ingest(database_url: str, kafka: KafkaSettings, tmp: Path, *, events: int, service_id: uuid.UUID,
                 timeout_s: float = 3600) -> IngestResult:
    """metrics-svc as a process, its consumer on, over the filled topic: how fast it makes the events visible."""
    auth = AuthSettings(dev_signing_key_path=tmp / "bench-key.pem")
    tmp.mkdir(parents=True, exist_ok=True)
    service = next(s for s in discover_services() if s.spec.name == "metrics-svc")
    port = free_port()
    process = _serve(service.app_factory, port, {
        "DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "AUTH__DEV_SIGNING_KEY_PATH": str(auth.dev_signing_key_path), "KAFKA__PARTITIONS": str(kafka.partitions)})
    conn = await asyncpg.connect(_dsn(database_url))
    try:
        await asyncio.to_thread(wait_until_answered, f"http://127.0.0.1:{port}/healthz", process, "metrics-svc")
        deadline = time.monotonic() + timeout_s
        first = await _until(conn, APPLIED, lambda n: n > 0, deadline, process)
        started, seen, cpu = time.perf_counter(), first, _cpu_s(process.pid)
        await _until(conn, APPLIED, lambda n: n >= events, deadline, process,
                     progress=lambda n: print(f"[bench] 8b: {n:,} of {events:,} applied", file=sys.stderr),
                     pace=_pace(events, seen))
        applied, applied_cpu = time.perf_counter() - started, _cpu_s(process.pid) - cpu
        last_day = datetime.combine((END - timedelta(hours=6)).date(), datetime.min.time(), tzinfo=UTC)
        await _until(conn, f"SELECT coalesce(max(through), '-infinity') FROM loop_judged WHERE service_id = "
                           f"'{service_id}'", lambda through: through >= last_day, deadline, process)
        judged = time.perf_counter() - started
        rss = _peak_rss_mb(process.pid)
        return IngestResult((events - seen) / applied if applied > 0 else float("inf"), judged, rss,
                            await projection_digest(conn), await outcome(conn),
                            (events - seen) / applied_cpu if applied_cpu > 0 else float("inf"))
    finally:
        await conn.close()
        process.terminate()
        await asyncio.to_thread(process.wait, 30)


def _pace(events: int, seen: int) -> Callable[[int], float]:
    """How long to wait before counting the applied events again: a tenth of a second near the end, up to a second
    before it. The count reads the inbox's index, which grows with the history: counted every tenth of a second
    throughout, it took 1.2–1.6 s of PostgreSQL's time in a 16–20 s run at 30k incidents (pg_stat_statements),
    about 8 % of one of the two cores that PostgreSQL and metrics-svc share."""
    started = time.monotonic()

    def wait(applied: int) -> float:
        elapsed, done = time.monotonic() - started, applied - seen
        if done <= 0 or elapsed <= 0:
            return 0.1
        return min(1.0, max(0.1, (events - applied) / (done / elapsed) / 4))
    return wait


async def _until(conn, query: str, done, deadline: float, process, *, progress=None, every_s: float = 10,
                 pace: Callable[[Any], float] = lambda value: 0.1):
    shown = time.monotonic()
    while True:
        value = await conn.fetchval(query)
        if done(value):
            return value
        if process.poll() is not None:
            raise RuntimeError(f"metrics-svc exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting on {query!r} (last {value})")
        if progress is not None and time.monotonic() - shown > every_s:
            progress(value)
            shown = time.monotonic()
        await asyncio.sleep(pace(value))


PROJECTED = {
    "kpi_incidents": "incident_id", "kpi_service_days": "service_id, day", "kpi_service_hours": "service_id, hour",
    "kpi_outage_pieces": "incident_id, day", "kpi_slas": "service_id",
}


async def projection_digest(conn) -> str:
    """One digest of every projected row (facts and rollups), in key order."""
    digest = hashlib.sha256()
    for table, key in PROJECTED.items():
        for row in await conn.fetch(f"SELECT * FROM {table} ORDER BY {key}"):
            digest.update(repr(sorted(dict(row).items())).encode())
    return digest.hexdigest()[:16]


async def outcome(conn) -> list[tuple]:
    rows = await conn.fetch("SELECT data FROM summaries WHERE stream_type = 'ImprovementOpportunity' ORDER BY "
                            "data->>'detected_at', data->>'rule', data->>'category'")
    found = []
    for row in rows:
        data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
        found.append((data["rule"], data.get("category"), data["detected_at"], data["state"], data.get("closed_at")))
    return found


def _dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
