"""kill -9 of the delivering metrics-svc process under load (issue #21): the receiver gets every event, in order
per subject, and an event twice only where a POST was cut (at least once, checked by event id).

metrics-svc runs as a real uvicorn process (as tests/reliability runs the services) on the session's PostgreSQL
and Kafka, with a database and consumer groups of its own; only that process is killed.
"""

from __future__ import annotations

import asyncio
import uuid
from itertools import groupby

import httpx
import pytest

from continuum.operations import discover_services
from continuum_dev.testing.plugin import free_port
from tests.integration.metrics_svc.test_webhooks import (
    Receiver,
    auth,
    commit_at_the_end,
    owner_assigned,
    publish_many,
    until,
)
from tests.reliability.stack import ServiceProcess

SUBJECTS, EVENTS_PER_SUBJECT, KILLS = 8, 10, 1
pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def metrics_process(database_url: str, kafka, auth_settings, log_file) -> ServiceProcess:
    entry = next(s for s in discover_services() if s.spec.name == "metrics-svc")
    environment = {"DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
                   "KAFKA__PARTITIONS": str(kafka.partitions), "ENVIRONMENT": "test",
                   "AUTH__DEV_SIGNING_KEY_PATH": str(auth_settings.dev_signing_key_path),
                   "CONSUMER__RETRY_BACKOFF_MAX_S": "1", "WEBHOOKS__POLL_INTERVAL_S": "0.05",
                   "WEBHOOKS__TIMEOUT_S": "1", "WEBHOOKS__LEASE_S": "2", "WEBHOOKS__BACKOFF_BASE_S": "0.05",
                   "WEBHOOKS__BACKOFF_MAX_S": "0.3"}
    return ServiceProcess(entry=entry, port=free_port(), environment=environment, log_file=log_file)


def collapsed(ids: list[str]) -> list[str]:
    """A subject's received ids with back-to-back repeats (a cut POST sent again) taken as one."""
    return [key for key, _ in groupby(ids)]


async def test_kill_9_of_the_delivering_process_loses_nothing_and_keeps_order_per_subject(
        metrics_database, kafka_settings, auth_settings, issue_token, producer, tmp_path):
    receiver = Receiver()
    receiver.delay_s["load"] = 0.25  # POSTs take a while: the kill cuts those in flight
    await receiver.start()
    for group in ("continuum.metrics-svc", "continuum.metrics-svc.webhooks"):
        await commit_at_the_end(kafka_settings, group)
    service = metrics_process(metrics_database, kafka_settings, auth_settings, tmp_path / "metrics-svc.log")
    token = issue_token("integration", subject="loader")
    subjects = [uuid.uuid4() for _ in range(SUBJECTS)]
    try:
        await asyncio.to_thread(service.start)
        async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
            created = await client.post("/webhook-subscriptions", headers=auth(token), json={
                "target_url": receiver.url("load"), "subjects": [str(s) for s in subjects]})
            assert created.status_code == 201, created.text
            receiver.secrets["load"] = [created.json()["secret"]]
        sent = await publish_many(producer, [(owner_assigned(subject, n), subject)
                                             for n in range(EVENTS_PER_SUBJECT) for subject in subjects])
        total = SUBJECTS * EVENTS_PER_SUBJECT
        for kill in range(1, KILLS + 1):  # kill -9 while it delivers, start it again
            before_kill = total * kill // (KILLS + 1)
            await until(lambda: len(receiver.ids("load")) >= before_kill, timeout_s=60,  # noqa: B023 (awaited here)
                        what=f"deliveries before kill {kill}")
            await asyncio.to_thread(service.kill)
            await asyncio.to_thread(service.start)
        await until(lambda: set(receiver.ids("load")) >= {i for ids in sent.values() for i in ids}, timeout_s=60,
                    what="every event after the kills")
    finally:
        await asyncio.to_thread(service.stop)
        await receiver.stop()
    received = receiver.received["load"]
    duplicates = len(received) - len({event["id"] for event in received})
    for subject, ids in sent.items():
        got = [event["id"] for event in received if event["subject"] == subject]
        assert collapsed(got) == ids, f"subject {subject}: out of order, lost or doubled apart from a cut POST"
    assert duplicates <= KILLS * 8  # at most the POSTs in flight (per-subscription slots) at each kill
    assert not receiver.failures
    print(f"\nwebhooks under kill -9: {len(received)} POSTs for {total} events, {duplicates} sent again "
          f"after {KILLS} kills")
