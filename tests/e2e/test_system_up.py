"""The four services run as real processes: healthy, ready, documented, and guarded."""

from __future__ import annotations

import asyncio
import time


async def wait_ready(client, timeout_s: float = 30) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        body = (await client.get("/readyz")).json()
        if body["status"] == "ready" or time.monotonic() > deadline:
            return body
        await asyncio.sleep(0.3)


async def test_all_four_services_are_ready_with_their_relays_and_consumers(system):
    for name, client in system.items():
        readiness = await wait_ready(client)
        assert readiness["status"] == "ready", f"{name}: {readiness}"
        assert readiness["checks"]["relay"]["active"] is True, name


async def test_each_service_documents_its_topic_and_refuses_anonymous_callers(system):
    for name, client in system.items():
        context = name.removesuffix("-svc")
        asyncapi = (await client.get("/asyncapi.json")).json()
        addresses = {channel["address"] for channel in asyncapi["channels"].values()}
        assert f"continuum.{context}.events" in addresses, name
        assert (await client.get("/events")).status_code == 401, name
