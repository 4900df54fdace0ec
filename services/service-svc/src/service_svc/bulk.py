"""Bulk import of a service's incident history (docs/bulk-import.md): how an imported line opens or moves an
Incident; continuum.importers.batch groups, orders, batches and answers the lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from continuum.eventstore.uow import UnitOfWork
from continuum.importers.batch import ImportRun, Line, run_import
from continuum.importers.ndjson import LineResult

from service_svc import read_model
from service_svc.calendar_handlers import applied_sla
from service_svc.domain.incident import Incident
from service_svc.domain.service import Service


def incident_scope(service_id: UUID) -> str:
    """The import keys' namespace: a ServiceNow number names one incident of one service."""
    return f"incident:{service_id}"


@dataclass
class _Lines:
    """What the lines of one transaction share: the service as committed under its SLA lock, calendars read."""

    uow: UnitOfWork
    service: Service
    calendars: dict = field(default_factory=dict)


@dataclass(frozen=True)
class IncidentImporter:
    service_id: UUID
    aggregate: type = Incident
    creates: frozenset[str] = frozenset({"open"})

    async def begin(self, uow: UnitOfWork) -> _Lines:
        """As an opening does: wait for an SLA change in flight, then read the service (openings share the lock)."""
        await read_model.lock_service_sla(uow.connection, self.service_id, exclusive=False)
        return _Lines(uow, await uow.get(Service, self.service_id))

    async def create(self, body: Any, lines: _Lines) -> Incident:
        lines.service.require_live()
        sla = await applied_sla(lines.uow, lines.service, body.priority, body.occurred_at, loaded=lines.calendars)
        return Incident.open(service_id=self.service_id, priority=body.priority, category=body.category,
                             title=body.title, description=body.description, outage=body.outage,
                             detected_at=body.detected_at or body.occurred_at, sla=sla, at=body.occurred_at)

    async def apply(self, incident: Incident, body: Any, lines: _Lines) -> None:
        at = body.occurred_at
        match body.command:
            case "acknowledge":
                incident.acknowledge(at=at)
            case "assign":
                incident.assign(body.assignee, at=at)
            case "hold":
                incident.put_on_hold(body.reason, at=at)
            case "resume":
                incident.resume(at=at)
            case "resolve":
                incident.resolve(body.resolution_code, downtime_minutes=body.downtime_minutes, at=at)
            case "close":
                incident.close(at=at)
            case "reopen":
                incident.reopen(body.reason, at=at)
            case "rate":
                incident.rate(body.score, body.comment, at=at)
            case other:
                raise AssertionError(f"no incident command {other}")  # the line models list every command


async def owned_service(uow: UnitOfWork, service_id: UUID, *, acting: str | None) -> Service:
    """The service imported into, once the caller owns it (`acting` None: admin, for any service)."""
    service = await uow.get(Service, service_id)
    service.require_owner(acting)
    return service


async def import_incidents(platform: Any, service_id: UUID, lines: list[Line], *,
                           dry_run: bool = False) -> list[LineResult]:
    """Apply incident lines to the service's history (or only say what would happen): one result per line."""
    run = ImportRun(engine=platform.engine, store=platform.store, scope=incident_scope(service_id), dry_run=dry_run)
    return await run_import(run, IncidentImporter(service_id), lines)
