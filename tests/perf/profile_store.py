"""Scenario 2 alone, for profiling: `py-spy record -o store.svg -- python -m tests.perf.profile_store`.

Starts a private PostgreSQL, runs Continuum's side (and, with --library, the `eventsourcing` side) --runs times
and prints the rates and their ratio; no Kafka, no table.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

from continuum import migrations
from continuum.operations import discover_services
from continuum_dev.infra.postgres import LocalPostgres
from continuum_dev.testing.plugin import create_database, free_port
from tests.perf import store_vs_library


async def _database(server_url: str, *, migrated: bool) -> str:
    url = await create_database(server_url, f"profile_{uuid.uuid4().hex[:10]}")
    if migrated:
        await asyncio.to_thread(migrations.upgrade, migrations_dir=discover_services()[0].migrations,
                                database_url=url)
    return url


async def profile(server_url: str, *, runs: int, library: bool) -> None:
    for run in range(runs):
        database = await _database(server_url, migrated=True)
        cpu = time.process_time()  # this process only: less at the mercy of the machine's other load than rates
        sequential, concurrent = await store_vs_library.continuum_rates(database)
        operations = store_vs_library.SEQUENTIAL_OPS + store_vs_library.CONCURRENT_OPS
        seeding = store_vs_library.STREAMS
        cpu_ms = (time.process_time() - cpu) * 1000 / (operations + seeding)
        line = f"run {run + 1}: continuum {sequential:.0f} seq, {concurrent:.0f} 16-way ops/s, {cpu_ms:.2f} CPU ms/op"
        if library:
            lib_seq, lib_16 = await asyncio.to_thread(
                store_vs_library.library_rates, await _database(server_url, migrated=False))
            line += (f"; eventsourcing {lib_seq:.0f} seq, {lib_16:.0f} 16-way"
                     f" → {sequential / lib_seq:.2f}× seq, {concurrent / lib_16:.2f}× 16-way")
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--library", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="continuum-profile-") as state:
        postgres = LocalPostgres(state_dir=Path(state), port=free_port(), durable=True)
        server_url = postgres.start()
        try:
            asyncio.run(profile(server_url, runs=args.runs, library=args.library))
        finally:
            postgres.stop()


if __name__ == "__main__":
    main()
