"""Scenario 10 (issue 21 part 2): a service's incident history imported in bulk (`POST
/services/{id}/import-incidents`, NDJSON bodies under the platform's 1 MiB limit, 2 in flight) against the same
kind of history sent one HTTP call per command (`POST /incidents`, `/acknowledge`, `/resolve` with `occurred_at`,
24 in flight, as issue 21 measured it), on one service-svc process in the same run.

The single-call path is sampled over a subset (`sampled` incidents) and its rate extrapolated: at ~100 commands/s,
100k incidents would take an hour. Both rates count events stored (answered) and events published (the relay's
checkpoint past the last of them). Then metrics-svc starts on the filled topic and its consumer's time to the end
of it is measured (its projection rate of the imported history, from a backlog).
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy.ext.asyncio import create_async_engine

from continuum.config import AuthSettings, DatabaseSettings, KafkaSettings
from continuum.http.auth import issue_dev_token
from continuum.operations import discover_services, prepare_databases
from continuum.relay import relay_lag
from continuum_dev.stack import ServiceProcesses
from continuum_dev.testing.plugin import free_port
from tests.perf.command_path import SLA, SUBJECT
from tests.perf.end_to_end import _drop_databases, clean_kafka

BODY_LIMIT = 1_000_000  # under the platform's 1 MiB request limit
IN_FLIGHT_BULK = 2
IN_FLIGHT_SINGLE = 24
START = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class PathResult:
    incidents: int
    commands: int
    events: int
    stored_s: float
    published_s: float
    errors: int

    @property
    def stored_rate(self) -> float:
        return self.events / self.stored_s

    @property
    def published_rate(self) -> float:
        return self.events / self.published_s


@dataclass(frozen=True)
class BulkResult:
    bulk: PathResult
    single: PathResult
    metrics_events: int
    metrics_s: float

    @property
    def metrics_rate(self) -> float:
        return self.metrics_events / self.metrics_s if self.metrics_s else float("nan")


def history(count: int, *, seed: int = 21, days: int = 180) -> list[list[dict]]:
    """`count` incidents over `days`: each one's open, acknowledge and resolve lines (ServiceNow-like numbers)."""
    rng = random.Random(seed)
    incidents = []
    for number in range(count):
        opened = START + timedelta(seconds=rng.uniform(0, days * 86_400))
        acknowledged = opened + timedelta(minutes=rng.uniform(1, 50))
        resolved = acknowledged + timedelta(minutes=rng.uniform(10, 400))
        ref = f"INC{number:07d}"
        incidents.append([
            {"ref": ref, "command": "open", "occurred_at": opened.isoformat(), "priority": rng.choice(["P2", "P3", "P4"]),
             "category": rng.choice(["network", "mail", "hardware", "access"]), "title": f"{ref} reported"},
            {"ref": ref, "command": "acknowledge", "occurred_at": acknowledged.isoformat()},
            {"ref": ref, "command": "resolve", "occurred_at": resolved.isoformat(), "resolution_code": "fixed"},
        ])
    return incidents


def bodies(incidents: list[list[dict]]) -> list[bytes]:
    """NDJSON bodies under the limit, each incident's lines in one body."""
    found, current, size = [], [], 0
    for lines in incidents:
        text = "".join(json.dumps(line) + "\n" for line in lines).encode()
        if current and size + len(text) > BODY_LIMIT:
            found.append(b"".join(current))
            current, size = [], 0
        current.append(text)
        size += len(text)
    return [*found, b"".join(current)] if current else found


async def bulk_vs_single(server_url: str, kafka: KafkaSettings, tmp: Path, *, incidents: int,
                         sampled: int) -> BulkResult:
    services = {s.spec.name: s for s in discover_services()}
    await clean_kafka(kafka)
    await _drop_databases(server_url, ["continuum_service", "continuum_metrics"])
    await asyncio.to_thread(prepare_databases, server_url, [services["service-svc"], services["metrics-svc"]])
    auth = AuthSettings(dev_signing_key_path=tmp / "bench-key.pem")
    token = issue_dev_token(auth, subject=SUBJECT, roles=["integration", "service_owner"])
    environment = {"DATABASE_URL": server_url, "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
                   "AUTH__DEV_SIGNING_KEY_PATH": str(auth.dev_signing_key_path), "DATABASE__POOL_SIZE": "30",
                   "DEADLINE_WATCH__ENABLED": "false"}
    service_url = DatabaseSettings(url=server_url).url_for("continuum_service")
    svc = ServiceProcesses(services=[services["service-svc"]], environment=environment,
                           ports={"service-svc": free_port()})
    await asyncio.to_thread(svc.start)
    try:
        base = f"http://127.0.0.1:{svc.port(services['service-svc'])}"
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"},
                                     timeout=300) as client:
            single = await _single_calls(client, service_url, await _service(client, "Single calls"),
                                         history(sampled, seed=7))
            bulk = await _bulk(client, service_url, await _service(client, "Bulk"), history(incidents))
    finally:
        await asyncio.to_thread(svc.stop)
    metrics_events, metrics_s = await _metrics_projection(services["metrics-svc"], environment, kafka,
                                                          published=await _event_count(service_url))
    return BulkResult(bulk, single, metrics_events, metrics_s)


async def _service(client: httpx.AsyncClient, name: str) -> str:
    registration = {"name": name, "description": "bench", "owner": SUBJECT, "demanded_by": "bench",
                    "expected_volume": "lots"}
    created = await client.post("/services", json=registration)
    created.raise_for_status()
    service_id = created.json()["id"]
    (await client.post(f"/services/{service_id}/define-sla", json=SLA)).raise_for_status()
    return service_id


async def _bulk(client: httpx.AsyncClient, database_url: str, service_id: str, incidents: list[list[dict]]
                ) -> PathResult:
    sent = bodies(incidents)
    before = await _event_count(database_url)
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in sent:
        queue.put_nowait(body)
    errors = 0

    async def sender() -> None:
        nonlocal errors
        while not queue.empty():
            body = queue.get_nowait()
            response = await client.post(f"/services/{service_id}/import-incidents", content=body,
                                         headers={"Content-Type": "application/x-ndjson"})
            counts = json.loads(response.text.strip().splitlines()[-1]).get("summary", {}) \
                if response.status_code == 200 else {}
            errors += counts.get("rejected", 0) if counts else body.count(b"\n")

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(IN_FLIGHT_BULK)))
    stored_s = time.perf_counter() - started
    published_s = await _until_published(database_url, started)
    events = await _event_count(database_url) - before
    print(f"[bench] scenario 10 bulk: {len(incidents)} incidents in {len(sent)} requests, {events} events, "
          f"stored in {stored_s:.1f} s, published in {published_s:.1f} s, {errors} lines refused", file=sys.stderr)
    return PathResult(len(incidents), sum(map(len, incidents)), events, stored_s, published_s, errors)


async def _single_calls(client: httpx.AsyncClient, database_url: str, service_id: str,
                        incidents: list[list[dict]]) -> PathResult:
    queue: asyncio.Queue[list[dict]] = asyncio.Queue()
    for lines in incidents:
        queue.put_nowait(lines)
    before = await _event_count(database_url)
    errors = 0

    async def worker() -> None:
        nonlocal errors
        while not queue.empty():
            opening, acknowledging, resolving = queue.get_nowait()
            body = {key: opening[key] for key in ("priority", "category", "title", "occurred_at")}
            opened = await _post(client, "/incidents", {**body, "service_id": service_id, "outage": False})
            if opened.status_code != 201:
                errors += 3
                continue
            incident = opened.json()["id"]
            ack = await _post(client, f"/incidents/{incident}/acknowledge",
                              {"occurred_at": acknowledging["occurred_at"]})
            resolved = await _post(client, f"/incidents/{incident}/resolve",
                                   {"occurred_at": resolving["occurred_at"], "resolution_code": "fixed"})
            errors += (ack.status_code != 200) + (resolved.status_code != 200)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT_SINGLE)))
    stored_s = time.perf_counter() - started
    published_s = await _until_published(database_url, started)
    events = await _event_count(database_url) - before
    print(f"[bench] scenario 10 single calls: {len(incidents)} incidents, {3 * len(incidents)} calls, {events} events, "
          f"stored in {stored_s:.1f} s, published in {published_s:.1f} s, {errors} calls failed", file=sys.stderr)
    return PathResult(len(incidents), 3 * len(incidents), events, stored_s, published_s, errors)


async def _post(client: httpx.AsyncClient, path: str, body: dict) -> httpx.Response:
    """One call, retried with its Idempotency-Key if the connection broke (a loaded machine resets some)."""
    key = str(uuid.uuid4())
    for attempt in range(3):
        try:
            return await client.post(path, json=body, headers={"Idempotency-Key": key})
        except httpx.TransportError:
            if attempt == 2:
                raise
            await asyncio.sleep(0.5)
    raise AssertionError("unreachable")


async def _event_count(database_url: str) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return (await conn.exec_driver_sql("SELECT count(*) FROM events")).scalar_one()
    finally:
        await engine.dispose()


async def _until_published(database_url: str, started: float, timeout_s: float = 600) -> float:
    """Seconds from `started` until the relay's checkpoint is past every committed event."""
    engine = create_async_engine(database_url)
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            async with engine.connect() as conn:
                pending, _ = await relay_lag(conn, relay="service-svc")
            if pending == 0:
                return time.perf_counter() - started
            await asyncio.sleep(0.05)
        raise TimeoutError("the relay did not catch up")
    finally:
        await engine.dispose()


async def _metrics_projection(metrics, environment: dict[str, str], kafka: KafkaSettings, *,
                              published: int) -> tuple[int, float]:
    """metrics-svc from a cold start on the filled service topic (`published` messages, every event of
    service-svc's store): (messages, seconds until its consumer group committed them all)."""
    topic = "continuum.service.events"
    total = published
    processes = ServiceProcesses(services=[metrics], environment=environment, ports={"metrics-svc": free_port()})
    started = time.perf_counter()
    await asyncio.to_thread(processes.start)
    try:
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
        await admin.start()
        try:
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                if await _committed(admin, topic) >= total:
                    return total, time.perf_counter() - started
                await asyncio.sleep(0.5)
            print("[bench] scenario 10: metrics-svc did not reach the end of the topic in 900 s", file=sys.stderr)
            return await _committed(admin, topic), time.perf_counter() - started
        finally:
            await admin.close()
    finally:
        await asyncio.to_thread(processes.stop)


async def _committed(admin: AIOKafkaAdminClient, topic: str) -> int:
    """The messages of `topic` metrics-svc's consumer group has committed."""
    groups = [group[0] for group in await admin.list_consumer_groups() if "metrics" in group[0]]
    committed = 0
    for group in groups:
        offsets = await admin.list_consumer_group_offsets(group)
        committed = max(committed, sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic))
    return committed


async def _main(incidents: int, sampled: int, state_dir: Path) -> None:
    from continuum_dev.stack import Infrastructure

    infra = Infrastructure(state_dir=state_dir, postgres_port=free_port(), kafka_port=free_port(),
                           controller_port=free_port(), durable=True)
    await asyncio.to_thread(infra.start)
    try:
        kafka = KafkaSettings(bootstrap_servers=infra.kafka_bootstrap_servers, partitions=3)
        result = await bulk_vs_single(infra.database_url, kafka, state_dir, incidents=incidents, sampled=sampled)
        print(json.dumps({"bulk_stored": result.bulk.stored_rate, "bulk_published": result.bulk.published_rate,
                          "single_stored": result.single.stored_rate,
                          "single_published": result.single.published_rate,
                          "ratio_published": result.bulk.published_rate / result.single.published_rate,
                          "metrics": result.metrics_rate, "metrics_events": result.metrics_events}))
    finally:
        await asyncio.to_thread(infra.stop)


if __name__ == "__main__":  # a targeted run outside make bench: python -m tests.perf.bulk_import 20000 500
    arguments = sys.argv[1:]
    asyncio.run(_main(int(arguments[0]) if arguments else 100_000, int(arguments[1]) if len(arguments) > 1 else 1_000,
                      Path(__file__).parents[2] / ".run" / "bench-bulk"))
