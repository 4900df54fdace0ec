"""Scenario 4: end-to-end lag — commands at a steady rate across service-svc and project-svc (open loop, from a
separate process), time from each 2xx response to the commit of metrics-svc's transaction that applied the
command's events (facts and inbox row are written in that one transaction, so its commit is when the KPI
becomes visible). Commit times come from PostgreSQL itself (`track_commit_timestamp`, bench server only), so
no poll interval is added. Baseline: the bare Kafka round trip (acknowledged produce → consumed) at the same
rate and count. Scenario 7 reads the peak RSS (VmHWM) of each of the four services after the run.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from continuum.config import AuthSettings, DatabaseSettings, KafkaSettings
from continuum.http.auth import issue_dev_token
from continuum.kafka.topics import ensure_topics
from continuum.operations import discover_services, prepare_databases
from continuum.relay import asyncpg_dsn
from continuum_dev.stack import ServiceProcesses
from continuum_dev.testing.plugin import free_port
from tests.perf.command_path import SLA, SUBJECT, _peak_rss_mb
from tests.perf.stats import percentile

ROOT = Path(__file__).parents[2]
SERVICES = 20  # incidents spread over this many registered services (one aggregate per command, few conflicts)


@dataclass
class LagResult:
    p50_ms: float
    p99_ms: float
    commit_p50_ms: float  # from the command's own commit (before its 2xx): no client-side delay in it
    commit_p99_ms: float
    commands: int
    errors: int
    missing: int
    offered_rate: float
    answered_rate: float
    peak_rss_mb: dict[str, float] = field(default_factory=dict)


async def enable_commit_timestamps(server_url: str) -> bool:
    """Turn on track_commit_timestamp on the bench's own server; True if it needs a restart to apply."""
    conn = await asyncpg.connect(asyncpg_dsn(_admin_url(server_url)))
    try:
        if await conn.fetchval("SHOW track_commit_timestamp") == "on":
            return False
        await conn.execute("ALTER SYSTEM SET track_commit_timestamp = on")
        return True
    finally:
        await conn.close()


async def require_commit_timestamps(server_url: str) -> None:
    """A server the bench did not start is not reconfigured: it must already track commit timestamps."""
    conn = await asyncpg.connect(asyncpg_dsn(_admin_url(server_url)))
    try:
        if await conn.fetchval("SHOW track_commit_timestamp") != "on":
            raise SystemExit("scenario 4 needs track_commit_timestamp = on on the server of DATABASE_URL "
                             "(or unset DATABASE_URL: the bench then starts its own server)")
    finally:
        await conn.close()


async def lag_run(server_url: str, kafka: KafkaSettings, tmp: Path, *, rate: float, seconds: float) -> LagResult:
    services = discover_services()
    await clean_kafka(kafka)
    await _drop_databases(server_url, [s.spec.database for s in services])
    await asyncio.to_thread(prepare_databases, server_url, services)
    auth = AuthSettings(dev_signing_key_path=tmp / "bench-key.pem")
    token = issue_dev_token(auth, subject=SUBJECT, roles=["service_owner", "support_agent", "project_manager"])
    processes = ServiceProcesses(
        services=services,
        environment={"DATABASE_URL": server_url, "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
                     "AUTH__DEV_SIGNING_KEY_PATH": str(auth.dev_signing_key_path), "DATABASE__POOL_SIZE": "20"},
        ports={s.spec.name: free_port() for s in services},
    )
    await asyncio.to_thread(processes.start)
    try:
        base = {s.spec.name: f"http://127.0.0.1:{processes.port(s)}" for s in services}
        service_ids = await asyncio.to_thread(_register_services, base["service-svc"], token)
        await asyncio.to_thread(_wait_until_known, base["project-svc"], token, service_ids)
        warm = _plan(base, token, service_ids, count=int(rate * 3))
        warm_responses, _ = await asyncio.to_thread(_drive, warm, tmp, rate)
        await _lags(server_url, kafka, services, base, warm_responses)  # waits until metrics-svc consumes them
        plan = _plan(base, token, service_ids, count=int(rate * seconds))
        responses, summary = await asyncio.to_thread(_drive, plan, tmp, rate)
        lags, from_commit, missing = await _lags(server_url, kafka, services, base, responses)
        rss = {s.spec.name: _peak_rss_mb(p.pid) for s, p in zip(processes.services, processes.processes)}
    finally:
        await asyncio.to_thread(processes.stop)
    errors = sum(1 for r in responses if not 200 <= r["status"] < 300)
    print(f"[bench] scenario 4: {len(responses)} commands, {summary['offered_rate']:.0f}/s offered, "
          f"{summary['answered_rate']:.0f}/s answered, {errors} not 2xx,"
          f" {missing} never applied, {summary['held_back']} held back by the in-flight bound", file=sys.stderr)
    return LagResult(_p(lags, 0.5), _p(lags, 0.99), _p(from_commit, 0.5), _p(from_commit, 0.99), len(responses), errors,
                     missing, summary["offered_rate"], summary["answered_rate"], rss)


def _p(samples: list[float], q: float) -> float:
    return percentile(samples, q) if samples else float("nan")


def _register_services(service_url: str, token: str) -> list[str]:
    """Registered with the token's subject as owner: only a service's owner defines its SLA."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    ids = []
    with httpx.Client(base_url=service_url, headers=headers, timeout=30) as client:
        for n in range(SERVICES):
            body = {"name": f"Bench {n}", "description": "bench", "owner": SUBJECT, "demanded_by": "bench",
                    "expected_volume": "lots"}
            created = client.post("/services", json=body)
            created.raise_for_status()
            client.post(f"/services/{created.json()['id']}/define-sla", json=SLA).raise_for_status()
            ids.append(created.json()["id"])
    return ids


def _wait_until_known(project_url: str, token: str, service_ids: list[str], timeout_s: float = 30) -> None:
    """project-svc refuses a project for a service it has not yet learned from Kafka (422 unknown_reference):
    one proposal for all of them, retried until it is accepted, before the plan proposes any."""
    import httpx

    body = {"title": "Bench catalog", "problem_statement": "bench", "business_case": "bench",
            "target_service_ids": service_ids}
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=project_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        while True:
            answer = client.post("/projects", json=body)
            unknown = answer.status_code == 422 and answer.json().get("rule") == "target-services-known"
            if not unknown or time.monotonic() > deadline:
                answer.raise_for_status()
                return
            time.sleep(0.2)


def _plan(base: dict[str, str], token: str, service_ids: list[str], *, count: int) -> list[dict]:
    """Two incidents opened (service-svc) for each project proposed (project-svc), round the services."""
    plan = []
    for i in range(count):
        service_id = service_ids[i % len(service_ids)]
        if i % 3 == 2:
            body = {"title": f"Bench {i}", "problem_statement": "bench", "business_case": "bench",
                    "target_service_ids": [service_id]}
            plan.append({"url": f"{base['project-svc']}/projects", "body": body, "token": token})
        else:
            body = {"service_id": service_id, "priority": "P3", "category": f"bench-{i % 7}", "title": "bench",
                    "outage": False}
            plan.append({"url": f"{base['service-svc']}/incidents", "body": body, "token": token})
    return plan


def _drive(plan: list[dict], tmp: Path, rate: float) -> tuple[list[dict], dict]:
    tmp.mkdir(parents=True, exist_ok=True)
    plan_file, out_file = tmp / "paced-plan.jsonl", tmp / "paced-out.jsonl"
    plan_file.write_text("".join(json.dumps(item) + "\n" for item in plan))
    subprocess.run([sys.executable, "-m", "tests.perf.paced", "--plan", str(plan_file), "--out", str(out_file),
                    "--rate", str(rate)], cwd=ROOT, check=True)
    lines = [json.loads(line) for line in out_file.read_text().splitlines() if line]
    return [line for line in lines if not line.get("summary")], next(line for line in lines if line.get("summary"))


async def _lags(server_url: str, kafka: KafkaSettings, services, base: dict[str, str], responses: list[dict],
                timeout_s: float = 60) -> tuple[list[float], int]:
    """Per answered command: the latest commit time of metrics-svc's transactions applying its events, minus
    the time its 2xx arrived. Waits up to `timeout_s` for metrics-svc to catch up; what it never applies is
    counted as missing."""
    settings = DatabaseSettings(url=server_url)
    database = {s.spec.name: settings.url_for(s.spec.database) for s in services}
    by_service: dict[str, dict[str, tuple[int, float]]] = {}
    for response in responses:
        if 200 <= response["status"] < 300 and response["location"] and response["etag"]:
            name = next(n for n, url in base.items() if response["url"].startswith(url))
            stream = response["location"].rstrip("/").rsplit("/", 1)[-1]
            by_service.setdefault(name, {})[stream] = (int(response["etag"].strip('W/"')), response["answered_at"])
    events_of: dict[str, list[str]] = {}  # command (stream id) → its event ids
    command_committed: dict[str, float] = {}  # command → the commit time of its transaction
    for name, streams in by_service.items():
        conn = await asyncpg.connect(asyncpg_dsn(database[name]))
        try:
            rows = await conn.fetch("SELECT stream_id::text, version, event_id::text, "
                                    "pg_xact_commit_timestamp(xmin) AS committed FROM events "
                                    "WHERE stream_id = ANY($1::uuid[])", list(streams))
        finally:
            await conn.close()
        for row in rows:
            if row["version"] <= streams[row["stream_id"]][0]:
                events_of.setdefault(row["stream_id"], []).append(row["event_id"])
                command_committed[row["stream_id"]] = max(command_committed.get(row["stream_id"], 0),
                                                          row["committed"].timestamp())
    answered = {stream: at for streams in by_service.values() for stream, (_, at) in streams.items()}
    wanted = [event for events in events_of.values() for event in events]
    conn = await asyncpg.connect(asyncpg_dsn(database["metrics-svc"]))
    try:
        deadline = time.monotonic() + timeout_s
        applied: dict[str, float] = {}
        while time.monotonic() < deadline:
            rows = await conn.fetch("SELECT event_id, pg_xact_commit_timestamp(xmin) AS committed FROM inbox "
                                    "WHERE event_id = ANY($1::text[]) AND consumer = 'metrics-svc'", wanted)
            applied = {row["event_id"]: row["committed"].timestamp() for row in rows}
            if all(any(e in applied for e in events) for events in events_of.values()):
                break
            await asyncio.sleep(1)
    finally:
        await conn.close()
    lags, from_commit, missing = [], [], 0
    for stream, at in answered.items():
        commits = [applied[e] for e in events_of.get(stream, []) if e in applied]
        if commits:
            lags.append((max(commits) - at) * 1000)
            from_commit.append((max(commits) - command_committed[stream]) * 1000)
        else:
            missing += 1
    await _report_legs(kafka, answered, events_of, applied)
    return lags, from_commit, missing


async def _report_legs(kafka: KafkaSettings, answered: dict[str, float], events_of: dict[str, list[str]],
                       applied: dict[str, float]) -> None:
    """Where the lag goes (stderr): 2xx → the relay's send (Kafka CreateTime) and send → metrics-svc's commit."""
    sent = await _send_times(kafka)
    to_kafka, to_applied = [], []
    for stream, at in answered.items():
        last = [(applied[e], sent[e]) for e in events_of.get(stream, []) if e in applied and e in sent]
        if last:
            committed, published = max(last)
            to_kafka.append((published - at) * 1000)
            to_applied.append((committed - published) * 1000)
    if to_kafka:
        print(f"[bench] scenario 4 legs, p50/p99 ms: 2xx → relay send {percentile(to_kafka, 0.5):.0f}/"
              f"{percentile(to_kafka, 0.99):.0f}; send → applied {percentile(to_applied, 0.5):.0f}/"
              f"{percentile(to_applied, 0.99):.0f}", file=sys.stderr)


async def _send_times(kafka: KafkaSettings) -> dict[str, float]:
    """ce_id → the record's CreateTime (when the relay handed it to its producer), from the platform topics."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers, enable_auto_commit=False, group_id=None)
    await consumer.start()
    out: dict[str, float] = {}
    try:
        partitions = [TopicPartition(topic, p) for topic in ("continuum.service.events", "continuum.project.events")
                      for p in range(kafka.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    ce_id = dict(record.headers).get("ce_id")
                    if ce_id:
                        out[ce_id.decode()] = record.timestamp / 1000
    finally:
        await consumer.stop()
    return out


async def bare_round_trip(kafka: KafkaSettings, *, rate: float, count: int) -> tuple[float, float]:
    """p50, p99 (ms) from the producer's acknowledgement to the consumer's receipt, at the same rate."""
    topic = f"bench.roundtrip.{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka, [topic])
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers, enable_auto_commit=False, group_id=None)
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, enable_idempotence=True)
    await consumer.start()
    await producer.start()
    acked: dict[int, float] = {}
    received: dict[int, float] = {}
    try:
        partitions = [TopicPartition(topic, p) for p in range(kafka.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)

        async def consume() -> None:
            while len(received) < count:
                batches = await consumer.getmany(timeout_ms=500)
                now = time.time()
                for records in batches.values():
                    for record in records:
                        received[int(record.key)] = now

        async def produce_one(i: int) -> None:
            value = json.dumps({"service_id": str(uuid.uuid4()), "priority": "P3", "category": "bench",
                                "title": "bench", "outage": False}).encode()
            await producer.send_and_wait(topic, value, key=str(i).encode())
            acked[i] = time.time()

        reader = asyncio.create_task(consume())
        started = time.perf_counter()
        sends = []
        for i in range(count):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sends.append(asyncio.create_task(produce_one(i)))
        await asyncio.gather(*sends)
        async with asyncio.timeout(60):
            await reader
    finally:
        await producer.stop()
        await consumer.stop()
    lags = [(received[i] - acked[i]) * 1000 for i in acked if i in received]
    return percentile(lags, 0.5), percentile(lags, 0.99)


async def clean_kafka(kafka: KafkaSettings) -> None:
    """Delete the platform's topics, so a run neither replays nor skips an earlier run's events (Kafka drops the
    groups' committed offsets of deleted topics; the services' consumers then start at offset 0 of the new ones)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        topics = [topic for topic in await admin.list_topics() if topic.startswith("continuum.")]
        if topics:
            await admin.delete_topics(topics)
        async with asyncio.timeout(60):
            while any(topic.startswith("continuum.") for topic in await admin.list_topics()):
                await asyncio.sleep(0.5)
    finally:
        await admin.close()


async def _drop_databases(server_url: str, names: list[str]) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(_admin_url(server_url)))
    try:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _admin_url(server_url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(server_url).set(database="postgres").render_as_string(hide_password=False)
