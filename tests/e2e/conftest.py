"""The four services as real processes (uvicorn) over the session's PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from continuum.operations import discover_services, prepare_databases
from continuum_dev.stack import Infrastructure, ServiceProcesses
from continuum_dev.testing.plugin import free_port


@pytest.fixture(scope="package")  # stopped after tests/e2e: its consumer groups are the services' real ones
def running_system(infrastructure: Infrastructure, auth_settings) -> ServiceProcesses:
    services = discover_services()
    prepare_databases(infrastructure.database_url, services)
    processes = ServiceProcesses(
        services=services,
        environment={
            "DATABASE_URL": infrastructure.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": infrastructure.kafka_bootstrap_servers,
            "AUTH__DEV_SIGNING_KEY_PATH": str(auth_settings.dev_signing_key_path),
            "ENVIRONMENT": "test",
            "BENEFITS__CHECK_INTERVAL_S": "1",  # metrics-svc: due benefit measurements are taken within a second
        },
        ports={service.spec.name: free_port() for service in services},
    )
    try:
        processes.start()
        yield processes
    finally:
        processes.stop()


@pytest_asyncio.fixture(scope="package", loop_scope="session")
async def system(running_system: ServiceProcesses) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """An HTTP client per service, by name (`system["project-svc"]`)."""
    clients = {
        service.spec.name: httpx.AsyncClient(base_url=f"http://127.0.0.1:{running_system.port(service)}", timeout=10)
        for service in running_system.services
    }
    yield clients
    await asyncio.gather(*(client.aclose() for client in clients.values()))
