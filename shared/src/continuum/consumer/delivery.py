"""What a consumer hands its handlers: a `Delivery` (an inbound event, its validated payload and where it was
read), the handler signatures, a `Subscription` of an event type to a handler, and `PermanentFailure`, the
verdict on a message that can never be handled (it goes to the DLQ)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.context import CausationContext, causation
from continuum.contracts.base import EventContract
from continuum.kafka.cloudevents import InboundEvent
from continuum.observability import span


@dataclass
class Delivery:
    """An inbound event with its payload validated against its contract, as `consumer` received it; read-only by
    convention (not frozen, for the cost of a frozen dataclass's __init__: see InboundEvent)."""

    event: InboundEvent
    payload: EventContract  # for a subscription that routes without reading the data (validated=False): None
    topic: str
    partition: int
    offset: int
    consumer: str
    highwater: int | None = None
    """The partition's end offset as the fetch that brought this message saw it (None when not known)."""

    @contextmanager
    def handling(self) -> Iterator[None]:
        """The span and causation of work done for this event: what it causes is caused by it, in its trace."""
        with span(f"consume {self.event.type}", traceparent=self.event.traceparent,
                  kind=SpanKind.CONSUMER) as (_, traceparent):
            context = CausationContext(
                correlation_id=self.event.correlation_id or self.event.id,
                causation_id=self.event.id,
                actor=f"consumer:{self.consumer}",
                traceparent=traceparent,
            )
            with causation(context):
                yield


InboundHandler = Callable[[Delivery, AsyncConnection], Awaitable[None]]
BatchHandler = Callable[[Sequence[Delivery], AsyncConnection], Awaitable[None]]
"""Handles deliveries, new to the inbox and in partition order, in the caller's transaction; enters each
delivery's `handling()` itself around the work done for it."""


@dataclass(frozen=True)
class Subscription:
    contract: type[EventContract]
    handle: InboundHandler | None = None
    """None when the consumer's batch handler takes this type."""
    validated: bool = True
    """False for a handler that routes on the CloudEvent's attributes and passes the data on as published (the
    webhook intake): the contract is not checked again for it, which was a third of that consumer's CPU, and the
    data is not even parsed unless the handler reads `event.data` (a value that is not a JSON object then raises
    UndecodableMessage there: the handler turns it into a `PermanentFailure`)."""


class PermanentFailure(Exception):
    """The message can never be handled: park it in the DLQ (raised by the consumer, or by a handler)."""
