"""Commands of the metrics context, in the imperative."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from metrics_svc.domain.detection import Detection


@dataclass(frozen=True)
class DetectOpportunity:
    service_id: UUID
    detection: Detection
    at: datetime


@dataclass(frozen=True)
class DismissOpportunity:
    opportunity_id: UUID
    reason: str
    at: datetime


@dataclass(frozen=True)
class ConvertOpportunity:
    opportunity_id: UUID
    project_id: UUID
    at: datetime


@dataclass(frozen=True)
class AbandonOpportunity:
    opportunity_id: UUID
    project_id: UUID
    reason: str
    at: datetime


@dataclass(frozen=True)
class ScheduleBenefitsMeasurement:
    opportunity_id: UUID
    handover_id: UUID
    accepted_at: datetime
    window_days: int
    at: datetime


@dataclass(frozen=True)
class MeasureBenefits:
    opportunity_id: UUID
    min_gap_closed_pct: Decimal
    at: datetime
