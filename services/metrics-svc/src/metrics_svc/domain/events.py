"""Domain events of the metrics context (the ImprovementOpportunity aggregate), named in the past tense.

Their fields equal the contracts in `continuum.contracts.metrics` (a unit test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from continuum.domain import DomainEvent


@dataclass(frozen=True)
class ImprovementOpportunityDetected(DomainEvent):
    opportunity_id: UUID
    service_id: UUID
    rule: str
    title: str
    kpi: str
    baseline: Decimal
    observed: Decimal
    window_days: int
    evidence: dict[str, Any]
    detected_at: datetime
    category: str | None = None


@dataclass(frozen=True)
class ImprovementOpportunityDismissed(DomainEvent):
    opportunity_id: UUID
    service_id: UUID
    reason: str
    dismissed_by: str | None = None
    dismissed_at: datetime | None = None


@dataclass(frozen=True)
class ImprovementOpportunityLapsed(DomainEvent):
    opportunity_id: UUID
    service_id: UUID
    rule: str
    category: str | None
    reason: str
    lapsed_at: datetime


@dataclass(frozen=True)
class ImprovementOpportunityConverted(DomainEvent):
    opportunity_id: UUID
    service_id: UUID
    project_id: UUID


@dataclass(frozen=True)
class ImprovementOpportunityAbandoned(DomainEvent):
    opportunity_id: UUID
    service_id: UUID
    project_id: UUID
    reason: str


@dataclass(frozen=True)
class BenefitsMeasurementScheduled(DomainEvent):
    opportunity_id: UUID
    service_id: UUID
    project_id: UUID
    handover_id: UUID
    measure_from: datetime
    measure_until: datetime


@dataclass(frozen=True)
class BenefitsVerdict(DomainEvent):
    """The detected KPI judged after the handover (the three verdicts share this shape)."""

    opportunity_id: UUID
    service_id: UUID
    project_id: UUID
    kpi: str
    baseline: Decimal
    measured: Decimal
    window_days: int
    effect: dict[str, Any] | None = None


@dataclass(frozen=True)
class BenefitsRealized(BenefitsVerdict):
    pass


@dataclass(frozen=True)
class BenefitsNotRealized(BenefitsVerdict):
    pass


@dataclass(frozen=True)
class BenefitsInconclusive(BenefitsVerdict):
    pass


@dataclass(frozen=True)
class OutcomeDimension:
    """One dimension of a project's Expanded View of success (domain.success.Dimension, as published)."""

    dimension: str
    traditional_measure: str
    extended_measure: str
    state: str
    figure: Decimal | None
    unit: str | None
    traditional: dict[str, Any]
    extended: dict[str, Any]
    window_start: datetime | None
    window_end: datetime | None
    events: list[str]
    based_on: int
    reason: str | None = None


@dataclass(frozen=True)
class ProjectOutcomeEvaluated(DomainEvent):
    """The last dimension of the project's scorecard became known (once per project)."""

    project_id: UUID
    evaluated_at: datetime
    horizon_days: int
    dimensions: list[OutcomeDimension]


EVENT_TYPES: tuple[type[DomainEvent], ...] = (
    ImprovementOpportunityDetected,
    ImprovementOpportunityDismissed,
    ImprovementOpportunityConverted,
    ImprovementOpportunityAbandoned,
    BenefitsMeasurementScheduled,
    BenefitsRealized,
    BenefitsNotRealized,
    ImprovementOpportunityLapsed,
    BenefitsInconclusive,
    ProjectOutcomeEvaluated,
)
