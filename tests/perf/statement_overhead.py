"""What one statement costs the client through SQLAlchemy Core (asyncpg dialect) and on asyncpg alone: CPU per
operation of this process, 16 concurrent, against the server of DATABASE_URL (a measurement for
docs/benchmarks.md, scenario 1; run `python -m tests.perf.statement_overhead` with the local stack up)."""

from __future__ import annotations

import asyncio
import os
import time

import asyncpg
import sqlalchemy as sa
import uvloop
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

OPERATIONS = 3000
CONCURRENCY = 16


async def measure(operation, count: int = OPERATIONS) -> tuple[float, float]:
    """CPU µs per operation of this process, and operations per second."""
    left = count

    async def lane() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await operation()

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(CONCURRENCY)))
    return (time.process_time() - cpu) / count * 1e6, count / (time.perf_counter() - wall)


async def main() -> None:
    url = make_url(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5433/postgres"))
    engine = create_async_engine(url.set(drivername="postgresql+asyncpg"), pool_size=CONCURRENCY)
    pool = await asyncpg.create_pool(url.set(drivername="postgresql").render_as_string(hide_password=False),
                                     min_size=CONCURRENCY, max_size=CONCURRENCY)
    one = sa.text("SELECT 1")

    def sqlalchemy_transaction(statements: int):
        async def operation() -> None:
            async with engine.begin() as conn:
                for _ in range(statements):
                    await conn.execute(one)
        return operation

    def asyncpg_transaction(statements: int):
        async def operation() -> None:
            async with pool.acquire() as conn, conn.transaction():
                for _ in range(statements):
                    await conn.fetchval("SELECT 1")
        return operation

    cases = [(f"{layer}, transaction of {n} statement{'s' * (n > 1)}", make(n))
             for n in (1, 3, 6) for layer, make in (("SQLAlchemy Core", sqlalchemy_transaction),
                                                    ("asyncpg", asyncpg_transaction))]
    try:
        for name, operation in cases:
            await measure(operation, 300)  # warm-up: connections, prepared statements
            cpu_us, rate = await measure(operation)
            print(f"{name:45s} {cpu_us:6.0f} µs CPU/op  {rate:7.0f} op/s")
    finally:
        await pool.close()
        await engine.dispose()


if __name__ == "__main__":
    uvloop.run(main())
