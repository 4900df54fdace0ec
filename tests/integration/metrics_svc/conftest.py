"""metrics-svc in-process on the real PostgreSQL and Kafka, and a producer of other contexts' CloudEvents."""

from __future__ import annotations

import asyncio
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from continuum import migrations
from continuum.config import KafkaSettings
from continuum.contracts import catalog
from continuum.contracts.base import EventContract
from continuum.kafka.topics import ensure_topics
from continuum.operations import discover_services
from continuum_dev.testing.plugin import create_database
from metrics_svc.config import BenefitsSettings, Config
from metrics_svc.bootstrap import SPEC
from metrics_svc.consumers import CONSUMES
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
    async def running(check_interval_s: float = 3600, name: str | None = None, from_end: bool = False):
        name = name or f"metrics-svc-{uuid.uuid4().hex[:8]}"
        if from_end:
            await start_at_the_end(kafka_settings, name)
        benefits = BenefitsSettings(check_interval_s=check_interval_s)
        config = settings_for(Config, database_url=metrics_database, kafka=kafka_settings, auth=auth_settings,
                              benefits=benefits)
        # a consumer group of its own: no rebalance with another test's app, and every topic from offset 0 (or,
        # `from_end`, from what the test publishes next); two apps given one name share a group and a database
        app = create_app(config, spec=replace(SPEC, name=name))
        async with serving(app) as client:
            await asyncio.wait_for(app.state.platform.kafka_topics_ready.wait(), timeout=60)
            app.state.test_client = client
            yield app

    return running


async def start_at_the_end(kafka: KafkaSettings, name: str) -> None:
    """Commit the consumer group of metrics-svc `name` at the end of every topic it reads: started after this,
    it sees only what the test publishes next. The loop's business time (the service topic's watermark) is
    then this test's own, not the latest moment any earlier test published."""
    topics = sorted({contract.topic() for contract in CONSUMES})
    await ensure_topics(kafka, topics)
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers, group_id=f"continuum.{name}",
                                enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for topic in topics for p in range(kafka.partitions)]
        consumer.assign(partitions)
        await consumer.commit(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


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


def _headers(event: EventContract, at: datetime, subject: uuid.UUID, event_id: str) -> list[tuple[str, bytes]]:
    return [("ce_specversion", b"1.0"), ("ce_id", event_id.encode()), ("ce_source", b"/continuum/test"),
            ("ce_type", event.ce_type().encode()), ("ce_subject", str(subject).encode()),
            ("ce_time", at.isoformat().encode()), ("content-type", b"application/json")]


class Publisher:
    """Produces contract instances as CloudEvents (binary mode), as the other services' relays would."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer
        self.sent: set[str] = set()

    async def __call__(self, event: EventContract, *, at: datetime, subject: uuid.UUID,
                       event_id: str | None = None) -> str:
        event_id = event_id or str(uuid.uuid4())
        await self.producer.send_and_wait(event.topic(), catalog.dump_json(event), key=str(subject).encode(),
                                          headers=_headers(event, at, subject, event_id))
        self.sent.add(event_id)
        return event_id

    async def many(self, events: list[tuple[EventContract, datetime, uuid.UUID]]) -> None:
        """Produces every event in the order given (so in order per key) and waits until the broker has them all:
        a bulk import."""
        pending = []
        for event, at, subject in events:
            event_id = str(uuid.uuid4())
            pending.append(await self.producer.send(event.topic(), catalog.dump_json(event),
                                                    key=str(subject).encode(),
                                                    headers=_headers(event, at, subject, event_id)))
            self.sent.add(event_id)
        await asyncio.gather(*pending)


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
