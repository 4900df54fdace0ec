"""Commands on a change, given by the service's owner: request, approve, reject and implement it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from service_svc.domain.commands.ownership import ByTheServicesOwner


@dataclass(frozen=True)
class RequestChange(ByTheServicesOwner):
    service_id: UUID
    kind: str
    title: str
    risk: str
    planned_start: datetime
    planned_end: datetime
    at: datetime


@dataclass(frozen=True)
class ApproveChange(ByTheServicesOwner):
    change_id: UUID
    approver: str
    at: datetime


@dataclass(frozen=True)
class RejectChange(ByTheServicesOwner):
    change_id: UUID
    approver: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class ImplementChange(ByTheServicesOwner):
    change_id: UUID
    outcome: str
    at: datetime
