"""Reading topics back in tests, without joining a consumer group (joins are slow and not under test here)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer


@dataclass(frozen=True)
class Message:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]


async def read_topic(bootstrap: str, topic: str, *, expect: int = 0, timeout_s: float = 30.0, settle_s: float = 0.0,
                     until: Callable[[list[Message]], bool] | None = None) -> list[Message]:
    """Every message of `topic` from offset 0, waiting until at least `expect` arrived and `until` holds for them
    (then `settle_s` more). Topics are shared by the tests of a session, so a count alone races with other tests'
    messages; `until` names the messages a test is waiting for."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                                auto_offset_reset="earliest")
    await consumer.start()  # without a group it takes every partition of the topic
    try:
        messages: list[Message] = []
        deadline = time.monotonic() + timeout_s
        settle_until: float | None = None
        while time.monotonic() < deadline:
            if len(messages) >= expect and (until is None or until(messages)):
                settle_until = settle_until or time.monotonic() + settle_s
                if time.monotonic() >= settle_until:
                    break
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                messages += [_message(record) for record in records]
        return messages
    finally:
        await consumer.stop()


def _message(record) -> Message:
    headers = {name: value.decode() for name, value in record.headers or ()}
    return Message(record.topic, record.partition, record.offset, record.key, record.value, headers)
