"""Response and request DTOs of metrics-svc, each with examples."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from continuum.http.dates import OccurredAt, UtcDateTime
from continuum.http.decimals import DecimalText, decimal_text
from metrics_svc.domain.handover_kpis import HandoverKpis, LoopKpis
from metrics_svc.domain.opportunity import ImprovementOpportunity
from metrics_svc.domain.project_kpis import EarnedValue
from metrics_svc.domain.windows import Figure, Problem, Window
from metrics_svc.queries import ItemProblem, PortfolioReport, ServiceReport


def number(value: Decimal | None) -> str | None:
    """A figure as decimal text, to 4 places (api-conventions: decimals as strings); None for none and NaN."""
    return decimal_text(value)


class ProblemView(BaseModel):
    """Why this item's KPIs rest on less than its stored facts: the item is still answered, the rest intact."""

    figure: str | None = Field(description="The figure left null (null: the fact below was left out of every "
                               "figure).", examples=["mttr_minutes"])
    fact: str | None = Field(description="The stored fact left out, if one was.",
                             examples=["incident 6f1c0e0e-8a43-4c1e-9b43-2f0d2f8c0a11 opened_at"])
    reason: str = Field(examples=["opened_at is -infinity, outside the business calendar 1900-01-01 to 2999-12-31: "
                                  "left out of the figures"])

    @classmethod
    def of(cls, problem: Problem) -> ProblemView:
        return cls(figure=problem.figure, fact=problem.fact, reason=problem.reason)


def problems_of(problems) -> list[ProblemView]:
    return [ProblemView.of(p) for p in problems]


def problems_field():  # a Field of its own per model
    return Field(default_factory=list, description="Figures that could not be computed and stored facts left out "
                 "for this item, each with its reason; empty when every fact was usable.")


class FigureView(BaseModel):
    value: DecimalText | None = Field(description="Null when undefined (a ratio over nothing).", examples=["42.5"])
    based_on: int = Field(description="How many events (incidents, ratings, changes, costs) it rests on.",
                          examples=[12])

    @classmethod
    def of(cls, figure: Figure) -> FigureView:
        return cls(value=number(figure.value), based_on=figure.based_on)


class WindowView(BaseModel):
    days: int = Field(examples=[30])
    start: UtcDateTime = Field(examples=["2026-01-01T00:00:00Z"])
    end: UtcDateTime = Field(description="as_of: the window is [start, end) of business time.",
                          examples=["2026-01-31T00:00:00Z"])

    @classmethod
    def of(cls, window: Window, days: int) -> WindowView:
        return cls(days=days, start=window.start, end=window.end)


class WeekView(BaseModel):
    start: UtcDateTime = Field(examples=["2026-01-24T00:00:00Z"])
    end: UtcDateTime = Field(examples=["2026-01-31T00:00:00Z"])
    incidents: int = Field(examples=[3])


class ServiceKpisView(BaseModel):
    service_id: UUID
    name: str | None = Field(None, description="The service's catalog name (null until its registration is seen).",
                             examples=["Payroll"])
    window: WindowView
    mtta_minutes: FigureView = Field(description=(
        "Mean time to acknowledge in wall-clock minutes (opening to acknowledgement), over incidents acknowledged "
        "in the window."))
    mttr_minutes: FigureView = Field(description=(
        "Mean time to resolve in wall-clock minutes (opening to resolution, time on hold included), over incidents "
        "resolved in the window."))
    business_mtta_minutes: FigureView = Field(description=(
        "Mean time to acknowledge in business minutes of the SLA's calendar for the incident's priority, as "
        "service-svc's clocks measured them (time on hold left out), over incidents acknowledged in the window; "
        "based_on counts only those whose acknowledgement carried business minutes (events recorded before SLA "
        "calendars carry none and count in mtta_minutes only). On a 24x7 calendar they equal wall-clock minutes."))
    business_mttr_minutes: FigureView = Field(description=(
        "Mean time to resolve in business minutes of the SLA's calendar for the incident's priority, as "
        "service-svc's clocks measured them (time on hold left out), over incidents resolved in the window; "
        "based_on counts only those whose resolution carried business minutes (events recorded before SLA "
        "calendars carry none and count in mttr_minutes only)."))
    incident_count: FigureView
    weekly_incidents: list[WeekView] = Field(description="Whole weeks ending at as_of, oldest first.")
    sla_compliance_pct: FigureView
    availability_pct: FigureView
    availability_target_pct: DecimalText | None = Field(examples=["99.9"])
    csat_pct: FigureView
    csat_target_pct: DecimalText | None = Field(examples=["80"])
    change_success_rate_pct: FigureView
    tco: FigureView = Field(description="Operating costs + actual costs of the delivering projects, in the window.")
    incident_reduction_pct: FigureView = Field(description="Against the window of the same length just before.")
    improvements_planned: int = Field(
        description="Items in the service's improvement register (service-svc's ImprovementPlanned) by as_of.",
        examples=[3])
    improvements_implemented: int = Field(description="Of those, the ones implemented by as_of.", examples=[1])
    problems: list[ProblemView] = problems_field()

    @classmethod
    def of(cls, report: ServiceReport, days: int) -> ServiceKpisView:
        k = report.kpis
        return cls(
            service_id=report.service_id, window=WindowView.of(k.window, days),
            mtta_minutes=FigureView.of(k.mtta_minutes), mttr_minutes=FigureView.of(k.mttr_minutes),
            business_mtta_minutes=FigureView.of(k.business_mtta_minutes),
            business_mttr_minutes=FigureView.of(k.business_mttr_minutes),
            incident_count=FigureView.of(k.incident_count),
            weekly_incidents=[WeekView(start=w.week.start, end=w.week.end, incidents=w.incidents)
                              for w in k.weekly_incidents],
            sla_compliance_pct=FigureView.of(k.sla_compliance_pct), availability_pct=FigureView.of(k.availability_pct),
            availability_target_pct=number(report.sla.availability_target_pct) if report.sla else None,
            csat_pct=FigureView.of(k.csat_pct), csat_target_pct=number(report.sla.csat_target_pct) if report.sla else None,
            change_success_rate_pct=FigureView.of(k.change_success_rate_pct), tco=FigureView.of(k.tco),
            incident_reduction_pct=FigureView.of(k.incident_reduction_pct),
            improvements_planned=report.improvements_planned, improvements_implemented=report.improvements_implemented,
            name=report.name, problems=problems_of(report.problems),
        )


class MilestoneVarianceView(BaseModel):
    milestone_id: UUID
    schedule_variance_days: int | None = Field(
        description="Planned − actual date in days: negative = late, as in earned value and project-svc; null: not "
                    "yet due.", examples=[-3])


class ProjectKpisView(BaseModel):
    project_id: UUID
    as_of: UtcDateTime
    based_on: int = Field(description="Milestones, progress records and costs it rests on.", examples=[9])
    bac: DecimalText | None = Field(examples=["100000"])
    pv: DecimalText | None = Field(description="Null only when the stored facts make it fail (see problems).",
                             examples=["40000"])
    ev: DecimalText | None = Field(examples=["35000"])
    ac: DecimalText | None = Field(examples=["38000"])
    sv: DecimalText | None = Field(examples=["-5000"])
    cv: DecimalText | None = Field(examples=["-3000"])
    spi: DecimalText | None = Field(examples=["0.875"])
    cpi: DecimalText | None = Field(examples=["0.921"])
    eac: DecimalText | None = Field(examples=["108571.43"])
    vac: DecimalText | None = Field(examples=["-8571.43"])
    milestones_missed_pct: DecimalText | None = Field(examples=["50"])
    budget_deviation_pct: DecimalText | None = Field(description="(EAC − BAC) / BAC.", examples=["8.57"])
    milestones: list[MilestoneVarianceView]
    problems: list[ProblemView] = problems_field()

    @classmethod
    def of(cls, project_id: UUID, ev: EarnedValue) -> ProjectKpisView:
        n = number
        return cls(project_id=project_id, as_of=ev.as_of, based_on=ev.based_on, bac=n(ev.bac), pv=n(ev.pv),
                   ev=n(ev.ev), ac=n(ev.ac), sv=n(ev.sv), cv=n(ev.cv), spi=n(ev.spi), cpi=n(ev.cpi), eac=n(ev.eac),
                   vac=n(ev.vac), milestones_missed_pct=n(ev.milestones_missed_pct),
                   budget_deviation_pct=n(ev.budget_deviation_pct),
                   milestones=[MilestoneVarianceView(milestone_id=m.milestone_id,
                                                     schedule_variance_days=m.schedule_variance_days)
                               for m in ev.milestones], problems=problems_of(ev.problems))


class HandoverKpisView(BaseModel):
    handover_id: UUID
    as_of: UtcDateTime
    accepted: bool = Field(description="Accepted by the service owner as of `as_of`.")
    readiness_pct: DecimalText | None = Field(
        description="Percentage (0–100) of criteria met or waived: at acceptance once accepted, as of `as_of` while "
        "in transition (null until a criterion is known).", examples=["90"])
    days_in_transition: DecimalText | None = Field(examples=["12.5"])
    early_life_incidents: FigureView
    early_life_incident_rate_per_week: FigureView
    rejections: int = Field(examples=[1])
    problems: list[ProblemView] = problems_field()

    @classmethod
    def of(cls, handover_id: UUID, k: HandoverKpis) -> HandoverKpisView:
        return cls(handover_id=handover_id, as_of=k.as_of, accepted=k.accepted,
                   readiness_pct=number(None if k.readiness_score is None else k.readiness_score * 100),
                   days_in_transition=number(k.days_in_transition),
                   early_life_incidents=FigureView.of(k.early_life_incidents),
                   early_life_incident_rate_per_week=FigureView.of(k.early_life_incident_rate_per_week),
                   rejections=k.rejections, problems=problems_of(k.problems))


class LoopView(BaseModel):
    opportunities_detected: int = Field(examples=[4])
    converted_to_projects: int = Field(examples=[2])
    benefits_measured: int = Field(examples=[1])
    benefits_realized: int = Field(examples=[1])
    benefits_realized_pct: DecimalText | None = Field(examples=["100"])

    @classmethod
    def of(cls, loop: LoopKpis) -> LoopView:
        return cls(**{**loop.__dict__, "benefits_realized_pct": number(loop.benefits_realized_pct)})


class ItemProblemView(ProblemView):
    kind: str = Field(description="service, project or handover", examples=["project"])
    id: UUID

    @classmethod
    def of_item(cls, item: ItemProblem) -> ItemProblemView:
        return cls(kind=item.kind, id=item.id, **ProblemView.of(item.problem).model_dump())


class PortfolioView(BaseModel):
    window: WindowView
    services: int = Field(examples=[12])
    incidents: int = Field(examples=[57])
    projects: int = Field(examples=[5])
    pv: DecimalText = Field(examples=["400000"])
    ev: DecimalText = Field(examples=["380000"])
    ac: DecimalText = Field(examples=["390000"])
    handovers: int = Field(examples=[3])
    handovers_accepted: int = Field(examples=[2])
    handovers_rejected: int = Field(description="Rejections counted over all handovers.", examples=[1])
    loop: LoopView
    problems: list[ItemProblemView] = Field(
        default_factory=list, description="Each service, project or handover whose KPIs rest on less than its "
        "facts, and why; the totals leave out the figures named here.")

    @classmethod
    def of(cls, report: PortfolioReport, days: int) -> PortfolioView:
        def total(values) -> str:
            return number(sum((v for v in values if v is not None), Decimal(0))) or "0"

        return cls(
            window=WindowView.of(report.window, days), services=len(report.services),
            incidents=sum(s.incident_count.based_on for s in report.services), projects=len(report.projects),
            pv=total(p.pv for p in report.projects), ev=total(p.ev for p in report.projects),
            ac=total(p.ac for p in report.projects), handovers=len(report.handovers),
            handovers_accepted=sum(1 for h in report.handovers if h.accepted),
            handovers_rejected=sum(h.rejections for h in report.handovers), loop=LoopView.of(report.loop),
            problems=[ItemProblemView.of_item(p) for p in report.problems],
        )


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
