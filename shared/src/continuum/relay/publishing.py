"""The relay's Kafka side: an idempotent producer started within the request timeout, a batch sent as CloudEvents
on the service's topic and every acknowledgement awaited, Kafka's availability and error kept in the status.
`OutboxRelay` has this through `_Publishing`."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaProducer

from continuum.config import KafkaSettings
from continuum.kafka import cloudevents
from continuum.relay.outbox import OutboxRecord
from continuum.relay.status import RelayStatus
from continuum.telemetry import Telemetry

log = logging.getLogger("continuum.relay")


class _Publishing:
    """The publishing half of `OutboxRelay`; the attributes are set by its constructor."""

    name: str
    topic: str
    status: RelayStatus
    _context: str
    _source: str
    _kafka: KafkaSettings
    _telemetry: Telemetry

    async def _start_producer(self) -> AIOKafkaProducer:
        producer = AIOKafkaProducer(
            bootstrap_servers=self._kafka.bootstrap_servers,
            enable_idempotence=True,
            acks="all",
            linger_ms=2,
            max_batch_size=512 * 1024,
            request_timeout_ms=self._kafka.request_timeout_ms,
        )
        try:
            async with asyncio.timeout(self._kafka.request_timeout_ms / 1000):
                await producer.start()
        except BaseException:
            await _stop_quietly(producer)
            raise
        return producer

    async def _publish(self, producer: AIOKafkaProducer, batch: list[OutboxRecord]) -> bool:
        """Send the batch and wait for every acknowledgement; False if Kafka did not take all of it."""
        try:
            async with asyncio.timeout(self._kafka.request_timeout_ms / 1000 * 3):
                await self._send_all(producer, batch)
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception as error:
            self.status.kafka_available = False
            self.status.kafka_error = f"Kafka: {type(error).__name__}: {error}"
            self._telemetry.relay_failures.inc()
            log.warning("relay %s could not publish %d events: %s", self.name, len(batch), self.status.kafka_error)
            return False
        self.status.kafka_available = True
        self.status.kafka_error = None
        return True

    async def _send_all(self, producer: AIOKafkaProducer, batch: list[OutboxRecord]) -> None:
        acks = []
        for record in batch:
            headers = cloudevents.encode_headers(record, context=self._context, source=self._source)
            acks.append(
                await producer.send(
                    self.topic, value=record.data.encode(), key=str(record.stream_id).encode(), headers=headers
                )
            )
        await asyncio.gather(*acks)


async def _stop_quietly(producer: AIOKafkaProducer) -> None:
    try:
        async with asyncio.timeout(5):
            await producer.stop()
    except Exception as error:
        log.debug("producer stop: %s", error)
