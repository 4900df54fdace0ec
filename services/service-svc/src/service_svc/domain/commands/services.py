"""Commands on a service: register it, assign its owner, change its stage, record a handover's acceptance,
define and withdraw SLAs, record operating costs, plan and implement improvements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from service_svc.domain.commands.ownership import ByTheServicesOwner
from service_svc.domain.service import Sla


@dataclass(frozen=True)
class RegisterService(ByTheServicesOwner):
    name: str
    description: str
    owner: str | None
    demanded_by: str
    expected_volume: str
    at: datetime


@dataclass(frozen=True)
class AssignOwner(ByTheServicesOwner):
    service_id: UUID
    owner: str
    at: datetime


@dataclass(frozen=True)
class ChangeStage(ByTheServicesOwner):
    service_id: UUID
    to_stage: str
    reason: str
    by_admin: bool
    at: datetime


@dataclass(frozen=True, kw_only=True)
class RecordHandoverAcceptance:
    """handover-svc's HandoverAccepted, recorded on the service: the decision was taken (and checked) there (project-svc
    records the same reaction under the same name)."""

    service_id: UUID
    handover_id: UUID
    at: datetime


@dataclass(frozen=True)
class DefineSla(ByTheServicesOwner):
    service_id: UUID
    sla: Sla
    at: datetime


@dataclass(frozen=True)
class WithdrawSla(ByTheServicesOwner):
    service_id: UUID
    reason: str
    at: datetime


@dataclass(frozen=True)
class RecordOperatingCost(ByTheServicesOwner):
    service_id: UUID
    amount: Decimal
    incurred_on: datetime
    category: str
    at: datetime


@dataclass(frozen=True)
class PlanImprovement(ByTheServicesOwner):
    service_id: UUID
    title: str
    project_id: UUID | None
    at: datetime


@dataclass(frozen=True)
class ImplementImprovement(ByTheServicesOwner):
    service_id: UUID
    improvement_id: UUID
    project_id: UUID | None
    at: datetime
