"""Improvement opportunities: one in full with its evidence and benefits verdict (`OpportunityView`), one in a list
(`OpportunitySummary`), and the request to dismiss one (`Dismiss`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from continuum.http.dates import OccurredAt, UtcDateTime
from continuum.http.decimals import DecimalText
from metrics_svc.api.schemas.common import number
from metrics_svc.domain.opportunity import ImprovementOpportunity


class OpportunitySummary(BaseModel):
    id: UUID
    service_id: UUID
    rule: str = Field(examples=["recurring_incidents"])
    category: str | None = Field(default=None, examples=["disk-full"])
    state: str = Field(examples=["open"])
    open: bool
    title: str = Field(examples=["'disk-full' incidents at 3.2× their usual rate for 5 days"])
    kpi: str = Field(examples=["incidents_in_category_per_day"])
    detected_at: UtcDateTime
    project_id: UUID | None = None
    measure_from: UtcDateTime | None = None
    measure_until: UtcDateTime | None = None
    closed_at: UtcDateTime | None = Field(default=None, description="When it lapsed or was dismissed.")


class OpportunityView(BaseModel):
    id: UUID
    service_id: UUID
    rule: str = Field(examples=["recurring_incidents"])
    category: str | None = Field(default=None, examples=["disk-full"])
    state: str = Field(examples=["open"])
    title: str = Field(examples=["'disk-full' incidents at 3.2× their usual rate for 5 days"])
    kpi: str = Field(examples=["incidents_in_category_per_day"])
    baseline: DecimalText = Field(examples=["0.4"],
                                  description="The level before the shift (per day for incident rates).")
    observed: DecimalText = Field(examples=["1.3"], description="The level in the window that fired.")
    window_days: int = Field(examples=[5])
    evidence: dict[str, Any] = Field(
        description="Which test fired, expected against observed, its statistic and level, the category, the "
                    "estimated first day of the shift (`shift_start`) and the incidents it rests on.",
        examples=[{"test": "conditional Poisson rate test", "category": "disk-full", "expected": 2.1,
                   "observed": 9, "p_value": 1.2e-7, "shift_start": "2026-05-02",
                   "incident_ids": ["6f1c0e0e-8a43-4c1e-9b43-2f0d2f8c0a11"]}])
    detected_at: UtcDateTime
    project_id: UUID | None = None
    dismissal_reason: str | None = Field(default=None, examples=["known seasonal peak"])
    abandonment_reason: str | None = Field(default=None, examples=[None],
                                           description="Why the project it was converted into was cancelled.")
    measure_from: UtcDateTime | None = None
    measure_until: UtcDateTime | None = None
    measured: DecimalText | None = Field(default=None, examples=["0.5"])
    effect: dict[str, Any] | None = Field(default=None, description="The benefits verdict's figures: rates or "
                                          "shares compared, their ratios and confidence intervals.")
    closed_at: UtcDateTime | None = Field(default=None, description="When it lapsed or was dismissed.")
    version: int = Field(examples=[1])

    @classmethod
    def of(cls, o: ImprovementOpportunity) -> OpportunityView:
        d = o.detected
        assert d is not None
        return cls(id=o.id, service_id=d.service_id, rule=d.rule, category=d.category, state=o.state,
                   title=d.title, kpi=d.kpi, effect=o.effect, closed_at=o.closed_at,
                   baseline=number(d.baseline), observed=number(d.observed), window_days=d.window_days,
                   evidence=d.evidence, detected_at=d.detected_at, project_id=o.project_id,
                   dismissal_reason=o.dismissal_reason, abandonment_reason=o.abandonment_reason,
                   measure_from=o.measure_from, measure_until=o.measure_until, measured=number(o.measured),
                   version=o.version)


class Dismiss(BaseModel):
    reason: str = Field(min_length=3, max_length=2000, examples=["A one-off supplier outage, already handled"])
    occurred_at: OccurredAt
