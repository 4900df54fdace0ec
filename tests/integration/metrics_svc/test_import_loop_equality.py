"""Issue 21: the loop's figures on history imported in bulk equal those of the same history sent call by call.

service-svc (in-process, on the real service topic) and metrics-svc (its own consumer group, started at the end of
the topics) on the session's PostgreSQL and Kafka. Two histories of ~115 days: one with a real regression (`db`
incidents at several times their calm rate over the last two weeks), one calm throughout. Each is entered twice,
for two sets of services: by `POST /services/{id}/import-incidents` (one NDJSON body a service) and by single
calls with `occurred_at` (open, acknowledge, resolve), one at a time in business-time order. metrics-svc
consumes both; the opportunities raised and the services' KPI figures must be the same, service for service, and
the regression found where it is and nowhere else.

The imports arrive after the topic's business time has passed their whole history, as an adopter's import does:
each import's events come far behind it, spread over the partitions in no order a watermark can tell, so the loop
judges such a service once its history has settled, on all of it (projection.loop_state.Progress.reach). Before
that, it judged each batch up to the topic's watermark on the part that had arrived, and raised the regression
on 2026-05-16 or 05-17 on a partial baseline instead of 05-15.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from continuum.importers.ndjson import decode_results
from metrics_svc.domain.detection import day_end
from service_svc.bootstrap import SPEC as SERVICE_SPEC
from service_svc.config import Config as ServiceConfig
from service_svc.config import DeadlineWatchSettings
from service_svc.main import create_app as create_service_app

from tests.integration.metrics_svc.conftest import eventually
from tests.integration.metrics_svc.loop_history import monday_before
from tests.integration.service_svc.seed import SLA
from tests.support.apps import serving, settings_for

DAY = timedelta(days=1)
START = monday_before(datetime.now(UTC), 300)  # the histories end ~185 days ago: the wall clock never counts
CALM_DAYS, RISE_DAYS = 100, 14
CALM = {"db": 0.35, "network": 0.35}
RISEN = {"db": 2.5}


@dataclass(frozen=True)
class Incident:
    ref: str
    category: str
    priority: str
    outage: bool
    opened: datetime
    acknowledged: datetime
    resolved: datetime


def poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = pow(2.718281828459045, -mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def history(seed: int, *, regression: bool) -> list[Incident]:
    """CALM_DAYS calm days then RISE_DAYS more: calm again, or with `db` at RISEN. Acknowledged 5–40 minutes after
    opening (P2 responds in 30: a few breach), resolved ½–2½ hours after that (within every resolution target);
    one in forty an outage of at most half an hour (so no SLA or availability rule fires on a calm history)."""
    rng, found = random.Random(seed), []
    for day in range(CALM_DAYS + RISE_DAYS):
        rates = CALM | (RISEN if regression and day >= CALM_DAYS else {})
        for category, rate in rates.items():
            for _ in range(poisson(rng, rate)):
                opened = START + DAY * day + timedelta(minutes=rng.randrange(60, 22 * 60))
                acknowledged = opened + timedelta(minutes=rng.randrange(5, 40))
                resolved = acknowledged + timedelta(minutes=rng.randrange(30, 150))
                found.append(Incident(f"INC{seed:02d}{len(found):05d}", category, rng.choice(["P2", "P3"]),
                                      rng.random() < 0.025, opened, acknowledged, resolved))
    return sorted(found, key=lambda incident: incident.opened)


def at(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def downtime(incident: Incident) -> str | None:
    return str(min(30, int((incident.resolved - incident.opened).total_seconds() // 60))) if incident.outage else None


def lines(incident: Incident) -> list[dict]:
    """The bulk lines of an incident: the same three commands as the single calls below."""
    return [
        {"ref": incident.ref, "command": "open", "occurred_at": at(incident.opened), "priority": incident.priority,
         "category": incident.category, "title": f"{incident.category} alert", "outage": incident.outage},
        {"ref": incident.ref, "command": "acknowledge", "occurred_at": at(incident.acknowledged)},
        {"ref": incident.ref, "command": "resolve", "occurred_at": at(incident.resolved), "resolution_code": "fixed",
         **({"downtime_minutes": downtime(incident)} if incident.outage else {})},
    ]


async def sent(send, status: int = 200) -> dict:
    """A single call, sent again after a lost optimistic-concurrency race or a 503, as a client should."""
    for _ in range(5):
        response = await send()
        if response.status_code == 503 or (response.status_code == 409 and
                                             response.json().get("rule") == "optimistic-concurrency"):
            await asyncio.sleep(0.2)
            continue
        break
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


async def new_service(client, headers, name: str) -> str:
    """Registered with its SLA at the start of the history, by the integration (owner alice)."""
    body = {"name": name, "description": "history", "demanded_by": "HR", "expected_volume": "some",
            "owner": "alice", "occurred_at": at(START - DAY)}
    service = await sent(lambda: client.post("/services", json=body, headers=headers), 201)
    sla = {**SLA, "occurred_at": at(START - DAY + timedelta(hours=1))}
    await sent(lambda: client.post(f"/services/{service['id']}/define-sla", json=sla, headers=headers))
    return service["id"]


async def imported(client, headers, service_id: str, incidents: list[Incident]) -> None:
    body = "\n".join(json.dumps(line) for incident in incidents for line in lines(incident)).encode() + b"\n"
    response = await client.post(f"/services/{service_id}/import-incidents", content=body,
                                 headers={**headers, "Content-Type": "application/x-ndjson"})
    assert response.status_code == 200, response.text
    results, counts = decode_results(response.content)
    assert counts == {"accepted": 3 * len(incidents), "already_imported": 0, "rejected": 0}, [
        r for r in results if r["status"] == "rejected"][:3]


async def called(client, headers, histories: dict[str, list[Incident]]) -> int:
    """Every command of every service's incidents one call each, in business-time order, one at a time.

    In that order, as a careful client replays history: the live loop judges a day once business time is past it
    (its grace), so a client sending an incident's acknowledgement days of business time after later incidents'
    openings (several incidents in flight) is judged on what had arrived, and that is not the history."""
    commands = sorted([(i.opened, 0, s, i) for s, incidents in histories.items() for i in incidents]
                      + [(i.acknowledged, 1, s, i) for s, incidents in histories.items() for i in incidents]
                      + [(i.resolved, 2, s, i) for s, incidents in histories.items() for i in incidents],
                      key=lambda command: command[:2])
    urls: dict[int, str] = {}
    for _, step, service_id, incident in commands:
        if step == 0:
            body = {"service_id": service_id, "priority": incident.priority, "category": incident.category,
                    "title": f"{incident.category} alert", "outage": incident.outage,
                    "occurred_at": at(incident.opened)}
            opened = await sent(lambda body=body: client.post("/incidents", json=body, headers=headers), 201)
            urls[id(incident)] = f"/incidents/{opened['id']}"
        elif step == 1:
            await sent(lambda url=urls[id(incident)], when=at(incident.acknowledged): client.post(
                f"{url}/acknowledge", json={"occurred_at": when}, headers=headers))
        else:
            resolution = {"resolution_code": "fixed", "occurred_at": at(incident.resolved),
                          **({"downtime_minutes": downtime(incident)} if incident.outage else {})}
            await sent(lambda url=urls[id(incident)], body=resolution: client.post(
                f"{url}/resolve", json=body, headers=headers))
    return len(commands)


AS_OF = [(CALM_DAYS + RISE_DAYS, 30), (CALM_DAYS + RISE_DAYS, 90), (CALM_DAYS + 7, 7), (CALM_DAYS, 30)]


async def figures(client, headers, service_id: str) -> dict:
    """The service's KPI answers at a few days and windows, less what names the service itself."""
    found = {}
    for day, window in AS_OF:
        response = await client.get(f"/kpis/services/{service_id}", headers=headers,
                                    params={"window": window, "as_of": at(START + DAY * day)})
        assert response.status_code == 200, response.text
        body = response.json()
        del body["service_id"], body["name"]
        found[f"day {day}, {window} days"] = body
    return found


async def opportunities(client, headers, service_id: str) -> list[dict]:
    items = (await client.get("/opportunities", params={"service_id": service_id}, headers=headers)).json()["items"]
    found = []
    for item in items:
        view = (await client.get(f"/opportunities/{item['id']}", headers=headers)).json()
        evidence = {k: v for k, v in view["evidence"].items() if k != "incident_ids"}
        found.append({"rule": view["rule"], "category": view["category"], "kpi": view["kpi"], "state": view["state"],
                      "detected_day": view["detected_at"][:10], "baseline": view["baseline"],
                      "observed": view["observed"], "window_days": view["window_days"], "evidence": evidence,
                      "incidents": len(view["evidence"].get("incident_ids", []))})
    return sorted(found, key=lambda o: (o["rule"], o["category"] or "", o["detected_day"]))


@pytest.fixture
async def service_svc(database_url, kafka_settings, auth_settings, topic_prefix):
    """service-svc on the real service topic (metrics-svc reads it), with a consumer group of its own and no deadline
    watcher (every incident here is acknowledged and resolved by its history; none is left to it)."""
    config = settings_for(ServiceConfig, database_url=database_url, kafka=kafka_settings, auth=auth_settings,
                          deadline_watch=DeadlineWatchSettings(enabled=False))
    spec = dataclasses.replace(SERVICE_SPEC, name=f"service-svc-{topic_prefix}")
    async with serving(create_service_app(config, spec)) as client:
        yield client


async def test_the_loop_judges_imported_history_as_it_judges_the_same_history_sent_call_by_call(
        service_svc, metrics_app, metrics_database, issue_token):
    integration = {"Authorization": f"Bearer {issue_token('integration', subject='alice')}"}
    reader = {"Authorization": f"Bearer {issue_token('viewer')}"}
    shapes = {"regression": history(11, regression=True), "plain": history(12, regression=False)}
    assert sum(i.category == "db" for i in shapes["regression"][-40:]) > 20  # the history is what it says

    async with metrics_app(from_end=True, check_interval_s=0.5) as app:
        client = app.state.test_client
        single = {shape: await new_service(service_svc, integration, f"single {shape}") for shape in shapes}
        calls = await called(service_svc, integration, {single[shape]: rows for shape, rows in shapes.items()})
        assert calls <= 600  # seconds, not minutes
        bulk = {shape: await new_service(service_svc, integration, f"bulk {shape}") for shape in shapes}
        for shape, rows in shapes.items():
            await imported(service_svc, integration, bulk[shape], rows)

        end = START + DAY * (CALM_DAYS + RISE_DAYS + 1)  # past the last resolution
        resolved = {shape: sum(end - 90 * DAY <= i.resolved < end for i in rows) for shape, rows in shapes.items()}

        async def consumed() -> bool:  # the last 90 days' resolutions, as metrics-svc has them, for all four services
            for ids in (single, bulk):
                for shape, service_id in ids.items():
                    response = await client.get(f"/kpis/services/{service_id}", headers=reader,
                                                params={"window": 90, "as_of": at(end)})
                    assert response.status_code == 200, response.text
                    if response.json()["mttr_minutes"]["based_on"] != resolved[shape]:
                        return False
            return True

        await eventually(consumed, timeout_s=60, app=app)

        async def judged() -> bool:
            """Every service judged as far as it is known: to the topic's last day, or, for one whose history came
            behind the topic and ends before it (the calm import), to its own last event's day: its quiet days after
            that wait for its next incident (projection.loop_state.Progress.reach)."""
            async with engine.connect() as conn:
                rows = (await conn.execute(sa.text("SELECT through, latest, in_step FROM loop_judged WHERE "
                                                   "service_id = ANY(:ids)"), {"ids": everyone})).all()
            needed = [end - 2 * DAY if in_step else min(end - 2 * DAY, day_end(latest) - DAY)
                      for _, latest, in_step in rows]
            return len(rows) == len(everyone) and all(t is not None and t >= n for (t, _, _), n in zip(rows, needed))

        everyone = [UUID(s) for ids in (single, bulk) for s in ids.values()]
        engine = create_async_engine(metrics_database)
        try:
            await eventually(judged, timeout_s=60, app=app)
        finally:
            await engine.dispose()

        for shape in shapes:
            by_calls = await opportunities(client, reader, single[shape])
            by_import = await opportunities(client, reader, bulk[shape])
            assert by_import == by_calls, json.dumps({"shape": shape, "import": by_import, "calls": by_calls}, default=str)
            assert await figures(client, reader, bulk[shape]) == await figures(client, reader, single[shape]), shape

        found = await opportunities(client, reader, single["regression"])
        rising = [o for o in found if o["rule"] == "recurring_incidents"]
        assert [o["category"] for o in rising] == ["db"], found
        detected = datetime.fromisoformat(rising[0]["detected_day"]).replace(tzinfo=UTC)
        assert START + DAY * CALM_DAYS < detected <= START + DAY * (CALM_DAYS + RISE_DAYS + 1)
        assert float(rising[0]["observed"]) > 2 * float(rising[0]["baseline"]) > 0
        assert await opportunities(client, reader, single["plain"]) == []
