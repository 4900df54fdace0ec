"""An open-loop load driver in its own process: each request starts at its scheduled time (start + i / rate),
whether or not earlier ones have answered, so a slow server cannot slow the offered load down (no coordinated
omission). Bounded: the requests are given in a file; loopback only.

The client is aiohttp, not httpx: measured here against a trivial server, httpx spent 3.1 ms of CPU per request
at 32 connections and 5.4 ms at 256, aiohttp 0.2 ms at either. At 300 requests/s an httpx driver needed more CPU
than the services it was loading, on the same two cores.

A request that finds --max-in-flight requests outstanding waits for one of them (counted as held back): the
schedule of starts is kept, the wait shows in that request's response time.

Input (--plan): JSON lines {"url", "body", "token"}. Output (--out): JSON lines {"url", "status", "location",
"etag", "answered_at"} where answered_at is the wall clock (time.time()) when the response arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

import aiohttp


async def drive(plan: list[dict], *, rate: float, max_in_flight: int) -> list[dict]:
    if any(not item["url"].startswith(("http://127.", "http://localhost")) for item in plan):
        raise SystemExit("the load driver only targets loopback addresses")
    results: list[dict] = []
    gate = asyncio.Semaphore(max_in_flight)  # a bound, not a pacer: reported if it ever held a request back
    held_back = 0
    connector = aiohttp.TCPConnector(limit=max_in_flight)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as client:

        async def send(item: dict) -> None:
            async with gate:
                try:
                    async with client.post(item["url"], json=item["body"],
                                           headers={"Authorization": f"Bearer {item['token']}"}) as response:
                        await response.read()
                        status, headers = response.status, response.headers
                except (aiohttp.ClientError, TimeoutError):
                    status, headers = 0, {}
                results.append({"url": item["url"], "status": status, "location": headers.get("location"),
                                "etag": headers.get("etag"), "answered_at": time.time()})

        started = time.perf_counter()
        tasks = []
        for i, item in enumerate(plan):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if gate.locked():
                held_back += 1
            tasks.append(asyncio.create_task(send(item)))
        dispatched = time.perf_counter() - started
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    results.append({"summary": True, "seconds": elapsed, "offered_rate": len(plan) / dispatched,
                    "answered_rate": len(plan) / elapsed, "held_back": held_back})
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--max-in-flight", type=int, default=256)
    args = parser.parse_args()
    plan = [json.loads(line) for line in args.plan.read_text().splitlines() if line]
    results = asyncio.run(drive(plan, rate=args.rate, max_in_flight=args.max_in_flight))
    args.out.write_text("".join(json.dumps(result) + "\n" for result in results))


if __name__ == "__main__":
    main()
