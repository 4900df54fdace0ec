"""Commands on an incident: open, acknowledge, assign, hold, resume, resolve, close, reopen, rate it, and
record its SLA breaches (the deadline watcher's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID


@dataclass(frozen=True)
class OpenIncident:
    service_id: UUID
    priority: str
    category: str
    title: str
    description: str
    outage: bool
    detected_at: datetime
    at: datetime


@dataclass(frozen=True)
class AcknowledgeIncident:
    incident_id: UUID
    at: datetime


@dataclass(frozen=True)
class AssignIncident:
    incident_id: UUID
    assignee: str
    at: datetime


@dataclass(frozen=True)
class HoldIncident:
    incident_id: UUID
    reason: str
    at: datetime


@dataclass(frozen=True)
class ResumeIncident:
    incident_id: UUID
    at: datetime


@dataclass(frozen=True)
class ResolveIncident:
    incident_id: UUID
    resolution_code: str
    downtime_minutes: Decimal | None
    at: datetime


@dataclass(frozen=True)
class CloseIncident:
    incident_id: UUID
    at: datetime


@dataclass(frozen=True)
class ReopenIncident:
    incident_id: UUID
    reason: str
    at: datetime


@dataclass(frozen=True)
class RateIncident:
    incident_id: UUID
    score: int
    comment: str | None
    at: datetime


@dataclass(frozen=True)
class RecordSlaBreaches:
    """Sent by the deadline watcher: record every breach due by `now`."""

    incident_id: UUID
    now: datetime
