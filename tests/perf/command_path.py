"""Scenario 1: the command path over HTTP — service-svc's `POST /incidents` (loads the service's SLA, checks
the rules, appends at the expected version, commits, 201) — against a bare FastAPI + asyncpg endpoint
inserting one row into a table shaped like `events`; both driven by the same load process at 32 connections.
Scenario 7 reads the service's peak RSS while it runs."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from continuum.config import AuthSettings
from continuum.http.auth import issue_dev_token
from continuum.operations import discover_services, prepare_databases
from continuum_dev.stack import HTTP_PROTOCOL, wait_until_answered
from continuum_dev.testing.plugin import free_port

ROOT = Path(__file__).parents[2]
SUBJECT = "bench"  # the token's sub: the owner it registers its services with (docs/security.md, service-svc)
SLA = {"availability_target_pct": "99.5", "csat_target_pct": "80",
       "targets": {p: {"response_minutes": 60, "resolution_minutes": 480} for p in ("P1", "P2", "P3", "P4")}}


@dataclass(frozen=True)
class LoadResult:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    peak_rss_mb: float | None = None


def _serve(app_factory: str, port: int, environment: dict[str, str], *, http: str = HTTP_PROTOCOL) -> subprocess.Popen:
    """A service is served as `continuum run` serves it: with its header-limited protocol (HTTP_PROTOCOL)."""
    command = [sys.executable, "-m", "uvicorn", "--factory", app_factory, "--http", http,
               "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    return subprocess.Popen(command, env={**os.environ, **environment}, cwd=ROOT)


def _drive(url: str, body: dict, token: str | None, requests: int) -> dict:
    command = [sys.executable, "-m", "tests.perf.load", "--url", url, "--body", json.dumps(body),
               "--concurrency", "32", "--requests", str(requests)]
    if token:
        command += ["--token", token]
    output = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def serving_service_svc(database_url: str, kafka: str, tmp: Path) -> Iterator[tuple[subprocess.Popen, str, str]]:
    """service-svc as a process on a free port, its database prepared: (the process, its URL, a token of a service
    owner and support agent)."""
    service = next(s for s in discover_services() if s.spec.name == "service-svc")
    prepare_databases(database_url, [service])
    auth = AuthSettings(dev_signing_key_path=tmp / "bench-key.pem")
    token = issue_dev_token(auth, subject=SUBJECT, roles=["service_owner", "support_agent"])
    port = free_port()
    process = _serve(service.app_factory, port, {"DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": kafka,
                                                 "AUTH__DEV_SIGNING_KEY_PATH": str(auth.dev_signing_key_path),
                                                 "DATABASE__POOL_SIZE": "20"})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answered(f"{base}/healthz", process, base)
        yield process, base, token
    finally:
        process.terminate()
        process.wait(20)


def continuum_command_path(database_url: str, kafka: str, tmp: Path, *, requests: int) -> LoadResult:
    with serving_service_svc(database_url, kafka, tmp) as (process, base, token):
        headers = {"Authorization": f"Bearer {token}"}
        registration = {"name": "Bench", "description": "bench", "owner": SUBJECT, "demanded_by": "bench",
                        "expected_volume": "lots"}
        created = httpx.post(f"{base}/services", json=registration, headers=headers)
        created.raise_for_status()
        service_id = created.json()["id"]
        httpx.post(f"{base}/services/{service_id}/define-sla", json=SLA, headers=headers).raise_for_status()
        body = {"service_id": service_id, "priority": "P3", "category": "bench", "title": "bench", "outage": False}
        _drive(f"{base}/incidents", body, token, requests // 5)  # warm-up
        result = _drive(f"{base}/incidents", body, token, requests)
        return LoadResult(result["rps"], result["p50_ms"], result["p99_ms"], result["errors"],
                          _peak_rss_mb(process.pid))


def baseline_command_path(database_url: str, *, requests: int) -> LoadResult:
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    port = free_port()
    process = _serve("tests.perf.baseline_app:app", port, {"BASELINE_DSN": dsn}, http="httptools")  # bare uvicorn
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answered(f"{base}/docs", process, base)
        body = {"title": "bench", "priority": "P3"}
        _drive(f"{base}/items", body, None, requests // 5)
        result = _drive(f"{base}/items", body, None, requests)
        return LoadResult(result["rps"], result["p50_ms"], result["p99_ms"], result["errors"])
    finally:
        process.terminate()
        process.wait(20)


async def command_path_pair(database_url: str, baseline_url: str, kafka: str, tmp: Path, *,
                            requests: int) -> tuple[LoadResult, LoadResult]:
    ours = await asyncio.to_thread(continuum_command_path, database_url, kafka, tmp, requests=requests)
    theirs = await asyncio.to_thread(baseline_command_path, baseline_url, requests=requests)
    return ours, theirs
