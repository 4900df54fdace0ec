"""metrics-svc in-process on the real PostgreSQL and Kafka, and a producer of other contexts' CloudEvents."""

from __future__ import annotations

import asyncio
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime

import pytest
from aiokafka import AIOKafkaProducer

from continuum import migrations
from continuum.contracts.base import EventContract
from continuum.stack import discover_services
from continuum.testing.plugin import create_database
from metrics_svc.config import BenefitsSettings, Config
from metrics_svc.bootstrap import SPEC
from metrics_svc.main import create_app
from tests.support.apps import serving, settings_for


@pytest.fixture
async def metrics_database(infrastructure) -> str:
    entry = next(s for s in discover_services() if s.spec.name == "metrics-svc")
    url = await create_database(infrastructure.database_url, f"metrics_{uuid.uuid4().hex[:12]}")
    await asyncio.to_thread(migrations.upgrade, migrations_dir=entry.migrations, database_url=url)
    return url


@pytest.fixture
def metrics_app(metrics_database, kafka_settings, auth_settings):
    """`async with metrics_app() as app:` metrics-svc running (consumer, relay, routes) until the block ends."""

    @asynccontextmanager
    async def running(check_interval_s: float = 3600, name: str | None = None):
        benefits = BenefitsSettings(window_days=30, check_interval_s=check_interval_s)
        config = settings_for(Config, database_url=metrics_database, kafka=kafka_settings, auth=auth_settings,
                              benefits=benefits)
        # a consumer group of its own: no rebalance with another test's app, and every topic from offset 0
        app = create_app(config, spec=replace(SPEC, name=name or f"metrics-svc-{uuid.uuid4().hex[:8]}"))
        async with serving(app) as client:
            await asyncio.wait_for(app.state.platform.kafka_topics_ready.wait(), timeout=60)
            app.state.test_client = client
            yield app

    return running


@pytest.fixture
async def metrics(metrics_app):
    async with metrics_app() as app:
        yield app, app.state.test_client


@pytest.fixture
async def producer(kafka_settings):
    producer = AIOKafkaProducer(bootstrap_servers=kafka_settings.bootstrap_servers)
    await producer.start()
    yield producer
    await producer.stop()


class Publisher:
    """Produces contract instances as CloudEvents (binary mode), as the other services' relays would."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer
        self.sent: set[str] = set()

    async def __call__(self, event: EventContract, *, at: datetime, subject: uuid.UUID,
                       event_id: str | None = None) -> str:
        event_id = event_id or str(uuid.uuid4())
        headers = [("ce_specversion", b"1.0"), ("ce_id", event_id.encode()), ("ce_source", b"/continuum/test"),
                   ("ce_type", event.ce_type().encode()), ("ce_subject", str(subject).encode()),
                   ("ce_time", at.isoformat().encode()), ("content-type", b"application/json")]
        await self.producer.send_and_wait(event.topic(), event.model_dump_json().encode(), key=str(subject).encode(),
                                          headers=headers)
        self.sent.add(event_id)
        return event_id


@pytest.fixture
def publish(producer) -> Publisher:
    return Publisher(producer)


async def eventually(probe, *, timeout_s: float = 45, interval_s: float = 0.2, app=None):
    """Polls `probe()` until it returns something truthy."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = await probe()
        if result:
            return result
        status = app.state.platform.consumer.status if app is not None else None
        assert time.monotonic() < deadline, f"timed out waiting for the consumer ({status})"
        await asyncio.sleep(interval_s)
