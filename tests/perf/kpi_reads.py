"""Scenario 9 (issue 15's scenario 8; 8 became issue 16's business-time deadline): KPI reads against history
size — `GET /kpis/services/{id}?window=30` and `/kpis/services/{id}/weekly?weeks=12` over HTTP with a token, from
metrics-svc as a uvicorn process, for one service with 1k / 10k / 100k / 1M incidents spread over two years, and
`/kpis/portfolio`, the first page of `/kpis/services`, the dashboard's ranking (`/kpis/top-services`) and the
dashboard fully drawn in headless Chromium (scenario 9b) with 10 / 100 / 1,000 services; beside the old
computation (the pure KPI functions over the service's whole history, which is what every read did before the
rollups), measured in-process in the same run.

The histories are bulk-loaded as facts (COPY into kpi_incidents), and their rollups derived by
`rollups.refresh_services`, what migration 0009 runs for facts stored before it: replaying a million incidents
through Kafka would take most of the run. That the consumer's rollups equal the pure functions is proven by
tests/integration/metrics_svc/test_rollups.py, not here.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg
import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from continuum.config import AuthSettings
from continuum.http.auth import issue_dev_token
from continuum.operations import discover_services
from continuum_dev.testing.plugin import free_port
from metrics_svc.dashboard.read_model import week_of
from metrics_svc.domain.service_kpis import service_kpis, usable_incidents
from metrics_svc.domain.windows import Window
from metrics_svc.projection import reads, rollups
from metrics_svc.projection.tables import LIVE
from continuum_dev.stack import wait_until_answered
from tests.perf.command_path import _serve
from tests.perf.stats import percentile

END = datetime(2026, 11, 30, tzinfo=UTC)
AS_OF = END - timedelta(hours=3, minutes=17, seconds=5, microseconds=250_000)  # partial days at every edge
HISTORY = timedelta(days=730)
COLUMNS = ("incident_id", "service_id", "priority", "category", "outage", "opened_at", "acknowledged_at",
           "resolved_at", "outage_minutes", "response_sla_met", "resolution_sla_met", "response_breached",
           "resolution_breached", "csat", "csat_at")


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p99_ms: float


def incident_rows(service_id: uuid.UUID, count: int, *, seed: int, history: timedelta = HISTORY) -> list[tuple]:
    """`count` incidents of one service over `history` ending at END: acknowledged, most resolved, a tenth outages
    (some days long), half rated, a few breached."""
    rng = random.Random(seed)
    step = history / max(count, 1)
    rows = []
    for n in range(count):
        opened = END - history + step * n + timedelta(seconds=rng.randrange(0, max(1, int(step.total_seconds()))))
        acknowledged = opened + timedelta(minutes=rng.randrange(1, 120))
        still_open = n > count - 50 and rng.random() < 0.02  # a few of the latest are not resolved yet
        resolved = None if still_open else opened + timedelta(minutes=rng.randrange(10, 2880))
        outage = rng.random() < 0.1
        minutes = Decimal(rng.randrange(0, 600)) if outage and resolved else Decimal(0)
        rated = resolved is not None and rng.random() < 0.5
        rows.append((uuid.uuid4(), service_id, "P3", f"c{n % 7}", outage, opened, acknowledged, resolved, minutes,
                     True if resolved else None, (rng.random() < 0.9) if resolved else None, False,
                     rng.random() < 0.03, rng.randrange(1, 6) if rated else None, resolved if rated else None))
    return rows


async def bulk_load(database_url: str, services: dict[uuid.UUID, int], *, seed: int = 7,
                    history: timedelta = HISTORY) -> None:
    """Incident facts by COPY, SLA and name rows, then every rollup derived as migration 0009 derives them."""
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        for k, (service_id, count) in enumerate(services.items()):
            for start in range(0, count, 200_000):
                rows = incident_rows(service_id, min(200_000, count - start), seed=seed + k * 1000 + start,
                                     history=history)
                await conn.copy_records_to_table("kpi_incidents", records=rows, columns=COLUMNS)
        await conn.executemany("INSERT INTO kpi_slas VALUES ($1, 99.5, 80, $2)",
                               [(s, END - HISTORY) for s in services])
        await conn.executemany("INSERT INTO kpi_names VALUES ($1, $2)", [(s, f"svc-{i}") for i, s in
                                                                         enumerate(services)])
    finally:
        await conn.close()
    engine = create_async_engine(database_url)
    try:
        ids = list(services)
        for start in range(0, len(ids), 100):
            async with engine.begin() as sa_conn:
                await rollups.refresh_services(sa_conn, LIVE, ids[start:start + 100])
        async with engine.connect() as sa_conn:  # as autovacuum would soon after a bulk load: plans need statistics
            await sa_conn.execution_options(isolation_level="AUTOCOMMIT")
            await sa_conn.execute(sa.text("ANALYZE"))
    finally:
        await engine.dispose()


class MetricsProcess:
    """metrics-svc served as `continuum run` serves it, its consumer off (the facts are loaded already)."""

    def __init__(self, database_url: str, kafka: str, tmp: Path) -> None:
        self.auth = AuthSettings(dev_signing_key_path=tmp / "bench-key.pem")
        tmp.mkdir(parents=True, exist_ok=True)
        self.token = issue_dev_token(self.auth, subject="bench", roles=["viewer"])
        service = next(s for s in discover_services() if s.spec.name == "metrics-svc")
        self.port = free_port()
        self.process = _serve(service.app_factory, self.port, {
            "DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": kafka, "CONSUMER__ENABLED": "false",
            "AUTH__DEV_SIGNING_KEY_PATH": str(self.auth.dev_signing_key_path), "DETECTION__ENABLED": "false"})
        self.base = f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> MetricsProcess:
        await asyncio.to_thread(wait_until_answered, f"{self.base}/healthz", self.process, "metrics-svc")
        return self

    async def __aexit__(self, *exc) -> None:
        self.process.terminate()
        await asyncio.to_thread(self.process.wait, 20)

    async def latency(self, path: str, *, requests: int, warmup: int = 10, **params) -> Latency:
        headers = {"Authorization": f"Bearer {self.token}"}
        samples = []
        async with httpx.AsyncClient(base_url=self.base, headers=headers, timeout=120) as client:
            for n in range(warmup + requests):
                started = time.perf_counter()
                response = await client.get(path, params={"as_of": AS_OF.isoformat(), **params})
                elapsed = (time.perf_counter() - started) * 1000
                response.raise_for_status()
                if n >= warmup:
                    samples.append(elapsed)
        return Latency(percentile(samples, 0.5), percentile(samples, 0.99))


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


async def dashboard_drawn(metrics: MetricsProcess, *, repeats: int, rank_by: str = "mttr") -> Latency | None:
    """Milliseconds from navigating to /dashboard in headless Chromium to every chart drawn (the page's
    data-state=ready, set after its last chart; reduced motion, so no animation is waited for), each time on a
    fresh page; then the same page re-ranked by `rank_by` through its selector. None without Chromium."""
    if not Path(CHROMIUM).exists():
        return None
    from playwright.async_api import async_playwright  # a test dependency; only this scenario needs it

    samples = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            for _ in range(repeats):
                page = await browser.new_page(viewport={"width": 1400, "height": 1000}, reduced_motion="reduce")
                started = time.perf_counter()
                await page.goto(f"{metrics.base}/dashboard#token={metrics.token}")
                await page.locator("body[data-state='ready']").wait_for(state="attached", timeout=60_000)
                samples.append((time.perf_counter() - started) * 1000)
                await page.select_option("#rank-by", rank_by)
                await page.locator(f"body[data-state='ready'][data-ranked-by^='{rank_by}/']").wait_for(
                    state="attached", timeout=60_000)
                await page.close()
        finally:
            await browser.close()
    return Latency(percentile(samples, 0.5), percentile(samples, 0.99))


async def timed(compute: Callable[[], Awaitable[object]], *, repeats: int) -> Latency:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        await compute()
        samples.append((time.perf_counter() - started) * 1000)
    return Latency(percentile(samples, 0.5), percentile(samples, 0.99))


async def old_service_read(engine: AsyncEngine, service_id: uuid.UUID) -> None:
    """The read before issue 15: the service's whole history into Python, the pure functions over it (the window's
    figures, and the weekly series)."""
    async with engine.connect() as conn:
        incidents = await reads.incidents_of(conn, LIVE, service_id)
    service_kpis(Window.ending(AS_OF, days=30), incidents=incidents, changes=[], operating_costs=[], project_costs=[])
    usable = usable_incidents(incidents, [])
    for week in Window.ending(AS_OF, days=7 * 12).weeks():
        week_of(week, usable)


async def old_portfolio_read(engine: AsyncEngine, service_ids: list[uuid.UUID]) -> None:
    """The portfolio before issue 15: each service's whole history and figures, one service after another."""
    for service_id in service_ids:
        async with engine.connect() as conn:
            incidents = await reads.incidents_of(conn, LIVE, service_id)
        service_kpis(Window.ending(AS_OF, days=30), incidents=incidents, changes=[], operating_costs=[],
                     project_costs=[])
