"""Commands of the metrics context, in the imperative."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from metrics_svc.domain.benefits import Verdict
from metrics_svc.domain.detection import Detection


@dataclass(frozen=True, kw_only=True)
class DetectOpportunity:
    service_id: UUID
    detection: Detection
    cooldown_days: int
    at: datetime


@dataclass(frozen=True, kw_only=True)
class DismissOpportunity:
    opportunity_id: UUID
    reason: str
    by: str | None
    authority: str = "in person"  # or "admin", "integration": they may act for any service's owner
    at: datetime


@dataclass(frozen=True, kw_only=True)
class LapseOpportunity:
    opportunity_id: UUID
    reason: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class ConvertOpportunity:
    opportunity_id: UUID
    project_id: UUID
    at: datetime


@dataclass(frozen=True, kw_only=True)
class AbandonOpportunity:
    opportunity_id: UUID
    project_id: UUID
    reason: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class ScheduleBenefitsMeasurement:
    opportunity_id: UUID
    handover_id: UUID
    accepted_at: datetime
    max_days: int
    at: datetime


@dataclass(frozen=True, kw_only=True)
class RecordBenefits:
    opportunity_id: UUID
    verdict: Verdict
    at: datetime
