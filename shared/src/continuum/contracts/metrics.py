"""Contracts of the events published on `continuum.metrics.events`: the metrics context's events, once.

Consumed by other contexts: project-svc turns ImprovementOpportunityDetected into a proposed project.
Keep their fields; new fields must be optional; a changed shape is a new schema version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from continuum.contracts.base import ContractPart, EventContract

Rule = Literal["incident_rate_rise", "recurring_incidents", "sla_breach_rate", "availability_below_target",
               "csat_below_target"]


@dataclass(frozen=True, kw_only=True)
class OpportunityEvent(EventContract):
    context = "metrics"
    opportunity_id: UUID
    service_id: UUID


@dataclass(frozen=True, kw_only=True)
class ImprovementOpportunityDetectedV1(OpportunityEvent):
    """Operational data revealed a weakness: the evidence says which figures and events."""

    rule: Rule
    title: str
    kpi: str
    baseline: Decimal
    observed: Decimal
    window_days: int
    evidence: dict[str, Any]
    detected_at: datetime
    category: str | None = None


@dataclass(frozen=True, kw_only=True)
class ImprovementOpportunityDismissedV1(OpportunityEvent):
    """Someone judged the opportunity a false alarm (open or converted): project-svc cancels the project proposed
    for it if that project is still open; the same rule and category may be detected again after a cooldown."""

    reason: str
    dismissed_by: str | None = None
    dismissed_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class ImprovementOpportunityLapsedV1(OpportunityEvent):
    """An open (not yet converted) opportunity whose signal cleared on business time: project-svc cancels the
    project proposed for it if that project is still open; re-detection is allowed after a cooldown."""

    rule: Rule
    category: str | None = None
    reason: str
    lapsed_at: datetime


@dataclass(frozen=True, kw_only=True)
class ImprovementOpportunityConvertedV1(OpportunityEvent):
    """project-svc proposed a project for the opportunity (ProjectProposed with its opportunity_id)."""

    project_id: UUID


@dataclass(frozen=True, kw_only=True)
class ImprovementOpportunityAbandonedV1(OpportunityEvent):
    """The project the opportunity was converted into was cancelled; a new detection may open another."""

    project_id: UUID
    reason: str


@dataclass(frozen=True, kw_only=True)
class BenefitsMeasurementScheduledV1(OpportunityEvent):
    """The project's handover was accepted: the same KPI is measured over [measure_from, measure_until)."""

    project_id: UUID
    handover_id: UUID
    measure_from: datetime
    measure_until: datetime


@dataclass(frozen=True, kw_only=True)
class BenefitsVerdict(OpportunityEvent):
    """The detected KPI measured after the handover: `measured` over `window_days`, `baseline` the level before
    the regression; `effect` holds the rates or shares compared, their ratios and confidence intervals."""

    project_id: UUID
    kpi: str
    baseline: Decimal
    measured: Decimal
    window_days: int
    effect: dict[str, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class BenefitsRealizedV1(BenefitsVerdict):
    """The KPI fell significantly below its level after detection and closed enough of the gap to baseline."""


@dataclass(frozen=True, kw_only=True)
class BenefitsNotRealizedV1(BenefitsVerdict):
    """The KPI stayed significantly above the pre-regression baseline, with too little of the gap closed."""


@dataclass(frozen=True, kw_only=True)
class BenefitsInconclusiveV1(BenefitsVerdict):
    """Too little data to decide by the end of the maximum measurement period."""


@dataclass(frozen=True, kw_only=True)
class OutcomeDimension(ContractPart):
    """One dimension of the Expanded View: its traditional measure beside its extended one, the headline `figure`
    (in `unit`), both measures' figures, the window and the event types it rests on, and how many events."""

    dimension: Literal["scope", "time", "cost", "quality", "stakeholders", "value"]
    traditional_measure: str
    extended_measure: str
    state: Literal["known", "not_applicable"]
    figure: Decimal | None = None
    unit: str | None = None
    traditional: dict[str, Any]
    extended: dict[str, Any]
    window_start: datetime | None = None
    window_end: datetime | None = None
    events: list[str]
    based_on: int
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class ProjectOutcomeEvaluatedV1(EventContract):
    """A project's success in the Expanded View (scope → fit for purpose, time → speed to value, cost → total cost
    of ownership, quality → operational reliability, stakeholders → adoption and satisfaction, value → benefits
    realised), published once, when its last dimension became known (docs/project-success.md). The triple
    constraint alone is project-svc's ProjectSuccessEvaluated."""

    context = "metrics"
    project_id: UUID
    evaluated_at: datetime
    horizon_days: int
    dimensions: list[OutcomeDimension]


PUBLISHED: tuple[type[EventContract], ...] = (
    ImprovementOpportunityDetectedV1,
    ImprovementOpportunityDismissedV1,
    ImprovementOpportunityConvertedV1,
    ImprovementOpportunityAbandonedV1,
    BenefitsMeasurementScheduledV1,
    BenefitsRealizedV1,
    BenefitsNotRealizedV1,
    ImprovementOpportunityLapsedV1,
    BenefitsInconclusiveV1,
    ProjectOutcomeEvaluatedV1,
)
