"""handover-svc in-process over HTTP, on a fresh database, with its relay and consumer on the real Kafka."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import create_async_engine

from continuum import migrations
from continuum.contracts import catalog
from continuum.contracts.base import EventContract
from continuum_dev.testing.plugin import create_database

from handover_svc import read_model
from handover_svc.bootstrap import SERVICE
from handover_svc.config import Config
from handover_svc.main import create_app
from tests.support.apps import serving, settings_for


@pytest.fixture
async def handover_database(infrastructure) -> str:
    url = await create_database(infrastructure.database_url, f"handover_{uuid.uuid4().hex[:12]}")
    await asyncio.to_thread(migrations.upgrade, migrations_dir=SERVICE.migrations, database_url=url)
    return url


async def _serving(config: Config):
    app = create_app(config)
    async with serving(app) as client:
        await asyncio.wait_for(app.state.platform.kafka_topics_ready.wait(), 30)
        yield client


@pytest.fixture
async def client(handover_database, kafka_settings, auth_settings):
    """The app over HTTP with its relay, without its consumer (joining the consumer group costs seconds)."""
    config = settings_for(Config, database_url=handover_database, kafka=kafka_settings, auth=auth_settings)
    config = config.model_copy(update={"consumer": config.consumer.model_copy(update={"enabled": False})})
    async for client in _serving(config):
        yield client


@pytest.fixture
async def consuming_client(handover_database, kafka_settings, auth_settings):
    """The app over HTTP with its relay and its consumer of the project and service topics."""
    config = settings_for(Config, database_url=handover_database, kafka=kafka_settings, auth=auth_settings)
    async for client in _serving(config):
        yield client


@pytest.fixture
async def database(handover_database):
    engine = create_async_engine(handover_database)
    yield engine
    await engine.dispose()


OWNER = "owner@example.com"


@pytest.fixture
def known(database) -> Callable[..., Awaitable[None]]:
    """`await known(service_id=..., project_id=...)`: what service-svc's and project-svc's events would have taught
    handover-svc (the service exists, in `stage`, with its `owner` if named; the project exists), for tests
    without its consumer."""

    async def learn(*, service_id: uuid.UUID | None = None, project_id: uuid.UUID | None = None,
                    owner: str | None = None, stage: str | None = "transition") -> None:
        async with database.begin() as conn:
            if service_id is not None:
                await read_model.save_service_fact(conn, service_id=service_id, sla_defined=None, owner=owner,
                                                    evidence="", stage=stage)
            if project_id is not None:
                await read_model.save_known_project(conn, project_id)

    return learn


@pytest.fixture
async def producer(kafka_settings):
    producer = AIOKafkaProducer(bootstrap_servers=kafka_settings.bootstrap_servers)
    await producer.start()
    yield producer
    await producer.stop()


@pytest.fixture
def publish(producer) -> Callable[..., Awaitable[str]]:
    """`await publish(contract_instance, key=..., ce_id=...)`: a real CloudEvent on the contract's topic."""

    async def send(event: EventContract, *, key: uuid.UUID, ce_id: str | None = None) -> str:
        ce_id = ce_id or str(uuid.uuid4())
        headers = [
            ("ce_specversion", b"1.0"), ("ce_id", ce_id.encode()), ("ce_source", b"/continuum/test"),
            ("ce_type", event.ce_type().encode()), ("ce_subject", str(key).encode()),
            ("ce_time", datetime.now(UTC).isoformat().encode()), ("content-type", b"application/json"),
        ]
        await producer.send_and_wait(event.topic(), catalog.dump_json(event), key=str(key).encode(), headers=headers)
        return ce_id

    return send


@pytest.fixture
def role(issue_token) -> Callable[[str], dict[str, str]]:
    def headers(*roles: str, subject: str = "tester") -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(*roles, subject=subject)}"}

    return headers


async def eventually(probe: Callable[[], Awaitable[Any]], *, timeout_s: float = 30, what: str = "") -> Any:
    """Poll `probe` until it returns something truthy."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = await probe()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)
