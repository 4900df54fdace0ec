"""A filtered list read on 50k summaries, before and after `summaries.opened_at` (platform revision 0002o):
the old read (the join on `events (stream_id, version)` at version 1, the code of continuum.eventstore.summaries
before the column, taken from git) against the new one (the indexed column), same rows, same answers.

Run: `.venv/bin/python -m tests.perf.list_opened_at [--summaries 50000]` (PostgreSQL only; not in `make test`).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from continuum import migrations
from continuum.domain import PendingEvent
from continuum.eventstore import summaries as after
from continuum.eventstore.bulk import StreamAppend, append_streams
from continuum.eventstore.summaries import ListQuery
from continuum.operations import discover_services
from continuum_dev.stack import Infrastructure
from continuum_dev.testing.plugin import create_database, free_port
from tests.support.counter import CODEC, CounterIncremented, CounterOpened

START = datetime(2024, 12, 1, tzinfo=UTC)
SPAN_DAYS = 730
SERVICES = 40


def before_module():
    """continuum.eventstore.summaries as it was before revision 0002o (the join on version 1)."""
    migration = "shared/src/continuum/platform_migrations/0002o_summary_opened_at.py"
    source = subprocess.run(["git", "log", "--format=%H", "-n1", "--", migration],
                            capture_output=True, text=True, check=True).stdout.strip()
    revision = f"{source}~1" if source else "HEAD"
    text = subprocess.run(["git", "show", f"{revision}:shared/src/continuum/eventstore/summaries.py"],
                          capture_output=True, text=True, check=True).stdout
    assert "events.c.version == 1" in text, "the old read joins events on version 1"
    path = Path(tempfile.mkdtemp()) / "summaries_before.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("summaries_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["summaries_before"] = module
    spec.loader.exec_module(module)
    return module


async def load(url: str, count: int, services: list[str]) -> None:
    """`count` streams of three events each, opened at random over two years, through the batched append."""
    rng = random.Random(17)
    engine = create_async_engine(url)
    try:
        for start in range(0, count, 5000):
            appends = []
            for n in range(start, min(count, start + 5000)):
                opened = START + timedelta(minutes=rng.randrange(SPAN_DAYS * 24 * 60))
                stream_id = uuid.uuid4()
                pending = [PendingEvent(CounterOpened(name=f"c{n}", limit=10), opened),
                           *(PendingEvent(CounterIncremented(by=1), opened + timedelta(hours=k)) for k in (1, 2))]
                appends.append(StreamAppend(stream_id, "Counter", 0, pending, {
                    "id": str(stream_id), "service_id": rng.choice(services), "title": f"incident {n}"}))
            async with engine.begin() as conn:
                await append_streams(conn, codec=CODEC, appends=appends, metadata={})
        async with engine.connect() as conn:
            await conn.execute(sa.text("ANALYZE"))
            await conn.commit()
    finally:
        await engine.dispose()


async def timed(engine, module, *, contains, query, runs: int) -> tuple[float, list]:
    """Median milliseconds of the first page and the page after it (the cursor's keyset), and the ids read."""
    samples, ids = [], []
    for _ in range(runs):
        began = time.perf_counter()
        async with engine.connect() as conn:
            first = await module.list_summaries(conn, stream_type="Counter", contains=contains, limit=50, query=query)
            position = first.next_position or {}
            second = await module.list_summaries(conn, stream_type="Counter", contains=contains, limit=50,
                                                 query=query, after=position.get("after", 0), at=position.get("at"))
        samples.append((time.perf_counter() - began) * 1000)
        ids = [item["id"] for item in first.items + second.items]
    return statistics.median(samples), ids


async def plan(engine, module, contains, query) -> list[str]:
    """The first page's plan (EXPLAIN ANALYZE): its scans and the execution time."""
    captured = []

    class Explaining:  # the connection list_summaries is given: it runs each statement under EXPLAIN ANALYZE too
        def __init__(self, conn) -> None:
            self.conn = conn

        async def execute(self, statement):
            compiled = statement.compile(dialect=self.conn.dialect, compile_kwargs={"literal_binds": True})
            captured.extend(row[0] for row in await self.conn.execute(sa.text(f"EXPLAIN ANALYZE {compiled}")))
            return await self.conn.execute(statement)

    async with engine.connect() as conn:
        await module.list_summaries(Explaining(conn), stream_type="Counter", contains=contains, limit=50,
                                    query=query)
    return [line.strip() for line in captured if "Scan" in line or "Execution" in line]


async def measure(url: str, services: list[str], runs: int) -> None:
    old = before_module()
    engine = create_async_engine(url, pool_size=2)
    month = (START + timedelta(days=400), START + timedelta(days=430))
    cases = [
        ("opened in 30 days, newest first", None, ListQuery(opened_after=month[0], opened_before=month[1],
                                                           sort="-opened_at")),
        ("opened in 30 days, one service", {"service_id": services[0]},
         ListQuery(opened_after=month[0], opened_before=month[1], sort="-opened_at")),
        ("all, oldest first", None, ListQuery(sort="opened_at")),
        ("all of one service, newest first", {"service_id": services[0]}, ListQuery(sort="-opened_at")),
        ("opened after a date, created order", None, ListQuery(opened_after=START + timedelta(days=700))),
    ]
    try:
        print(f"{'two pages of 50 (median of ' + str(runs) + ')':45} {'before (join)':>14} {'after (column)':>15}")
        for name, contains, query in cases:
            await timed(engine, after, contains=contains, query=query, runs=2)  # warm the cache for both
            await timed(engine, old, contains=contains, query=query, runs=2)
            was, old_ids = await timed(engine, old, contains=contains, query=query, runs=runs)
            now, new_ids = await timed(engine, after, contains=contains, query=query, runs=runs)
            assert old_ids == new_ids and old_ids, name  # the same answer
            print(f"{name:45} {was:11.2f} ms {now:12.2f} ms   ({was / now:.0f}x)")
        name, contains, query = cases[0]
        for label, module in (("before", old), ("after", after)):
            print(f"plan of '{name}', {label}: {' / '.join(await plan(engine, module, contains, query))}")
    finally:
        await engine.dispose()


async def main(count: int, runs: int) -> None:
    state = Path(tempfile.mkdtemp(prefix="list-opened-at-"))
    infra = Infrastructure(state_dir=state, postgres_port=free_port(), kafka_port=free_port(),
                           controller_port=free_port(), durable=False, database_url=None,
                           kafka_bootstrap_servers="127.0.0.1:1")  # PostgreSQL only
    await asyncio.to_thread(infra.start)
    try:
        url = await create_database(infra.database_url, "list_opened_at")
        entry = next(s for s in discover_services() if s.spec.name == "service-svc")
        await asyncio.to_thread(migrations.upgrade, migrations_dir=entry.migrations, database_url=url)
        services = [str(uuid.uuid4()) for _ in range(SERVICES)]
        began = time.perf_counter()
        await load(url, count, services)
        print(f"{count} summaries ({3 * count} events, {SERVICES} services) loaded in "
              f"{time.perf_counter() - began:.1f} s", file=sys.stderr)
        await measure(url, services, runs)
    finally:
        await asyncio.to_thread(infra.stop)
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summaries", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.summaries, arguments.runs))
