"""The reads detection makes for a whole batch of services at once (real PostgreSQL): each service gets what a
read of that service alone would give — its own window, its own SLA."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

from sqlalchemy.ext.asyncio import create_async_engine

from metrics_svc.projection import reads
from metrics_svc.projection.projector import _insert, _upsert
from metrics_svc.projection.tables import fact_tables

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def touches(incident: dict, since: datetime) -> bool:
    moments = (incident.get(name) for name in ("opened_at", "acknowledged_at", "resolved_at", "csat_at"))
    return any(moment is not None and moment >= since for moment in moments)


async def test_each_service_gets_its_own_window_and_sla(metrics_database):
    rng = random.Random(7)
    engine = create_async_engine(metrics_database)
    t = fact_tables("kpi_reads_")
    services = [uuid4() for _ in range(5)]
    quiet = uuid4()  # asked for, but without incidents or SLA
    incidents: list[dict] = []
    for step in range(200):
        opened = T0 + timedelta(hours=rng.randrange(24 * 120))
        incident = {"incident_id": uuid4(), "service_id": rng.choice(services), "priority": "P2", "category": "db",
                    "outage": False, "opened_at": opened}
        if rng.random() < 0.5:
            incident["resolved_at"] = opened + timedelta(hours=rng.randrange(1, 24 * 40))
        incidents.append(incident)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(t.metadata.create_all)
            for incident in incidents:
                await _insert(conn, t.incidents, incident)
            for number, service in enumerate(services[:3]):
                await _upsert(conn, t.slas, "service_id", {"service_id": service, "defined_at": T0,
                                                           "availability_target_pct": Decimal(99 + number),
                                                           "csat_target_pct": Decimal(80)})
            since = {service: T0 + timedelta(days=rng.randrange(120)) for service in services + [quiet]}

            found = await reads.incidents_touching(conn, t, since)
            slas = await reads.slas_of(conn, t, since)
            for service in services:
                mine = [i for i in incidents if i["service_id"] == service]
                expected = sorted(i["incident_id"] for i in mine if touches(i, since[service]))
                assert sorted(i.incident_id for i in found[service]) == expected
                assert [i.opened_at for i in found[service]] == sorted(i.opened_at for i in found[service])
            assert quiet not in found and quiet not in slas
            assert {service: slas[service].availability_target_pct for service in slas} == {
                service: Decimal(99 + number) for number, service in enumerate(services[:3])}
            assert await reads.sla_of(conn, t, services[0]) == slas[services[0]]
            assert await reads.incidents_touching(conn, t, {}) == {}
            await conn.run_sync(t.metadata.drop_all)
    finally:
        await engine.dispose()
