"""Scenario 8: the cost of a business-time deadline on the command path — service-svc's `POST /incidents` for a
service whose SLA counts on an office-hours calendar (Europe/Berlin, two intervals a day, three years of German
public holidays) against one on the built-in 24x7, in the same process, driven in turns so that a busy
machine slows both alike (issue 16: it must not slow the command path by more than 5 %)."""

from __future__ import annotations

import asyncio
import statistics
from pathlib import Path

import httpx

from tests.perf.command_path import SLA, SUBJECT, LoadResult, _drive, serving_service_svc

OFFICE = {day: [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
          for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}
TURNS = 3


def _service(base: str, headers: dict[str, str], calendar_id: str | None) -> str:
    registration = {"name": "Bench", "description": "bench", "owner": SUBJECT, "demanded_by": "bench",
                    "expected_volume": "lots"}
    created = httpx.post(f"{base}/services", json=registration, headers=headers)
    created.raise_for_status()
    service_id = created.json()["id"]
    targets = {p: {**t, "calendar_id": calendar_id or "24x7"} for p, t in SLA["targets"].items()}
    httpx.post(f"{base}/services/{service_id}/define-sla", json={**SLA, "targets": targets},
               headers=headers).raise_for_status()
    return service_id


def _calendar(base: str, headers: dict[str, str]) -> str:
    created = httpx.post(f"{base}/calendars", headers=headers, json={
        "name": "Berlin office", "time_zone": "Europe/Berlin", "week": OFFICE})
    created.raise_for_status()
    calendar_id = created.json()["id"]
    httpx.post(f"{base}/calendars/{calendar_id}/holidays/generate", headers=headers,
               json={"country": "DE", "subdivision": "BE", "years": [2026, 2027, 2028]}).raise_for_status()
    return calendar_id


def _median(results: list[dict]) -> LoadResult:
    return LoadResult(statistics.median(r["rps"] for r in results), statistics.median(r["p50_ms"] for r in results),
                      statistics.median(r["p99_ms"] for r in results), sum(r["errors"] for r in results))


def deadline_cost(database_url: str, kafka: str, tmp: Path, *, requests: int) -> tuple[LoadResult, LoadResult]:
    """(on the calendar, on 24x7): medians of TURNS alternating drives of `requests` each."""
    with serving_service_svc(database_url, kafka, tmp) as (_, base, token):
        headers = {"Authorization": f"Bearer {token}"}
        bodies = {name: {"service_id": _service(base, headers, calendar), "priority": "P3", "category": "bench",
                         "title": "bench", "outage": False}
                  for name, calendar in (("calendar", _calendar(base, headers)), ("24x7", None))}
        runs: dict[str, list[dict]] = {name: [] for name in bodies}
        for name, body in bodies.items():
            _drive(f"{base}/incidents", body, token, requests // 5)  # warm-up
        for _ in range(TURNS):
            for name, body in bodies.items():
                runs[name].append(_drive(f"{base}/incidents", body, token, requests))
        return _median(runs["calendar"]), _median(runs["24x7"])


async def deadline_cost_pair(database_url: str, kafka: str, tmp: Path, *,
                             requests: int) -> tuple[LoadResult, LoadResult]:
    return await asyncio.to_thread(deadline_cost, database_url, kafka, tmp, requests=requests)
