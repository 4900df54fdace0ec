"""Ingest whatever the order (issue 15 item 5): one service's history — incidents with their acknowledgements,
resolutions (some outages), breaches and ratings, a sustained rise in one category — handed to metrics-svc's batch
handler as the consumer hands it over (fetches across three partitions, each incident's events in its order),
once in business-time order and once shuffled, leaves the same facts, rollups and loop outcome (real PostgreSQL)."""

from __future__ import annotations

import asyncio
import gc
import random
import uuid
import weakref
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from continuum import migrations
from continuum.config import ConsumerSettings
from continuum.consumer import Delivery
from continuum.contracts import catalog
from continuum.contracts import service as sv
from continuum.kafka import cloudevents
from continuum.operations import discover_services
from continuum_dev.testing.plugin import create_database
from metrics_svc.config import Config, DetectionSettings
from metrics_svc.consumers import ImprovementLoop
from metrics_svc.main import create_app
from tests.integration.metrics_svc.loop_history import history, monday_before, rise, steady
from tests.support.apps import serving

PARTITIONS, FETCH = 3, 250
SETTLE_S = 0.5
TARGETS = {p: sv.SlaTargets(response_minutes=60, resolution_minutes=480) for p in ("P1", "P2", "P3", "P4")}


def lifecycles(seed: int = 4):
    """(incident key, [(event, business time)]) per incident, and the service's SLA first."""
    start = monday_before(datetime(2025, 6, 1, tzinfo=UTC), 0)
    found = history(start, 110, steady(**rise("db", from_day=80, to=5.0)), seed=seed)
    rng, service_id = random.Random(seed), found.service_id
    sla = sv.SlaDefinedV1(service_id=service_id, availability_target_pct=Decimal("99.5"), targets=TARGETS,
                          csat_target_pct=Decimal(80))
    streams = [(service_id.bytes, [(sla, start - timedelta(days=1))])]
    for i in found.incidents:
        outage = rng.random() < 0.15
        resolved = i.opened_at + timedelta(minutes=rng.randrange(20, 3000 if outage else 600))
        events = [(sv.IncidentOpenedV1(service_id=service_id, incident_id=i.incident_id, priority="P3",
                                       category=i.category, title="t", outage=outage, detected_at=i.opened_at),
                   i.opened_at)]
        if rng.random() < 0.1:
            events.append((sv.IncidentResolutionSlaBreachedV1(service_id=service_id, incident_id=i.incident_id,
                                                              priority="P3", target_minutes=480,
                                                              breached_at=i.opened_at + timedelta(hours=8)),
                           i.opened_at + timedelta(hours=8)))
        events.append((sv.IncidentResolvedV1(service_id=service_id, incident_id=i.incident_id, resolution_code="ok",
                                             resolved_at=resolved, outage_minutes=Decimal(45) if outage else Decimal(0),
                                             resolution_sla_met=resolved - i.opened_at <= timedelta(hours=8)),
                       resolved))
        if rng.random() < 0.6:
            events.append((sv.IncidentCsatRatedV1(service_id=service_id, incident_id=i.incident_id,
                                                  score=rng.choice((1, 2, 4, 5))), resolved + timedelta(hours=1)))
        streams.append((i.incident_id.bytes, events))
    return service_id, streams


def in_time_order(streams):
    return sorted(((key, e, at) for key, events in streams for e, at in events), key=lambda item: item[2])


def shuffled(streams, seed: int = 9):
    """Each event at a random place, each incident's events still in their order."""
    rng = random.Random(seed)
    places = sorted((rng.random(), n) for n, (_, events) in enumerate(streams) for _ in events)
    slots = defaultdict(list)
    for place, (_, n) in enumerate(places):
        slots[n].append(place)
    ordered = [None] * len(places)
    for n, (key, events) in enumerate(streams):
        for place, (event, at) in zip(slots[n], events, strict=True):
            ordered[place] = (key, event, at)
    return ordered


def fetches(sent) -> list[list[Delivery]]:
    """As the consumer hands them over: keyed to partitions, each fetch a slice of every partition in order, with
    the partition's end offset (so the last fetch of a partition is caught up)."""
    partitions = defaultdict(list)
    for key, event, at in sent:
        partitions[int.from_bytes(key[:4]) % PARTITIONS].append((event, at))
    batches = []
    for start in range(0, max(len(p) for p in partitions.values()), FETCH):
        batch = []
        for partition, events in sorted(partitions.items()):
            for offset, (event, at) in enumerate(events[start:start + FETCH], start=start):
                headers = [("ce_specversion", b"1.0"), ("ce_id", str(uuid.uuid4()).encode()),
                           ("ce_source", b"/test"), ("ce_type", event.ce_type().encode()),
                           ("ce_time", at.isoformat().encode()), ("content-type", b"application/json")]
                inbound = cloudevents.decode(headers, catalog.dump_json(event))
                batch.append(Delivery(inbound, event, event.topic(), partition, offset, "metrics-svc",
                                      highwater=len(events)))
        batches.append(batch)
    return batches


async def ingest(infrastructure, kafka_settings, auth_settings, sent) -> tuple[list, list]:
    entry = next(s for s in discover_services() if s.spec.name == "metrics-svc")
    url = await create_database(infrastructure.database_url, f"metrics_{uuid.uuid4().hex[:12]}")
    await asyncio.to_thread(migrations.upgrade, migrations_dir=entry.migrations, database_url=url)
    config = Config(environment="test", database_url=url, kafka=kafka_settings, auth=auth_settings,
                    consumer=ConsumerSettings(enabled=False), detection=DetectionSettings(catch_up_settle_s=SETTLE_S))
    app = create_app(config)
    async with serving(app):
        loop = ImprovementLoop(bus=app.state.platform.bus, config=config)
        engine = app.state.platform.engine
        for batch in fetches(sent):
            async with engine.begin() as conn:
                await loop.handle(batch, conn)
        await asyncio.sleep(SETTLE_S)  # a history that came behind is judged once it has settled: the periodic check
        async with engine.begin() as conn:
            await loop.check(conn)
        async with engine.connect() as conn:
            projected = [sorted(tuple(row) for row in await conn.execute(sa.text(f"SELECT * FROM {table}")))
                         for table in ("kpi_incidents", "kpi_service_days", "kpi_service_hours", "kpi_outage_pieces")]
            rows = await conn.execute(sa.text("SELECT data FROM summaries WHERE stream_type = 'ImprovementOpportunity'"))
            outcome = sorted((d["rule"], d["category"], d["detected_at"], d["state"], d["closed_at"]) for (d,) in rows)
    return projected, outcome


async def test_a_history_sent_shuffled_leaves_what_it_leaves_in_business_time_order(infrastructure, kafka_settings,
                                                                                     auth_settings):
    _, streams = lifecycles()
    in_order = await ingest(infrastructure, kafka_settings, auth_settings, in_time_order(streams))
    any_order = await ingest(infrastructure, kafka_settings, auth_settings, shuffled(streams))
    assert any(rule == "recurring_incidents" and category == "db" for rule, category, *_ in in_order[1])
    assert any_order[1] == in_order[1]
    assert any_order[0] == in_order[0]


async def test_a_backlog_judged_in_runs_holds_one_run_of_facts_at_a_time(infrastructure, kafka_settings,
                                                                         auth_settings, monkeypatch):
    """A history that arrived behind is judged in runs of day ends (judgement.judge.CHUNK_DAYS); when a run's facts
    are read, the previous run's are gone (they were all held until the last run: ~10 MB a run at 100k incidents)."""
    from metrics_svc.judgement import Judge

    read, held, alive_when_read = Judge._read, [], []

    async def tracked(self, conn, plan, active):
        gc.collect()
        alive_when_read.append(sum(1 for ref in held if ref() is not None))
        await read(self, conn, plan, active)
        held[:] = [weakref.ref(incident) for days in plan.values() for incident in days.incidents]

    monkeypatch.setattr(Judge, "_read", tracked)
    _, streams = lifecycles()
    await ingest(infrastructure, kafka_settings, auth_settings, shuffled(streams))
    assert len(alive_when_read) >= 2 and held, "the backlog was judged in a single run: nothing to compare"
    assert alive_when_read == [0] * len(alive_when_read)
