"""Pytest fixtures over the real PostgreSQL and the real Kafka broker, started once per test session.

Set DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS to test against servers of your own; otherwise private ones
start on free ports under `.run/test/`. Each test gets a fresh database; topics are named per test.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url

from continuum import migrations
from continuum.config import AuthSettings, KafkaSettings
from continuum.http.auth import issue_dev_token
from continuum.operations import discover_services
from continuum_dev.stack import Infrastructure

TEST_STATE_DIR = Path(".run/test")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[Infrastructure]:
    """PostgreSQL and Kafka for the whole session."""
    state_dir = TEST_STATE_DIR / f"session-{uuid.uuid4().hex[:8]}"
    infra = Infrastructure(
        state_dir=state_dir,
        postgres_port=free_port(),
        kafka_port=free_port(),
        controller_port=free_port(),
        durable=False,
    )
    infra.start()
    try:
        yield infra
    finally:
        discard(infra, state_dir)


def discard(infra: Infrastructure, state_dir: Path) -> None:
    """Stop the session's servers and remove their state, which nobody reads again, without waiting on either.

    The broker is killed, not shut down: its graceful shutdown (closing and checkpointing every partition of the
    session's per-test topics) took 15-19 s at the end of every session. The state directory (a database per test)
    is removed by a detached `rm -rf`, which goes on after pytest has exited.
    """
    if infra.kafka is not None:
        infra.kafka.kill()
    infra.stop()  # the broker is gone; PostgreSQL (fsync off) stops in a fraction of a second
    remove_detached(state_dir)


def remove_detached(path: Path) -> None:
    """Remove a directory nobody reads again without waiting: a backgrounded `rm -rf` that may outlive pytest."""
    if not path.exists():
        return
    try:  # the shell backgrounds rm and exits at once: nobody waits on rm
        subprocess.run(["sh", "-c", 'rm -rf -- "$0" </dev/null >/dev/null 2>&1 &', str(path)], check=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def kafka_settings(infrastructure: Infrastructure) -> KafkaSettings:
    return KafkaSettings(bootstrap_servers=infrastructure.kafka_bootstrap_servers, partitions=3)


@pytest.fixture(scope="session")
def auth_settings(tmp_path_factory: pytest.TempPathFactory) -> AuthSettings:
    return AuthSettings(dev_signing_key_path=tmp_path_factory.mktemp("auth") / "dev-signing-key.pem")


@pytest.fixture(scope="session")
def issue_token(auth_settings: AuthSettings):
    """`issue_token("sponsor", subject=...)` → a bearer token signed with the test key."""

    def issue(*roles: str, subject: str = "tester", **overrides) -> str:
        return issue_dev_token(auth_settings, subject=subject, roles=list(roles), **overrides)

    return issue


async def create_database(server_url: str, name: str) -> str:
    admin = make_url(server_url).set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(server_url).set(drivername="postgresql+asyncpg", database=name).render_as_string(
        hide_password=False
    )


@pytest_asyncio.fixture
async def database_url(infrastructure: Infrastructure) -> AsyncIterator[str]:
    """A fresh database with the platform tables, migrated by Alembic as a service's would be."""
    url = await create_database(infrastructure.database_url, f"test_{uuid.uuid4().hex[:12]}")
    service = discover_services()[0]
    await asyncio.to_thread(migrations.upgrade, migrations_dir=service.migrations, database_url=url)
    yield url


@pytest.fixture
def topic_prefix() -> str:
    """A context name no other test uses (topics are `continuum.<context>.events`)."""
    return f"t{uuid.uuid4().hex[:10]}"
