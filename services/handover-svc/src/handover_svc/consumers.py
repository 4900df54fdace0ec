"""Inbound translators: the project and service events handover-svc follows, each turned into a command.

Besides opening handovers and ticking criteria, they teach handover-svc which services and projects exist,
who owns each service and its lifecycle stage (read_model): what POST /handovers may refer to, who decides
on a handover, and whether it may be accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.bus import MessageBus
from continuum.consumer import Delivery, Subscription
from continuum.contracts import project, service
from continuum.contracts.base import EventContract

from handover_svc.domain import commands as c

Translator = Callable[[Any, datetime], Any]


def _closing_started(event: project.ProjectClosingStartedV1, at: datetime) -> c.OpenHandoversForClosingProject:
    return c.OpenHandoversForClosingProject(event.project_id, tuple(event.target_service_ids), at)


def _sla_defined(event: service.SlaDefinedV1, at: datetime) -> c.RecordServiceFact:
    evidence = f"SLA defined in service-svc: availability {event.availability_target_pct}%"
    return c.RecordServiceFact(event.service_id, sla_defined=True, owner=None, evidence=evidence, at=at)


def _sla_withdrawn(event: service.SlaWithdrawnV1, at: datetime) -> c.RecordServiceFact:
    return c.RecordServiceFact(event.service_id, sla_defined=False, owner=None,
                               evidence=f"SLA withdrawn: {event.reason}", at=at)


def _registered(event: service.ServiceRegisteredV1, at: datetime) -> c.RecordServiceFact:
    """The service exists (handovers may name it), in its first stage, with its owner if one is named."""
    owner = event.owner or None
    return c.RecordServiceFact(event.service_id, sla_defined=None, owner=owner, at=at, stage=event.stage,
                               evidence=f"service owner: {owner}" if owner else f"registered in {event.stage}")


def _owner_assigned(event: service.ServiceOwnerAssignedV1, at: datetime) -> c.RecordServiceFact:
    return c.RecordServiceFact(event.service_id, sla_defined=None, owner=event.owner,
                               evidence=f"service owner: {event.owner}", at=at)


def _stage_changed(event: service.ServiceStageChangedV1, at: datetime) -> c.RecordServiceFact:
    return c.RecordServiceFact(event.service_id, sla_defined=None, owner=None, evidence=event.reason, at=at,
                               stage=event.to_stage)


def _proposed(event: project.ProjectProposedV1, at: datetime) -> c.RecordProject:
    return c.RecordProject(event.project_id)


def _incident_opened(event: service.IncidentOpenedV1, at: datetime) -> c.RecordServiceIncident:
    return c.RecordServiceIncident(event.service_id, event.incident_id, "opened", event.priority, event.detected_at)


def _incident_resolved(event: service.IncidentResolvedV1, at: datetime) -> c.RecordServiceIncident:
    return c.RecordServiceIncident(event.service_id, event.incident_id, "resolved", None, event.resolved_at)


def _response_breached(event: service.IncidentResponseSlaBreachedV1, at: datetime) -> c.RecordServiceIncident:
    return c.RecordServiceIncident(event.service_id, event.incident_id, "response-breach", event.priority,
                                   event.breached_at)


def _resolution_breached(event: service.IncidentResolutionSlaBreachedV1, at: datetime) -> c.RecordServiceIncident:
    return c.RecordServiceIncident(event.service_id, event.incident_id, "resolution-breach", event.priority,
                                   event.breached_at)


TRANSLATORS: dict[type[EventContract], Translator] = {
    project.ProjectProposedV1: _proposed,
    project.ProjectClosingStartedV1: _closing_started,
    service.ServiceRegisteredV1: _registered,
    service.ServiceStageChangedV1: _stage_changed,
    service.SlaDefinedV1: _sla_defined,
    service.SlaWithdrawnV1: _sla_withdrawn,
    service.ServiceOwnerAssignedV1: _owner_assigned,
    service.IncidentOpenedV1: _incident_opened,
    service.IncidentResolvedV1: _incident_resolved,
    service.IncidentResponseSlaBreachedV1: _response_breached,
    service.IncidentResolutionSlaBreachedV1: _resolution_breached,
}

CONSUMES: tuple[type[EventContract], ...] = tuple(TRANSLATORS)


def subscriptions(bus: MessageBus) -> Mapping[str, Subscription]:
    """`{ce_type: Subscription}` for every event of interest, each handled by `bus` in the inbox's transaction."""

    def handler(translate: Translator):
        async def handle(delivery: Delivery, conn: AsyncConnection) -> None:
            command = translate(delivery.payload, delivery.event.time or datetime.now(UTC))
            if command is not None:
                await bus.handle(command, connection=conn)

        return handle

    return {contract.ce_type(): Subscription(contract, handler(translate)) for contract, translate in TRANSLATORS.items()}
