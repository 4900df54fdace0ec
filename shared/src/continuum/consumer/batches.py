"""How a consumer turns records into deliveries and applies them in one transaction: decoding and validating a
record against its subscription (`PermanentFailure` when it never can be), the inbox's verdict on which are
new, the handlers in partition order, and the bookkeeping once a batch is applied. `EventConsumer` has this
through `_Batches`, which holds no state of its own."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

from aiokafka import ConsumerRecord
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from continuum.config import ConsumerSettings
from continuum.consumer.delivery import BatchHandler, Delivery, PermanentFailure, Subscription
from continuum.consumer.inbox import _record_in_inbox
from continuum.consumer.status import ConsumerStatus
from continuum.contracts import catalog as contract_catalog
from continuum.contracts.base import EventContract
from continuum.kafka import cloudevents
from continuum.kafka.cloudevents import InboundEvent, UndecodableMessage
from continuum.telemetry import Telemetry

log = logging.getLogger("continuum.consumer")


class _Batches:
    """The transactional half of `EventConsumer`; the attributes are set by its constructor."""

    name: str
    status: ConsumerStatus
    _engine: AsyncEngine
    _subscriptions: dict[str, Subscription]
    _batch_handler: BatchHandler | None
    _events_of_interest: set[tuple[str, str]]
    _settings: ConsumerSettings
    _telemetry: Telemetry
    _highwater: Callable[[str, int], int | None]
    _inbox: bool

    async def _take_together(self, records: Sequence[ConsumerRecord]) -> bool:
        """Records (each partition's in order) in one transaction; False, with nothing applied, when they must
        take a narrower path: batches off, a single message, one that cannot be handled, or any failure."""
        if not self._settings.batch_transactions or len(records) < 2:
            return False
        try:
            ends: dict[tuple[str, int], int | None] = {}  # each partition's end offset, looked up once a batch
            deliveries = [self._delivery(record, ends) for record in records]
        except PermanentFailure:
            return False
        wanted = [delivery for delivery in deliveries if delivery is not None]
        new: list[Delivery] = []
        try:
            if wanted:  # a batch of types this consumer does not follow needs no transaction
                async with self._engine.begin() as conn:
                    new = await self._new(conn, wanted)
                    await self._handle_all(new, conn)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.info("consumer %s: a batch of %d takes a narrower path after %s: %s", self.name, len(records),
                     type(error).__name__, error)
            return False
        self.status.retrying_since = None
        self.status.handled += len(new)
        self.status.duplicates += len(wanted) - len(new)
        self.status.ignored += len(records) - len(wanted)
        for outcome, count in (("handled", len(new)), ("duplicate", len(wanted) - len(new)),
                               ("ignored", len(records) - len(wanted))):
            if count:
                self._telemetry.consumed.labels(outcome).inc(count)
        for record in records:
            self._note_applied(record)
        return True

    async def _handle_all(self, deliveries: Sequence[Delivery], conn: AsyncConnection) -> None:
        if not deliveries:
            return
        if self._batch_handler is not None:
            await self._batch_handler(deliveries, conn)
            return
        for delivery in deliveries:
            with delivery.handling():
                await self._subscriptions[delivery.event.type].handle(delivery, conn)

    def _note_applied(self, record: ConsumerRecord) -> None:
        # Kafka's timestamp (set when the relay published the event), not ce_time: business time may be an
        # imported past (occurred_at), which would make a current projection look months old.
        published_at = record.timestamp / 1000 if record.timestamp and record.timestamp > 0 else time.time()
        self._telemetry.applied(consumer=self.name, topic=record.topic, published_at=published_at)

    def _delivery(self, record: ConsumerRecord, ends: dict[tuple[str, int], int | None]) -> Delivery | None:
        """The validated delivery, None for event types this consumer does not follow; `ends` keeps the end offsets
        of the partitions already looked up (a batch is built without awaiting, so they cannot change in between)."""
        try:  # the attributes: the data is parsed only for a subscription that validates it (_validated)
            event = cloudevents.decode(record.headers, record.value, parse_data=False)
        except UndecodableMessage as error:
            raise PermanentFailure(f"undecodable: {error}") from None
        subscription = self._subscriptions.get(event.type)
        if subscription is None:
            if (event.context, event.name) in self._events_of_interest:
                raise PermanentFailure(f"unknown schema version: {event.type}")
            return None
        payload = _validated(subscription.contract, event) if subscription.validated else None
        key = (record.topic, record.partition)
        if key not in ends:
            ends[key] = self._highwater(record.topic, record.partition)
        return Delivery(event, payload, record.topic, record.partition, record.offset, self.name, ends[key])

    async def _new(self, conn: AsyncConnection, deliveries: Sequence[Delivery]) -> list[Delivery]:
        """The deliveries to handle: those new to the inbox, or (without one) each event once."""
        if self._inbox:
            return await _record_in_inbox(conn, self.name, deliveries)
        once: dict[str, Delivery] = {}
        for delivery in deliveries:
            once.setdefault(delivery.event.id, delivery)
        return list(once.values())


def _validated(contract: type[EventContract], event: InboundEvent) -> EventContract:
    """The payload parsed and validated from the message's JSON in one pass (no dict built in between: that was
    twice the time and most of a batch's transient memory); `event.data` stays unparsed unless a handler reads it."""
    if event.raw is None:
        raise PermanentFailure("undecodable: value is not JSON: the message has no value")
    try:
        return contract_catalog.parse_json(contract, event.raw)
    except ValidationError as error:
        if any(problem["type"] == "json_invalid" for problem in error.errors()):
            raise PermanentFailure(f"undecodable: value is not JSON: {error}") from None
        raise PermanentFailure(f"invalid {event.type}: {error}") from None
