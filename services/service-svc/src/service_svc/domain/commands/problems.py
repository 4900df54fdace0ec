"""Commands on a problem, given by the service's owner: open it, link incidents, record its root cause and
known error, resolve it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from service_svc.domain.commands.ownership import ByTheServicesOwner


@dataclass(frozen=True)
class OpenProblem(ByTheServicesOwner):
    service_id: UUID
    title: str
    incident_ids: list[UUID]
    at: datetime


@dataclass(frozen=True)
class LinkIncident(ByTheServicesOwner):
    problem_id: UUID
    incident_id: UUID
    at: datetime


@dataclass(frozen=True)
class RecordRootCause(ByTheServicesOwner):
    problem_id: UUID
    root_cause: str
    at: datetime


@dataclass(frozen=True)
class RecordKnownError(ByTheServicesOwner):
    problem_id: UUID
    workaround: str
    at: datetime


@dataclass(frozen=True)
class ResolveProblem(ByTheServicesOwner):
    problem_id: UUID
    resolution: str
    resolve_incidents: bool
    at: datetime
