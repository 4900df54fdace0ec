"""The local stack: PostgreSQL and Kafka (given or started here) and the services as processes.

The databases and migrations are the runtime's (`continuum.operations`, `continuum migrate`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from continuum.config import LOCAL_KAFKA_PORT, LOCAL_POSTGRES_PORT
from continuum.progress import say, step
from continuum.service import ServiceEntry
from continuum_dev.infra.kafka import LocalKafka
from continuum_dev.infra.postgres import LocalPostgres

HTTP_PROTOCOL = "continuum.http.server:LimitedHttpToolsProtocol"  # httptools with header limits (HTTP__MAX_HEADER*)


@dataclass
class Infrastructure:
    """PostgreSQL and Kafka: the ones named by DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS, else private ones."""

    state_dir: Path
    postgres_port: int = LOCAL_POSTGRES_PORT
    kafka_port: int = LOCAL_KAFKA_PORT
    controller_port: int = LOCAL_KAFKA_PORT + 1
    durable: bool = True
    database_url: str | None = field(default_factory=lambda: os.environ.get("DATABASE_URL"))
    kafka_bootstrap_servers: str | None = field(default_factory=lambda: os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    postgres: LocalPostgres | None = None
    kafka: LocalKafka | None = None

    def start(self) -> None:
        if self.database_url:
            say("using the PostgreSQL server of DATABASE_URL")
        else:
            self.postgres = LocalPostgres(state_dir=self.state_dir, port=self.postgres_port, durable=self.durable)
            self.database_url = self.postgres.start()
        if self.kafka_bootstrap_servers:
            say(f"using the Kafka cluster of KAFKA_BOOTSTRAP_SERVERS: {self.kafka_bootstrap_servers}")
        else:
            self.kafka = LocalKafka(state_dir=self.state_dir, port=self.kafka_port,
                                    controller_port=self.controller_port)
            self.kafka_bootstrap_servers = self.kafka.start()

    def stop(self) -> None:
        if self.kafka is not None:
            self.kafka.stop()
        if self.postgres is not None:
            self.postgres.stop()


@dataclass
class ServiceProcesses:
    """The services as uvicorn processes; Ctrl-C stops them (and then the infrastructure)."""

    services: list[ServiceEntry]
    environment: dict[str, str]
    host: str = "127.0.0.1"
    ports: dict[str, int] = field(default_factory=dict)
    processes: list[subprocess.Popen] = field(default_factory=list)

    def port(self, service: ServiceEntry) -> int:
        """The service's port: DESIGN's fixed one unless overridden (tests run on free ports)."""
        return self.ports.get(service.spec.name, service.spec.port)

    def start(self) -> None:
        for service in self.services:
            command = [sys.executable, "-m", "uvicorn", "--factory", service.app_factory, "--http", HTTP_PROTOCOL,
                       "--host", self.host, "--port", str(self.port(service)), "--no-access-log"]
            self.processes.append(subprocess.Popen(command, env={**os.environ, **self.environment}))
        with step("waiting for the services to answer /healthz"):
            for service in self.services:
                self._wait_healthy(service)

    def _wait_healthy(self, service: ServiceEntry, timeout_s: float = 60) -> None:
        url = f"http://{self.host}:{self.port(service)}/healthz"
        wait_until_answered(url, self.processes[self.services.index(service)], service.spec.name, timeout_s)

    def wait(self) -> None:
        while all(process.poll() is None for process in self.processes):
            time.sleep(0.5)
        say("a service exited; stopping the others")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_until_answered(url: str, process: subprocess.Popen, name: str, timeout_s: float = 60) -> None:
    """Until `url` answers 200; a RuntimeError when `process` exits first or `timeout_s` passes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} before answering {url}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{name} did not answer {url} within {timeout_s:.0f}s")
