"""A load driver in its own process: N concurrent connections, a bounded number of requests, loopback only.

Prints one JSON line: requests, errors, seconds, requests/s, p50/p99 latency in ms. The client is aiohttp:
httpx cost ~15× its CPU per request here (see paced.py), CPU the server under test would not get.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import aiohttp

from tests.perf.stats import percentile


async def drive(url: str, body: dict, headers: dict, *, concurrency: int, requests: int) -> dict:
    if not url.startswith(("http://127.", "http://localhost")):
        raise SystemExit("the load driver only targets loopback addresses")
    latencies: list[float] = []
    errors = 0
    remaining = requests
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as client:

        async def worker() -> None:
            nonlocal remaining, errors
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                try:
                    async with client.post(url, json=body, headers=headers) as response:
                        await response.read()
                        failed = response.status >= 300
                except (aiohttp.ClientError, TimeoutError):  # a timeout on an overloaded machine is a failure
                    failed = True
                latencies.append((time.perf_counter() - started) * 1000)
                errors += failed

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {"requests": len(latencies), "errors": errors, "seconds": elapsed, "rps": len(latencies) / elapsed,
            "p50_ms": percentile(latencies, 0.5), "p99_ms": percentile(latencies, 0.99)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--body", default="{}")
    parser.add_argument("--token")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    result = asyncio.run(drive(args.url, json.loads(args.body), headers, concurrency=args.concurrency,
                               requests=args.requests))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
