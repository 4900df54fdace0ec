"""A private system for fault injection: PostgreSQL, Kafka and the four services, each stoppable and restartable.

Nothing here is shared with the session's infrastructure: the faults (kill -9, broker stopped, database
restarted) must not reach other tests. Every part restarts on the same port, as it would in production.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from continuum.config import DatabaseSettings
from continuum.operations import discover_services, prepare_databases
from continuum.service import ServiceEntry
from continuum_dev.infra.kafka import LocalKafka
from continuum_dev.infra.postgres import LocalPostgres
from continuum_dev.stack import HTTP_PROTOCOL
from continuum_dev.testing.plugin import free_port


@dataclass
class ServiceProcess:
    """One service as a uvicorn process that can be killed -9 and started again on its port."""

    entry: ServiceEntry
    port: int
    environment: dict[str, str]
    log_file: Path
    process: subprocess.Popen | None = None

    @property
    def name(self) -> str:
        return self.entry.spec.name

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, **extra_environment: str) -> None:
        """Start the process and wait until it answers /healthz (blocking: call it in a thread from async code)."""
        self.launch(**extra_environment)
        self.wait_healthy()

    def launch(self, **extra_environment: str) -> None:
        """Start the process without waiting for it."""
        # uvicorn through the failpoints' launcher: CONTINUUM_FAILPOINT (start_service's extra environment) can fire
        command = [sys.executable, "-m", "continuum_dev.failpoints", "--factory", self.entry.app_factory,
                   "--http", HTTP_PROTOCOL, "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"]
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(command, env={**os.environ, **self.environment, **extra_environment},
                                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def kill(self) -> None:
        """kill -9: no shutdown hook runs, in-flight requests and transactions are cut."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        self.terminate()
        self.wait_stopped()

    def terminate(self) -> None:
        """SIGTERM: the process shuts down gracefully (wait_stopped waits for it)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait_stopped(self, timeout_s: float = 20) -> None:
        """Wait for a terminated process to exit; kill -9 it after `timeout_s`."""
        if self.process is not None and self.process.poll() is None:
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.kill()

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def wait_healthy(self, timeout_s: float = 90) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_file}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer /healthz within {timeout_s:.0f}s; see {self.log_file}")


@dataclass
class FaultyStack:
    """PostgreSQL, Kafka and the services under `state_dir`, each with stop/kill/start for the scenarios."""

    state_dir: Path
    signing_key: Path
    postgres: LocalPostgres = field(init=False)
    kafka: LocalKafka = field(init=False)
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    reader_headers: dict[str, str] = field(default_factory=dict)
    """A viewer's Authorization header, for the checks' reads."""

    def __post_init__(self) -> None:
        # durable: a PostgreSQL restart must not lose a commit it acknowledged (fsync off would allow that)
        self.postgres = LocalPostgres(state_dir=self.state_dir, port=free_port(), durable=True)
        self.kafka = LocalKafka(state_dir=self.state_dir, port=free_port(), controller_port=free_port(), heap="384m")

    @property
    def database_url(self) -> str:
        return self.postgres.url

    @property
    def bootstrap_servers(self) -> str:
        return self.kafka.bootstrap_servers

    def database_of(self, service: str) -> str:
        """asyncpg DSN of a service's own database."""
        url = DatabaseSettings(url=self.database_url).url_for(self.services[service].entry.spec.database)
        return url.replace("postgresql+asyncpg://", "postgresql://")

    def start(self) -> None:
        with ThreadPoolExecutor(1) as pool:  # the broker starts while PostgreSQL starts and is migrated
            kafka_started = pool.submit(self.kafka.start)
            self.postgres.start()
            entries = discover_services()
            prepare_databases(self.database_url, entries)
            kafka_started.result()
        environment = {
            "DATABASE_URL": self.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
            "AUTH__DEV_SIGNING_KEY_PATH": str(self.signing_key),
            "ENVIRONMENT": "test",
            "CONSUMER__RETRY_BACKOFF_MAX_S": "1",  # rejoin quickly after the broker returns
        }
        for entry in entries:
            self.services[entry.spec.name] = ServiceProcess(
                entry=entry, port=free_port(), environment=environment,
                log_file=self.state_dir / f"{entry.spec.name}.log",
            )
        for service in self.services.values():  # side by side: each start is mostly its own imports
            service.launch()
        for service in self.services.values():
            service.wait_healthy()

    def stop(self) -> None:
        """Stop everything for good. A service gets 3 s to shut down (it takes 0.2-0.3 s), then kill -9: one whose
        consumer is rejoining its group after a kill -9 of its predecessor would otherwise wait for the dead
        member's session to expire (10 s) before it can leave."""
        for service in self.services.values():  # side by side: each waits for its consumer and relay to stop
            service.terminate()
        for service in self.services.values():
            service.wait_stopped(timeout_s=3)
        self.kafka.kill()  # the stack is thrown away: no graceful broker shutdown to wait for
        self.postgres.stop()

    async def kill_service(self, name: str) -> None:
        await asyncio.to_thread(self.services[name].kill)

    async def start_service(self, name: str, **extra_environment: str) -> None:
        await asyncio.to_thread(self.services[name].start, **extra_environment)

    async def stop_kafka(self) -> None:
        await asyncio.to_thread(self.kafka.stop)

    async def start_kafka(self) -> None:
        await asyncio.to_thread(self.kafka.start)

    async def stop_postgres(self) -> None:
        await asyncio.to_thread(self.postgres.stop)

    async def start_postgres(self) -> None:
        await asyncio.to_thread(self.postgres.start)
