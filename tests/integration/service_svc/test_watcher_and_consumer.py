"""The deadline watcher (each breach once, across restarts) and HandoverAccepted consumed from real Kafka."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from aiokafka import AIOKafkaProducer

from continuum.contracts import catalog
from continuum.contracts.handover import HandoverAcceptedV1
from continuum.kafka.topics import ensure_topics

from tests.integration.service_svc.seed import new_service
from tests.support.apps import serving


async def eventually(condition, *, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def breaches(client, headers, incident_id: str) -> list[dict]:
    history = (await client.get(f"/incidents/{incident_id}/history", headers=headers)).json()
    return [item for item in history["items"] if item["event_type"].endswith("SlaBreached")]


async def test_the_watcher_records_each_breach_once_even_when_restarted(make_app, owner, agent, importer):
    opened_at = (datetime.now(UTC) - timedelta(hours=10)).replace(microsecond=0)
    async with serving(make_app()) as client:
        service = await new_service(client, owner)
        body = {"service_id": service["id"], "priority": "P2", "category": "batch", "title": "Payroll run stuck",
                "outage": False, "occurred_at": opened_at.isoformat()}
        incident = (await client.post("/incidents", json=body, headers=importer)).json()
        later = await client.post("/incidents", json={**body, "occurred_at": None}, headers=agent)
        assert later.status_code == 201

        async def both_recorded() -> bool:
            return len(await breaches(client, agent, incident["id"])) == 2

        await eventually(both_recorded)
    async with serving(make_app()) as client:  # a restarted service: its watcher derives all from the store
        watcher = client._transport.app.state.watcher
        await asyncio.gather(watcher.sweep(), watcher.sweep())
        sweeps = watcher.sweeps

        async def swept_again() -> bool:
            return watcher.sweeps >= sweeps + 2

        await eventually(swept_again)
        recorded = await breaches(client, agent, incident["id"])
        read = (await client.get(f"/incidents/{incident['id']}", headers=agent)).json()
        fresh = (await client.get(f"/incidents/{later.json()['id']}", headers=agent)).json()
    assert [(b["event_type"], b["data"]["breached_at"]) for b in recorded] == [
        ("IncidentResponseSlaBreached", (opened_at + timedelta(minutes=30)).isoformat().replace("+00:00", "Z")),
        ("IncidentResolutionSlaBreached", (opened_at + timedelta(minutes=240)).isoformat().replace("+00:00", "Z")),
    ]
    assert recorded[0]["occurred_at"] == recorded[0]["data"]["breached_at"]
    assert read["response_breached"] and read["resolution_breached"]
    assert not fresh["response_breached"] and not fresh["resolution_breached"]


async def test_an_imported_incident_resolved_in_time_is_not_breached_while_it_is_being_imported(
    make_app, owner, importer
):
    """The import sends the backdated opening, then the resolution: the watcher, sweeping in between, leaves
    the just-changed incident alone (settle_s), so the long-past deadline is not taken for a breach."""
    opened_at = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
    async with serving(make_app(watch=False, settle_s=5)) as client:
        service = await new_service(client, owner)
        watcher = client._transport.app.state.watcher
        body = {"service_id": service["id"], "priority": "P2", "category": "batch", "title": "Imported",
                "outage": False, "occurred_at": opened_at.isoformat()}
        incident = (await client.post("/incidents", json=body, headers=importer)).json()
        assert await watcher.sweep() == 0  # its response deadline passed three days ago, but it just changed
        resolved = await client.post(f"/incidents/{incident['id']}/resolve", headers=importer, json={
            "resolution_code": "fixed", "occurred_at": (opened_at + timedelta(minutes=20)).isoformat()})
        assert resolved.status_code == 200, resolved.text
        assert await breaches(client, importer, incident["id"]) == []


def handover_accepted(service_id: str, handover_id: str) -> tuple[bytes, list[tuple[str, bytes]]]:
    payload = HandoverAcceptedV1(handover_id=UUID(handover_id), service_id=UUID(service_id), accepted_by="alice",
                                 accepted_at=datetime.now(UTC), readiness_score=Decimal("0.9"),
                                 early_life_support_days=30)
    headers = [("ce_specversion", b"1.0"), ("ce_id", str(uuid4()).encode()), ("ce_source", b"/continuum/handover-svc"),
               ("ce_type", HandoverAcceptedV1.ce_type().encode()), ("ce_subject", handover_id.encode()),
               ("ce_time", datetime.now(UTC).isoformat().encode()), ("content-type", b"application/json")]
    return catalog.dump_json(payload), headers


async def test_a_handover_accepted_moves_the_service_to_operation_once(make_app, owner, kafka_settings):
    producer = AIOKafkaProducer(bootstrap_servers=kafka_settings.bootstrap_servers)
    await producer.start()
    app = make_app(watch=False)
    try:
        async with serving(app) as client:
            service = await new_service(client, owner, sla=False)
            url = f"/services/{service['id']}"
            for stage in ("design", "transition"):
                await client.post(f"{url}/change-stage", json={"to_stage": stage, "reason": "ready"}, headers=owner)
            handover = str(uuid4())
            value, headers = handover_accepted(service["id"], handover)
            topic = HandoverAcceptedV1.topic()
            await ensure_topics(kafka_settings, [topic])
            await producer.send_and_wait(topic, value, key=handover.encode(), headers=headers)
            await producer.send_and_wait(topic, value, key=handover.encode(), headers=headers)  # redelivered
            second_value, second_headers = handover_accepted(service["id"], handover)  # sent again, new ce_id
            await producer.send_and_wait(topic, second_value, key=handover.encode(), headers=second_headers)
            status = app.state.platform.consumer.status

            async def all_taken() -> bool:
                return status.handled >= 2 and status.duplicates >= 1

            await eventually(all_taken, timeout_s=60)
            read = (await client.get(url, headers=owner)).json()
            history = (await client.get(f"{url}/history", headers=owner)).json()
    finally:
        await producer.stop()
    assert read["stage"] == "operation"
    into_operation = [item["data"] for item in history["items"] if item["data"].get("to_stage") == "operation"]
    assert into_operation == [{"service_id": service["id"], "from_stage": "transition", "to_stage": "operation",
                               "reason": "handover accepted", "handover_id": handover}]
