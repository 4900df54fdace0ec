"""The narrowest path a record takes: alone in its transaction, retried with backoff while the fault is
transient (never skipped), and parked in the consumer's DLQ with the error in its headers when it can never
be handled or an unknown fault persists. `EventConsumer` has this through `_OneByOne`."""

from __future__ import annotations

import asyncio
import logging
import time

from aiokafka import AIOKafkaProducer, ConsumerRecord
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError

from continuum.consumer.batches import _Batches
from continuum.consumer.delivery import Delivery, PermanentFailure
from continuum.domain import DomainError
from continuum.eventstore.store import ConcurrencyError

log = logging.getLogger("continuum.consumer")

MAX_ATTEMPTS_FOR_UNKNOWN_FAULTS = 5


class _OneByOne(_Batches):
    """The message-by-message half of `EventConsumer`; `dlq_topic` is set by its constructor."""

    dlq_topic: str

    async def _take(self, record: ConsumerRecord, producer: AIOKafkaProducer) -> None:
        try:
            delivery = self._delivery(record, {})
            if delivery is None:
                self.status.ignored += 1
                self._telemetry.consumed.labels("ignored").inc()
                self._note_applied(record)  # nothing to apply: the projection is as current as this message
                return
            outcome = await self._handle_with_retries(delivery)
        except PermanentFailure as failure:
            await self._dead_letter(record, producer, failure)
            return
        self._telemetry.consumed.labels(outcome).inc()
        self._note_applied(record)

    async def _handle_with_retries(self, delivery: Delivery) -> str:
        attempt = 0
        while True:
            try:
                outcome = await self._handle_once(delivery)
            except PermanentFailure:
                raise
            except (DomainError, ValidationError) as error:
                raise PermanentFailure(f"{type(error).__name__}: {error}") from None
            except asyncio.CancelledError:
                raise
            except Exception as error:
                attempt += 1
                if _is_unknown_fault(error) and attempt >= MAX_ATTEMPTS_FOR_UNKNOWN_FAULTS:
                    raise PermanentFailure(f"{type(error).__name__}: {error}") from None
                await self._back_off(attempt, error)
                continue
            self.status.retrying_since = None
            return outcome

    async def _handle_once(self, delivery: Delivery) -> str:
        async with self._engine.begin() as conn:
            if not await self._new(conn, [delivery]):
                self.status.duplicates += 1
                return "duplicate"
            await self._handle_all([delivery], conn)
        self.status.handled += 1
        return "handled"

    async def _back_off(self, attempt: int, error: Exception) -> None:
        if self.status.retrying_since is None:
            self.status.retrying_since = time.monotonic()
        self.status.last_error = f"{type(error).__name__}: {error}"
        delay = min(self._settings.retry_backoff_s * 2 ** (attempt - 1), self._settings.retry_backoff_max_s)
        log.warning("consumer %s retrying in %.1fs (attempt %d): %s", self.name, delay, attempt, error)
        await asyncio.sleep(delay)

    async def _dead_letter(self, record: ConsumerRecord, producer: AIOKafkaProducer, failure: Exception) -> None:
        headers = list(record.headers or ()) + [
            ("dlq_error", str(failure)[:4000].encode()),
            ("dlq_consumer", self.name.encode()),
            ("dlq_topic", record.topic.encode()),
            ("dlq_partition", str(record.partition).encode()),
            ("dlq_offset", str(record.offset).encode()),
        ]
        await producer.send_and_wait(self.dlq_topic, value=record.value, key=record.key, headers=headers)
        self.status.dead_lettered += 1
        self._telemetry.consumed.labels("dead_lettered").inc()
        log.error("consumer %s parked %s:%d@%d in %s: %s", self.name, record.topic, record.partition,
                  record.offset, self.dlq_topic, failure)


def _is_unknown_fault(error: Exception) -> bool:
    """Faults of the environment (database, network, lost races) are retried forever; others a few times."""
    transient = (OperationalError, ConnectionError, OSError, TimeoutError, ConcurrencyError)
    if isinstance(error, transient):
        return False
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return False
    return True
