"""Contracts of the events published on `continuum.service.events`.

Consumed by other contexts: handover-svc ticks "SLA defined" and "service owner named" from these and
watches incidents during early life support; metrics-svc projects every service KPI from them. Keep their
fields; new fields must be optional; a changed shape is a new schema version.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import Field

from continuum.contracts.base import ContractPart, EventContract

Priority = Literal["P1", "P2", "P3", "P4"]
Stage = Literal["strategy", "design", "transition", "operation", "retired"]


class ServiceEvent(EventContract):
    context = "service"
    service_id: UUID


class ServiceRegisteredV1(ServiceEvent):
    name: str
    description: str
    owner: str | None = None
    stage: Stage


class ServiceOwnerAssignedV1(ServiceEvent):
    owner: str


class ServiceStageChangedV1(ServiceEvent):
    from_stage: Stage
    to_stage: Stage
    reason: str
    handover_id: UUID | None = None


class SlaTargets(ContractPart):
    response_minutes: int = Field(gt=0)
    resolution_minutes: int = Field(gt=0)


class SlaDefinedV1(ServiceEvent):
    """The service's SLA was defined or revised."""

    availability_target_pct: Decimal = Field(gt=0, le=100)
    targets: dict[Priority, SlaTargets]
    csat_target_pct: Decimal = Field(ge=0, le=100)


class SlaWithdrawnV1(ServiceEvent):
    reason: str


class OperatingCostRecordedV1(ServiceEvent):
    amount: Decimal
    incurred_on: datetime
    category: str


class IncidentEvent(ServiceEvent):
    incident_id: UUID


class IncidentOpenedV1(IncidentEvent):
    priority: Priority
    category: str
    title: str
    outage: bool
    detected_at: datetime


class IncidentAcknowledgedV1(IncidentEvent):
    acknowledged_at: datetime


class IncidentResolvedV1(IncidentEvent):
    resolved_at: datetime
    resolution_code: str
    outage_minutes: Decimal = Decimal(0)
    response_sla_met: bool | None = None
    resolution_sla_met: bool | None = None


class IncidentReopenedV1(IncidentEvent):
    reason: str


class IncidentClosedV1(IncidentEvent):
    closed_at: datetime


class IncidentResponseSlaBreachedV1(IncidentEvent):
    priority: Priority
    target_minutes: int
    breached_at: datetime


class IncidentResolutionSlaBreachedV1(IncidentEvent):
    priority: Priority
    target_minutes: int
    breached_at: datetime


class IncidentCsatRatedV1(IncidentEvent):
    score: int = Field(ge=1, le=5)


class ChangeImplementedV1(ServiceEvent):
    change_id: UUID
    outcome: Literal["successful", "failed"]


PUBLISHED: tuple[type[EventContract], ...] = (
    ServiceRegisteredV1,
    ServiceOwnerAssignedV1,
    ServiceStageChangedV1,
    SlaDefinedV1,
    SlaWithdrawnV1,
    OperatingCostRecordedV1,
    IncidentOpenedV1,
    IncidentAcknowledgedV1,
    IncidentResolvedV1,
    IncidentReopenedV1,
    IncidentClosedV1,
    IncidentResponseSlaBreachedV1,
    IncidentResolutionSlaBreachedV1,
    IncidentCsatRatedV1,
    ChangeImplementedV1,
)
