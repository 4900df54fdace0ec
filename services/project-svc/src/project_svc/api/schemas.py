"""Request and response DTOs of project-svc, each field with an example."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from continuum.http.dates import BusinessDate, OccurredAt, UtcDateTime

Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2, examples=["25000.00"])]
PositiveMoney = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2, examples=["25000.00"])]
NO_NUL = r"^[^\x00]*$"  # PostgreSQL's jsonb cannot hold U+0000: refuse it as bad input, not a 500
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL, examples=["Jane Doe"])]
Text = Annotated[str, Field(max_length=4000, pattern=NO_NUL, examples=["Recurring outages of the payment gateway"])]
Scale = Annotated[int, Field(ge=1, le=5, examples=[3])]
SERVICE_ID = "5f0c8b1e-3c5d-4a8e-9f57-1f4f7e6a2b10"
ITEM_ID = "0b7e8a52-6a43-4f0e-9a3b-2a1f6f0d9c11"


class Proposal(BaseModel):
    title: Name = Field(examples=["Stabilise the payment gateway"])
    problem_statement: Text
    business_case: Text = Field(examples=["Each outage costs about 12k EUR in lost sales"])
    origin: Literal["manual", "improvement_opportunity"] = Field("manual", examples=["manual"])
    opportunity_id: UUID | None = Field(None, examples=[None])
    target_service_ids: list[UUID] = Field(default_factory=list, max_length=50, examples=[[SERVICE_ID]])
    occurred_at: OccurredAt


class Member(BaseModel):
    name: Name
    role: Name = Field(examples=["business analyst"])


class TeamBody(BaseModel):
    sponsor: Name = Field(examples=["alice"])
    project_manager: Name = Field(examples=["bob"])
    members: list[Member] = Field(default_factory=list, max_length=200)


class TeamChange(TeamBody):
    occurred_at: OccurredAt


class DeclaredBenefit(BaseModel):
    """The benefit a project declares at charter: a KPI of its target services after the handover and its target.
    metrics-svc judges it as it judges an opportunity's benefits (GET /kpis/projects/{id}/success, `value`)."""

    kpi: Literal["sla_compliance_pct", "csat_pct", "availability_pct"] = Field(examples=["availability_pct"])
    target: Decimal = Field(ge=0, le=100, max_digits=7, decimal_places=3, description="The level (0-100) the KPI "
                            "should reach: at least this (all three are higher-is-better percentages).",
                            examples=["99.9"])


class DeclaredBenefitView(BaseModel):
    """The benefit declared at charter, as answered (the target a decimal string, as every amount here)."""

    kpi: Literal["sla_compliance_pct", "csat_pct", "availability_pct"] = Field(examples=["availability_pct"])
    target: str = Field(examples=["99.9"], description="The level (0-100) the KPI should reach: at least this.")


class Charter(BaseModel):
    goal: Text = Field(min_length=1, examples=["Cut gateway outages by 80%"])
    scope_statement: Text = Field(examples=["Redundant gateway, failover runbook, monitoring"])
    budget_at_completion: PositiveMoney = Field(examples=["100000.00"])
    planned_start: BusinessDate = Field(examples=["2026-03-01"])
    planned_end: BusinessDate = Field(examples=["2026-06-30"])
    team: TeamBody
    benefit: DeclaredBenefit | None = Field(None, description="Optional: the benefit the project declares, measured "
                                            "after the handover (a project born from an opportunity is measured on "
                                            "that opportunity's KPI instead).")
    occurred_at: OccurredAt


class Timed(BaseModel):
    occurred_at: OccurredAt


class NewMilestone(BaseModel):
    name: Name = Field(examples=["Failover tested"])
    planned_date: BusinessDate = Field(examples=["2026-04-15"])
    planned_value: Money = Field(ge=0, examples=["40000.00"])
    occurred_at: OccurredAt


class NewRisk(BaseModel):
    title: Name = Field(examples=["Vendor delivers late"])
    probability: Scale
    impact: Scale
    owner: Name
    mitigation: Text = Field("", examples=["Order hardware early"])
    occurred_at: OccurredAt


class RiskReassessment(BaseModel):
    probability: Scale
    impact: Scale
    mitigation: Text = Field("", examples=["Second vendor on standby"])
    status: Literal["open", "mitigated", "closed"] = Field(examples=["mitigated"])
    occurred_at: OccurredAt


class Progress(BaseModel):
    percent_complete: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2, examples=["50"])
    occurred_at: OccurredAt


class Completion(BaseModel):
    actual_date: BusinessDate = Field(examples=["2026-04-17"])
    occurred_at: OccurredAt


class ActualCost(BaseModel):
    amount: PositiveMoney = Field(examples=["1250.00"])
    incurred_on: BusinessDate = Field(examples=["2026-03-20"])
    category: Name = Field(examples=["labour"])
    occurred_at: OccurredAt


class Reason(BaseModel):
    reason: Text = Field(min_length=1, examples=["Waiting for the vendor's contract"])
    occurred_at: OccurredAt


class AddedMilestone(BaseModel):
    name: Name = Field(examples=["Second data centre"])
    planned_date: BusinessDate = Field(examples=["2026-06-01"])
    planned_value: Money = Field(ge=0, examples=["20000.00"])


class ChangeRequestBody(BaseModel):
    reason: Text = Field(min_length=1, examples=["The regulator asks for a second site"])
    scope_delta: Text = Field("", examples=["Add a second data centre"])
    schedule_delta_days: int = Field(0, ge=-3650, le=3650, examples=[30])
    budget_delta: Money = Field(Decimal(0), examples=["20000.00"])
    descope_milestone_ids: list[UUID] = Field(default_factory=list, max_length=100, examples=[[]])
    add_milestones: list[AddedMilestone] = Field(default_factory=list, max_length=100)
    occurred_at: OccurredAt


class Rejection(BaseModel):
    reason: Text = Field(min_length=1, examples=["Not worth the cost"])
    occurred_at: OccurredAt


# Responses


class MilestoneView(BaseModel):
    id: UUID = Field(examples=[ITEM_ID])
    name: str = Field(examples=["Failover tested"])
    planned_date: date = Field(examples=["2026-04-15"])
    planned_value: Decimal = Field(examples=["40000.00"])
    percent_complete: Decimal = Field(examples=["50"])
    actual_date: date | None = Field(examples=[None])
    descoped: bool = Field(examples=[False])
    schedule_variance_days: int | None = Field(
        description="planned − actual date in days (negative = late); for an overdue open milestone, "
                    "planned − the as-of date; null when not yet due.", examples=[-2])


class RiskView(BaseModel):
    id: UUID = Field(examples=[ITEM_ID])
    title: str = Field(examples=["Vendor delivers late"])
    probability: int = Field(examples=[3])
    impact: int = Field(examples=[4])
    score: int = Field(examples=[12])
    owner: str = Field(examples=["bob"])
    mitigation: str = Field(examples=["Order hardware early"])
    status: str = Field(examples=["open"])


class ChangeRequestView(BaseModel):
    id: UUID = Field(examples=[ITEM_ID])
    reason: str = Field(examples=["The regulator asks for a second site"])
    scope_delta: str = Field(examples=["Add a second data centre"])
    schedule_delta_days: int = Field(examples=[30])
    budget_delta: Decimal = Field(examples=["20000.00"])
    descoped_milestone_ids: list[UUID] = Field(examples=[[]])
    added_milestone_ids: list[UUID] = Field(examples=[[ITEM_ID]])
    decision: str = Field(examples=["pending"])
    decided_by: str | None = Field(examples=[None])
    rejection_reason: str | None = Field(examples=[None])


class EarnedValueView(BaseModel):
    as_of: date = Field(examples=["2026-04-30"])
    budget_at_completion: Decimal = Field(examples=["100000.00"])
    planned_value: Decimal = Field(examples=["40000.00"])
    earned_value: Decimal = Field(examples=["30000.00"])
    actual_cost: Decimal = Field(examples=["35000.00"])
    schedule_variance: Decimal = Field(examples=["-10000.00"])
    cost_variance: Decimal = Field(examples=["-5000.00"])
    schedule_performance_index: Decimal | None = Field(description="null when PV is 0", examples=["0.75"])
    cost_performance_index: Decimal | None = Field(description="null when AC is 0", examples=["0.8571"])
    estimate_at_completion: Decimal | None = Field(description="null when CPI is undefined or 0",
                                                   examples=["116666.67"])
    variance_at_completion: Decimal | None = Field(examples=["-16666.67"])
    milestones_missed_percent: Decimal | None = Field(description="null when no milestone is due", examples=["50"])


class TeamView(BaseModel):
    sponsor: str | None = Field(examples=["alice"])
    project_manager: str | None = Field(examples=["bob"])
    members: list[Member]
    disbanded: bool = Field(examples=[False])


class CostView(BaseModel):
    amount: Decimal = Field(examples=["1250.00"])
    incurred_on: date = Field(examples=["2026-03-20"])
    category: str = Field(examples=["labour"])


class HandoverView(BaseModel):
    service_id: UUID = Field(examples=[SERVICE_ID])
    handover_id: UUID = Field(examples=[ITEM_ID])
    accepted_by: str = Field(examples=["carol"])
    accepted_at: UtcDateTime = Field(examples=["2026-07-01T10:00:00Z"])


class SuccessView(BaseModel):
    scope_delivered: bool = Field(examples=[True])
    on_time: bool = Field(examples=[True])
    within_budget: bool = Field(examples=[True])
    schedule_slip_days: int = Field(examples=[0])
    actual_cost: Decimal = Field(examples=["95000.00"])
    budget_at_completion: Decimal = Field(examples=["100000.00"])


class ProjectSummary(BaseModel):
    id: UUID = Field(examples=[ITEM_ID])
    title: str = Field(examples=["Stabilise the payment gateway"])
    state: str = Field(examples=["executing"])
    on_hold: bool = Field(examples=[False])
    origin: str = Field(examples=["manual"])
    opportunity_id: UUID | None = Field(examples=[None])
    target_service_ids: list[UUID] = Field(examples=[[SERVICE_ID]])
    sponsor: str | None = Field(examples=["alice"])
    project_manager: str | None = Field(examples=["bob"])
    budget_at_completion: Decimal | None = Field(examples=["100000.00"])
    planned_end: date | None = Field(examples=["2026-06-30"])


class ProjectView(ProjectSummary):
    version: int = Field(examples=[7])
    problem_statement: str = Field(examples=["Recurring outages of the payment gateway"])
    business_case: str = Field(examples=["Each outage costs about 12k EUR in lost sales"])
    goal: str = Field(examples=["Cut gateway outages by 80%"])
    scope_statement: str = Field(examples=["Redundant gateway, failover runbook, monitoring"])
    benefit: DeclaredBenefitView | None = Field(None, description="The benefit declared at charter, if any.")
    planned_start: date | None = Field(examples=["2026-03-01"])
    baselines: int = Field(description="How many times the plan was baselined", examples=[1])
    team: TeamView
    milestones: list[MilestoneView]
    risks: list[RiskView]
    change_requests: list[ChangeRequestView]
    costs: list[CostView]
    handovers_accepted: list[HandoverView]
    accepted_by: str | None = Field(examples=[None])
    closed_on: date | None = Field(examples=[None])
    cancel_reason: str | None = Field(examples=[None])
    earned_value: EarnedValueView | None = Field(description="Live figures once the plan is baselined")
    success: SuccessView | None = Field(description="The evaluation recorded at close")
