"""Inbound translators: the events of other contexts that service-svc reacts to, turned into commands."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.bus import MessageBus
from continuum.consumer import Delivery, Subscription
from continuum.contracts.base import EventContract
from continuum.contracts.handover import HandoverAcceptedV1
from continuum.domain import DomainError, NotFound

from service_svc.domain.commands import RecordHandoverAcceptance

CONSUMES: tuple[type[EventContract], ...] = (HandoverAcceptedV1,)


def subscriptions(bus: MessageBus) -> Mapping[str, Subscription]:
    async def on_handover_accepted(delivery: Delivery, conn: AsyncConnection) -> None:
        accepted = delivery.payload
        assert isinstance(accepted, HandoverAcceptedV1)
        command = RecordHandoverAcceptance(service_id=accepted.service_id, handover_id=accepted.handover_id,
                                           at=accepted.accepted_at)
        try:
            await bus.handle(command, connection=conn)
        except NotFound as missing:  # a handover of a service this catalog never had: park it, do not retry
            raise DomainError("service-known", str(missing)) from None

    return {HandoverAcceptedV1.ce_type(): Subscription(HandoverAcceptedV1, on_handover_accepted)}
