"""Faults on purpose under load, and the ledger holds: nothing acknowledged is lost or applied twice (issue #8).

Each scenario drives commands across the services while it breaks something for real (kill -9 of a service,
the Kafka broker stopped, PostgreSQL restarted, a crash between commit and response), then checks every
acknowledged command in the owning store, on Kafka and in metrics-svc, and prints its figures.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from continuum_dev.failpoints import KILL_AFTER_COMMIT, VARIABLE
from tests.reliability.checks import PUBLISHERS, Figures, verify
from tests.reliability.ledger import Acknowledged, Clients, Ledger, Load, LoadDriver
from tests.reliability.profile import PROFILE
from tests.reliability.stack import FaultyStack

pytestmark = [pytest.mark.slow, pytest.mark.timeout(PROFILE.timeout_s)]


def show(capsys, figures: Figures) -> None:
    with capsys.disabled():
        print("\n" + figures.report())
    assert not figures.lost, figures.report()


async def driver_for(clients: Clients, profile) -> LoadDriver:
    driver = LoadDriver(clients, workers=profile.workers, seed=hash(time.time()) % 1000)
    await driver.prepare()
    return driver


def acknowledged_by(ledger: Ledger) -> Counter[str]:
    return Counter(ack.service for ack in ledger.acknowledged)


async def readiness(stack: FaultyStack) -> dict[str, tuple[int, str, dict]]:
    """Each service's /readyz: (status code, status, checks)."""
    async with httpx.AsyncClient(timeout=10) as client:
        answers = {}
        for name, service in stack.services.items():
            response = await client.get(f"{service.url}/readyz")
            body = response.json()
            answers[name] = (response.status_code, body["status"], body["checks"])
        return answers


async def until_ready(stack: FaultyStack, *, timeout_s: float = 90) -> float:
    """Seconds until every service answers /readyz 200 "ready"."""
    started = time.monotonic()
    while True:
        try:
            if all(status == "ready" for _, status, _ in (await readiness(stack)).values()):
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        assert time.monotonic() - started < timeout_s, f"not ready after {timeout_s}s: {await readiness(stack)}"
        await asyncio.sleep(0.5)


async def test_kill_9_of_each_service_in_turn_during_load(faulty_stack, clients, profile, capsys):
    driver = await driver_for(clients, profile)
    restarts = []
    async with Load(driver):
        await asyncio.sleep(profile.warmup_s)
        for _ in range(profile.kill_rounds):
            for name in faulty_stack.services:
                await faulty_stack.kill_service(name)
                killed_at = time.monotonic()
                await asyncio.sleep(profile.killed_for_s)
                await faulty_stack.start_service(name)
                restarts.append(time.monotonic() - killed_at)
                await asyncio.sleep(profile.between_kills_s)
        fault_over = time.monotonic()
        await asyncio.sleep(profile.after_fault_s)
    figures = await verify(faulty_stack, driver.ledger, scenario="kill -9 of each service", fault_over_at=fault_over,
                           drain_timeout_s=profile.drain_timeout_s)
    figures.extra["kills"] = len(restarts)
    figures.extra["slowest_restart"] = f"{max(restarts):.1f}s"
    show(capsys, figures)
    assert set(acknowledged_by(driver.ledger)) == set(PUBLISHERS), "every publishing service took commands"


async def test_kafka_stopped_during_load_commands_keep_succeeding_and_everything_arrives(
        faulty_stack, clients, profile, capsys):
    driver = await driver_for(clients, profile)
    ledger = driver.ledger
    degraded: dict[str, set[str]] = {name: set() for name in faulty_stack.services}
    relay_failed_after: dict[str, float] = {}
    """Per publisher, seconds into its first outage until its relay reported Kafka's absence (/readyz)."""
    async with Load(driver):
        await asyncio.sleep(profile.warmup_s)
        for _ in range(profile.kafka_outages):
            before, refused_before = acknowledged_by(ledger), sum(ledger.refused.values())
            await faulty_stack.stop_kafka()
            stopped_at = time.monotonic()
            while time.monotonic() - stopped_at < profile.kafka_outage_s:
                for name, (code, status, checks) in (await readiness(faulty_stack)).items():
                    if not checks["kafka"]["ok"]:
                        degraded[name].add(f"{code} {status}")
                    if name in PUBLISHERS and checks["relay"]["last_error"] and name not in relay_failed_after:
                        relay_failed_after[name] = round(time.monotonic() - stopped_at, 1)
                await asyncio.sleep(2)
            during = acknowledged_by(ledger) - before
            refused_during = sum(ledger.refused.values()) - refused_before
            await faulty_stack.start_kafka()
            fault_over = time.monotonic()
            assert all(during[name] > 0 for name in PUBLISHERS), f"commands stopped while Kafka was away: {during}"
            assert refused_during == 0, f"{refused_during} commands refused while Kafka was away: {ledger.refused}"
            # the outage outlasted the relays' publish timeouts: each met a failed send and retried, not only waited
            assert set(relay_failed_after) == set(PUBLISHERS), f"a relay never saw Kafka gone: {relay_failed_after}"
        await asyncio.sleep(profile.after_fault_s)
    figures = await verify(faulty_stack, ledger, scenario="Kafka stopped", fault_over_at=fault_over,
                           drain_timeout_s=profile.drain_timeout_s)
    figures.extra["outage"] = f"{profile.kafka_outages}x{profile.kafka_outage_s:.0f}s"
    figures.extra["acknowledged_during_outage"] = sum(during.values())
    figures.extra["relays_failed_after"] = f"{max(relay_failed_after.values()):.0f}s"
    figures.extra["ready_again"] = f"{await until_ready(faulty_stack):.1f}s"
    show(capsys, figures)
    # a documented departure from 503: the service still takes commands, so readiness says 200 "degraded"
    assert all(seen == {"200 degraded"} for seen in degraded.values()), degraded


async def test_postgres_restarted_during_load_services_recover_and_refuse_with_503(
        faulty_stack, clients, profile, capsys):
    driver = await driver_for(clients, profile)
    ledger = driver.ledger
    recovered = []
    async with Load(driver):
        await asyncio.sleep(profile.warmup_s)
        for _ in range(profile.postgres_restarts):
            await faulty_stack.stop_postgres()
            await asyncio.sleep(profile.postgres_down_s)
            await faulty_stack.start_postgres()
            fault_over = time.monotonic()
            recovered.append(await until_ready(faulty_stack))
            after = acknowledged_by(ledger)
            await asyncio.sleep(profile.after_fault_s)
            resumed = acknowledged_by(ledger) - after
            assert all(resumed[name] > 0 for name in PUBLISHERS), f"commands did not resume: {resumed}"
    figures = await verify(faulty_stack, ledger, scenario="PostgreSQL restarted", fault_over_at=fault_over,
                           drain_timeout_s=profile.drain_timeout_s)
    figures.extra["restarts"] = profile.postgres_restarts
    figures.extra["slowest_recovery"] = f"{max(recovered):.1f}s"
    show(capsys, figures)  # ledger.server_errors (a 500, a 503 that is no problem document) are in figures.lost
    assert ledger.refused.get("503", 0) > 0, "no command met the database outage: the scenario proved nothing"


async def test_a_retry_after_a_kill_between_commit_and_response_has_one_effect(faulty_stack, clients, profile,
                                                                              capsys):
    driver = LoadDriver(clients, workers=1, services_per_worker=1)
    await driver.prepare()
    service_id = driver._workers[0].services[0]
    ledger = Ledger()
    for _ in range(profile.idempotency_kills):
        restarted_at = time.monotonic()
        stream_id = await crash_after_commit_then_retry(faulty_stack, clients, service_id, ledger)
        ledger.acknowledged.append(Acknowledged("service-svc", stream_id, "IncidentOpened", "incidents", 409,
                                                service_id=service_id))
    figures = await verify(faulty_stack, ledger, scenario="kill -9 between commit and response",
                           fault_over_at=restarted_at)
    show(capsys, figures)


async def crash_after_commit_then_retry(stack: FaultyStack, clients: Clients, service_id: UUID,
                                        ledger: Ledger) -> UUID:
    """Open an incident in a service-svc armed to die after the commit, restart it, retry twice: one incident."""
    key, title = f"reliability-{uuid4()}", f"idempotent-{uuid4().hex[:12]}"
    body = {"service_id": str(service_id), "priority": "P3", "category": "disk", "title": title, "outage": False}
    service = stack.services["service-svc"]
    await stack.kill_service("service-svc")
    await stack.start_service("service-svc", **{VARIABLE: KILL_AFTER_COMMIT})
    ledger.sent += 1
    with pytest.raises(httpx.TransportError):  # the process died after the commit, before answering
        await clients.post("service-svc", "/incidents", body, key=key)
    await asyncio.to_thread(service.process.wait, 30)
    assert service.exited() == -9
    await stack.start_service("service-svc")

    retries = [await clients.post("service-svc", "/incidents", body, key=key) for _ in range(2)]
    ledger.sent += len(retries)
    # a documented departure: the response was never stored, so the retry is told the request was accepted
    # (409 naming the stream) rather than given the original 201 again
    assert [r.status_code for r in retries] == [409, 409], [r.text for r in retries]
    assert all(r.json()["type"].endswith("idempotency-key-in-use") for r in retries)
    stream_id = UUID(retries[0].json()["stream_id"])
    assert await incidents_titled(stack, title) == [stream_id], "the incident was opened more than once"
    return stream_id


async def incidents_titled(stack: FaultyStack, title: str) -> list[UUID]:
    conn = await asyncpg.connect(stack.database_of("service-svc"))
    try:
        rows = await conn.fetch("SELECT stream_id FROM events WHERE event_type = 'IncidentOpened' "
                                "AND data->>'title' = $1", title)
    finally:
        await conn.close()
    return [row["stream_id"] for row in rows]
