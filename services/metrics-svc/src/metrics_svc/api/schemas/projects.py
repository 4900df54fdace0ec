"""A project's earned-value KPIs as of a moment (`ProjectKpisView`, with each milestone's schedule variance as a
`MilestoneVarianceView`)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from continuum.http.dates import UtcDateTime
from continuum.http.decimals import DecimalText
from metrics_svc.api.schemas.common import ProblemView, number, problems_field, problems_of
from metrics_svc.domain.project_kpis import EarnedValue


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
