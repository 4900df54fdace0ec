"""Contracts of the events published on `continuum.metrics.events`.

Consumed by other contexts: project-svc turns ImprovementOpportunityDetected into a proposed project.
Keep their fields; new fields must be optional; a changed shape is a new schema version.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from continuum.contracts.base import EventContract

Rule = Literal["incident_rate_rise", "recurring_incidents", "sla_breach_rate", "availability_below_target",
               "csat_below_target"]


class OpportunityEvent(EventContract):
    context = "metrics"
    opportunity_id: UUID
    service_id: UUID


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


class ImprovementOpportunityDismissedV1(OpportunityEvent):
    reason: str


class ImprovementOpportunityConvertedV1(OpportunityEvent):
    """project-svc proposed a project for the opportunity (ProjectProposed with its opportunity_id)."""

    project_id: UUID


class ImprovementOpportunityAbandonedV1(OpportunityEvent):
    """The project the opportunity was converted into was cancelled; a new detection may open another."""

    project_id: UUID
    reason: str


class BenefitsMeasurementScheduledV1(OpportunityEvent):
    """The project's handover was accepted: the same KPI is measured over [measure_from, measure_until)."""

    project_id: UUID
    handover_id: UUID
    measure_from: datetime
    measure_until: datetime


class BenefitsRealizedV1(OpportunityEvent):
    project_id: UUID
    kpi: str
    baseline: Decimal
    measured: Decimal
    window_days: int


class BenefitsNotRealizedV1(OpportunityEvent):
    project_id: UUID
    kpi: str
    baseline: Decimal
    measured: Decimal
    window_days: int


PUBLISHED: tuple[type[EventContract], ...] = (
    ImprovementOpportunityDetectedV1,
    ImprovementOpportunityDismissedV1,
    ImprovementOpportunityConvertedV1,
    ImprovementOpportunityAbandonedV1,
    BenefitsMeasurementScheduledV1,
    BenefitsRealizedV1,
    BenefitsNotRealizedV1,
)
