"""Request and response DTOs of handover-svc, every field with an example."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field

from continuum.http.dates import OccurredAt, UtcDateTime
from continuum.http.decimals import DecimalText, decimal_text
from handover_svc.domain.criteria import Criterion, Readiness
from handover_svc.domain.early_life import ExitAssessment
from handover_svc.domain.handover import Handover

SERVICE_ID = "5f0c6f9e-3f5b-4a7e-9d43-1f6f0c2b9a10"
PROJECT_ID = "a1b2c3d4-0000-4000-8000-000000000001"
HANDOVER_ID = "7d3e1c52-8a4f-5b6e-9c0d-2e1f3a4b5c6d"
WHEN = "2026-03-01T09:00:00Z"


class OpenHandoverRequest(BaseModel):
    service_id: UUID = Field(examples=[SERVICE_ID])
    project_id: UUID | None = Field(default=None, examples=[PROJECT_ID])
    occurred_at: OccurredAt


class AddCriterionRequest(BaseModel):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", examples=["security-review-passed"])
    title: str = Field(min_length=1, max_length=200, examples=["Security review passed"])
    mandatory: bool = Field(default=False, examples=[True])
    occurred_at: OccurredAt


class MeetCriterionRequest(BaseModel):
    evidence: str = Field(min_length=1, max_length=2000, description="A link or a text.",
                          examples=["https://wiki.example.com/payments/runbook"])
    early_life_support_days: int | None = Field(
        default=None, ge=1, le=365, description="Only for `early-life-support-period-agreed`: the agreed days.",
        examples=[30])
    max_incidents_per_week: Decimal | None = Field(
        default=None, ge=0, le=10000, max_digits=8, decimal_places=2,
        description="Only for `early-life-support-period-agreed`: the exit threshold (default 3).", examples=["2"])
    occurred_at: OccurredAt


class WaiveCriterionRequest(BaseModel):
    justification: str = Field(min_length=1, max_length=2000, examples=["Monitoring comes from the shared platform"])
    occurred_at: OccurredAt


class ResetCriterionRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, examples=["The runbook link is broken"])
    occurred_at: OccurredAt


class DecisionRequest(BaseModel):
    occurred_at: OccurredAt


class RejectRequest(BaseModel):
    reasons: list[str] = Field(min_length=1, max_length=50, examples=[["Support team not trained on billing"]])
    occurred_at: OccurredAt


class ResubmitRequest(BaseModel):
    note: str = Field(default="", max_length=2000, examples=["Training done on 3 March; see the KB link"])
    occurred_at: OccurredAt


class ExtendRequest(BaseModel):
    days: int = Field(ge=1, le=365, examples=[14])
    reason: str = Field(min_length=1, max_length=2000, examples=["Two P2 incidents still under analysis"])
    occurred_at: OccurredAt


class EndEarlyRequest(BaseModel):
    justification: str = Field(min_length=1, max_length=2000,
                               examples=["Stable since the fix of 12 March; the remaining breach was a vendor outage"])
    occurred_at: OccurredAt


class CriterionView(BaseModel):
    key: str = Field(examples=["sla-defined"])
    title: str = Field(examples=["SLA defined"])
    mandatory: bool = Field(examples=[True])
    status: str = Field(examples=["met"], description="pending | met | waived")
    evidence: str | None = Field(examples=["SLA defined in service-svc: availability 99.9%"])
    justification: str | None = Field(examples=[None])
    confirmed_by: str | None = Field(examples=["continuum:service-events"])
    confirmed_at: UtcDateTime | None = Field(examples=[WHEN])
    automatic: bool = Field(examples=[True])

    @classmethod
    def of(cls, criterion: Criterion) -> CriterionView:
        return cls(key=criterion.key, title=criterion.title, mandatory=criterion.mandatory,
                   status=criterion.status.value, evidence=criterion.evidence,
                   justification=criterion.justification, confirmed_by=criterion.confirmed_by,
                   confirmed_at=criterion.confirmed_at, automatic=criterion.automatic)


def percent(share: Decimal) -> str:
    """A share from 0 to 1 (as the domain and the events keep it) as a percentage (api-conventions: 0–100)."""
    return decimal_text(share * 100, 2) or "0"


class ReadinessView(BaseModel):
    score_pct: DecimalText = Field(description="Percentage (0–100) of criteria met or waived, to 0.01.",
                                   examples=["77.78"])
    settled: int = Field(examples=[7])
    total: int = Field(examples=[9])
    pending: list[str] = Field(examples=[["support-team-trained", "known-errors-documented"]])
    pending_mandatory: list[str] = Field(examples=[["support-team-trained"]])

    @classmethod
    def of(cls, ready: Readiness) -> ReadinessView:
        return cls(score_pct=percent(ready.score), settled=ready.settled, total=ready.total, pending=ready.pending,
                   pending_mandatory=ready.pending_mandatory)


class RejectionView(BaseModel):
    rejected_by: str = Field(examples=["owner@example.com"])
    rejected_at: UtcDateTime = Field(examples=[WHEN])
    reasons: list[str] = Field(examples=[["Support team not trained on billing"]])


class EarlyLifeView(BaseModel):
    started_at: UtcDateTime = Field(examples=[WHEN])
    ends_at: UtcDateTime = Field(examples=["2026-03-31T09:00:00Z"])
    days: int = Field(examples=[30], description="Agreed days plus extensions.")
    extensions: list[str] = Field(examples=[["+14 days: two P2 incidents still under analysis"]])
    max_incidents_per_week: Decimal = Field(examples=["3"])
    assessed_at: UtcDateTime = Field(examples=[WHEN])
    incidents: int = Field(examples=[2])
    incident_rate_per_week: Decimal = Field(examples=["0.47"])
    open_p1: int = Field(examples=[0])
    sla_breaches: int = Field(examples=[0], description="SLA breaches in the period.")
    stable_from: UtcDateTime = Field(examples=["2026-03-24T09:00:00Z"], description=(
        "The start of the period's trailing days (the last 7, or the whole period when shorter): no SLA "
        "breach in them is the exit criterion `sla-met-over-trailing-days`."))
    recent_sla_breaches: int = Field(examples=[0], description="SLA breaches since `stable_from`.")
    failing_exit_criteria: list[str] = Field(examples=[["early-life-period-ended"]])
    ended_early: bool = Field(default=False, description="Ended by the service's owner before the criteria held.")
    ended_by: str | None = Field(default=None, examples=[None])
    justification: str | None = Field(default=None, examples=[None])

    @classmethod
    def of(cls, handover: Handover, assessment: ExitAssessment) -> EarlyLifeView:
        support, completion = handover.early_life, handover.completion
        ended_early = completion is not None and completion.ended_early
        return cls(started_at=support.started_at, ends_at=support.ends_at, days=support.total_days,
                   extensions=[f"+{days} days: {reason}" for days, reason in support.extensions],
                   max_incidents_per_week=support.max_incidents_per_week, assessed_at=assessment.at,
                   incidents=assessment.incidents, incident_rate_per_week=assessment.incident_rate_per_week,
                   open_p1=assessment.open_p1, sla_breaches=assessment.sla_breaches,
                   stable_from=assessment.stable_from, recent_sla_breaches=assessment.recent_sla_breaches,
                   failing_exit_criteria=assessment.failing, ended_early=ended_early,
                   ended_by=completion.ended_by if ended_early else None,
                   justification=completion.justification if ended_early else None)


class HandoverView(BaseModel):
    id: UUID = Field(examples=[HANDOVER_ID])
    service_id: UUID = Field(examples=[SERVICE_ID])
    project_id: UUID | None = Field(examples=[PROJECT_ID])
    state: str = Field(examples=["open"], description="open | rejected | accepted (early life support) | completed")
    opened_at: UtcDateTime = Field(examples=[WHEN])
    readiness: ReadinessView
    criteria: list[CriterionView]
    early_life_support_days: int | None = Field(examples=[30])
    last_rejection: RejectionView | None = None
    accepted_by: str | None = Field(default=None, examples=["owner@example.com"])
    accepted_at: UtcDateTime | None = Field(default=None, examples=[WHEN])
    early_life: EarlyLifeView | None = None
    completed_at: UtcDateTime | None = Field(default=None, examples=[None])
    version: int = Field(examples=[12])

    @classmethod
    def of(cls, handover: Handover, *, at: datetime) -> HandoverView:
        rejection, acceptance = handover.last_rejection, handover.acceptance
        assessment = handover.exit_assessment(_assessed_at(handover, at))
        return cls(
            id=handover.id, service_id=handover.service_id, project_id=handover.project_id,
            state=handover.state.value, opened_at=handover.opened_at, readiness=ReadinessView.of(handover.readiness()),
            criteria=[CriterionView.of(criterion) for criterion in handover.criteria.values()],
            early_life_support_days=handover.early_life_support_days,
            last_rejection=RejectionView(rejected_by=rejection.rejected_by, rejected_at=rejection.rejected_at,
                                         reasons=rejection.reasons) if rejection else None,
            accepted_by=acceptance.accepted_by if acceptance else None,
            accepted_at=acceptance.accepted_at if acceptance else None,
            early_life=EarlyLifeView.of(handover, assessment) if assessment else None,
            completed_at=handover.completion.completed_at if handover.completion else None,
            version=handover.version,
        )


def _assessed_at(handover: Handover, at: datetime) -> datetime:
    """A completed handover shows its figures as they stood at completion."""
    return handover.completion.completed_at if handover.completion else at


class HandoverSummary(BaseModel):
    id: UUID = Field(examples=[HANDOVER_ID])
    project_id: UUID | None = Field(examples=[PROJECT_ID])
    service_id: UUID = Field(examples=[SERVICE_ID])
    state: str = Field(examples=["open"])
    awaiting_acceptance: bool = Field(examples=[True])
    readiness_pct: DecimalText = Field(description="Percentage (0–100) of criteria met or waived, to 0.01.",
                                       examples=["22.22"])
    pending: list[str] = Field(examples=[["documentation-complete"]])
    opened_at: UtcDateTime = Field(examples=[WHEN])

    @classmethod
    def of_stored(cls, summary: dict) -> HandoverSummary:
        """A stored summary (the domain's shape, its readiness a share) as the list shows it."""
        fields = {key: value for key, value in summary.items() if key != "readiness_score"}
        return cls(**fields, readiness_pct=percent(Decimal(summary["readiness_score"])))
