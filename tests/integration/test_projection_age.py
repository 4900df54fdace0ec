"""`continuum_projection_age_seconds` against the real broker and database: it grows while idle, drops on news."""

from __future__ import annotations

import asyncio
import json
import time
from uuid import uuid4

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from continuum.kafka.topics import dlq_topic, ensure_topics
from tests.integration.test_consumer import Harness, engine, headers, producer  # noqa: F401 (fixtures)


def projection_ages(harness: Harness) -> dict[tuple[str, str], float]:
    """The gauge as /metrics exposes it, by (service, topic)."""
    text = generate_latest(harness.consumer._telemetry.registry).decode()
    return {(s.labels["service"], s.labels["topic"]): s.value
            for family in text_string_to_metric_families(text) if family.name == "continuum_projection_age_seconds"
            for s in family.samples}


async def wait_for(condition, timeout_s: float = 30) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.05)


async def test_projection_age_grows_while_idle_and_drops_when_an_event_is_applied(
    engine, kafka_settings, producer, topic_prefix  # noqa: F811
):
    harness = Harness(engine, kafka_settings, topic_prefix)
    await ensure_topics(kafka_settings, [harness.topic, dlq_topic(harness.consumer.name)])
    key = (harness.consumer.name, harness.topic)

    async def publish(name: str) -> None:  # ce_time is months back (imported history): the age must not follow it
        await producer.send_and_wait(harness.topic, json.dumps({"name": name, "limit": 1}).encode(), key=b"k",
                                     headers=headers(harness.contract.ce_type(), str(uuid4())))

    assert key not in projection_ages(harness)
    await publish("first")
    published = time.time()
    task = asyncio.create_task(harness.consumer.run())
    try:
        await wait_for(lambda: harness.consumer.status.handled == 1)
        fresh = projection_ages(harness)[key]
        assert 0 <= fresh <= time.time() - published + 1
        await asyncio.sleep(1.5)
        idle = projection_ages(harness)[key]
        assert idle >= fresh + 1.4
        await publish("second")
        await wait_for(lambda: harness.consumer.status.handled == 2)
        assert projection_ages(harness)[key] < idle - 1
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
