"""project-svc in-process over HTTP, on the real PostgreSQL and Kafka, with its relay and consumer running."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaProducer

from continuum.contracts import catalog
from continuum.kafka.topics import ensure_topics, events_topic
from continuum.service import build_service_app
from project_svc.bootstrap import SPEC, service_parts
from project_svc.config import Config
from project_svc.service_catalog import remember_service
from tests.support.apps import serving, settings_for
from tests.support.kafka import read_topic


@pytest.fixture
async def service(database_url, kafka_settings, auth_settings):
    """The app and its client; a service name of its own gives it its own consumer group."""
    config = settings_for(Config, database_url=database_url, kafka=kafka_settings, auth=auth_settings)
    spec = replace(SPEC, name=f"project-svc-{uuid.uuid4().hex[:8]}")
    app = build_service_app(spec=spec, config=config, parts=service_parts(config))
    async with serving(app) as client:
        yield app, client


@pytest.fixture
def client(service):
    return service[1]


@pytest.fixture
def known_services(service):
    """Make services known to project-svc as its consumer would on their ServiceRegistered (no Kafka round trip)."""
    app = service[0]

    async def register(*service_ids: str) -> None:
        async with app.state.engine.connect() as conn:
            for service_id in service_ids:
                await remember_service(conn, service_id=uuid.UUID(service_id), name=f"service {service_id[:8]}",
                                       retired=False, at=datetime.now(UTC))
            await conn.commit()

    return register


@pytest.fixture
def as_role(issue_token):
    def headers(*roles: str, subject: str = "tester") -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(*roles, subject=subject)}"}

    return headers


@pytest.fixture
async def producer(kafka_settings):
    await ensure_topics(kafka_settings, [events_topic("handover"), events_topic("metrics"), events_topic("service")])
    producer = AIOKafkaProducer(bootstrap_servers=kafka_settings.bootstrap_servers)
    await producer.start()
    yield producer
    await producer.stop()


async def publish(producer, contract, payload, *, ce_id: str | None = None, key: str) -> str:
    """Send one contract-valid CloudEvent, as another context's relay would."""
    catalog.parse(contract, payload)
    ce_id = ce_id or str(uuid.uuid4())
    headers = [("ce_specversion", b"1.0"), ("ce_id", ce_id.encode()), ("ce_source", b"/continuum/test"),
               ("ce_type", contract.ce_type().encode()), ("ce_subject", key.encode()),
               ("ce_time", b"2026-03-01T00:00:00+00:00"), ("content-type", b"application/json")]
    await producer.send_and_wait(contract.topic(), json.dumps(payload, default=str).encode(), key=key.encode(),
                                 headers=headers)
    return ce_id


async def eventually(check, timeout_s: float = 40, interval_s: float = 0.2):
    """The first truthy result of `check()`, polled until the timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = await check()
        if result:
            return result
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(interval_s)


async def messages_of(bootstrap: str, topic: str, key: str, count: int, timeout_s: float = 30):
    """The messages of one aggregate on a topic, once at least `count` of them arrived."""
    async def mine():
        messages = await read_topic(bootstrap, topic, expect=0, settle_s=0.5, timeout_s=5)
        found = [m for m in messages if m.key == key.encode()]
        return found if len(found) >= count else None

    return await eventually(mine, timeout_s)
