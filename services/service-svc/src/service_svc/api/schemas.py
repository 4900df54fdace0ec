"""Request DTOs of service-svc: what each command takes, with examples (responses live in views.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from continuum.http.dates import BusinessDateTime, OccurredAt

Priority = Literal["P1", "P2", "P3", "P4"]
Stage = Literal["strategy", "design", "transition", "operation", "retired"]
IncidentStatus = Literal["open", "acknowledged", "on_hold", "resolved", "closed"]
MAX_MINUTES = 366 * 24 * 60


class Command(BaseModel):
    """Every command may carry `occurred_at` (integration and admin only) to import history."""

    model_config = ConfigDict(extra="forbid")
    occurred_at: OccurredAt


class RegisterServiceBody(Command):
    name: str = Field(min_length=1, max_length=200, examples=["Payroll"])
    description: str = Field(max_length=4000, examples=["Monthly payroll runs and payslips"])
    owner: str | None = Field(default=None, max_length=200, examples=["alice"])
    demanded_by: str = Field(min_length=1, max_length=400, examples=["HR department"],
                             description="The demand case: who needs the service.")
    expected_volume: str = Field(min_length=1, max_length=400, examples=["3,000 payslips a month"],
                                 description="The demand case: the expected volume.")


class AssignOwnerBody(Command):
    owner: str = Field(min_length=1, max_length=200, examples=["alice"])


class ChangeStageBody(Command):
    to_stage: Stage = Field(examples=["design"])
    reason: str = Field(min_length=1, max_length=2000, examples=["strategy approved by the board"])


class PriorityTargets(BaseModel):
    """Targets in business minutes of the calendar (wall-clock minutes on the built-in `24x7`)."""

    model_config = ConfigDict(extra="forbid")
    response_minutes: int = Field(gt=0, le=MAX_MINUTES, examples=[15])
    resolution_minutes: int = Field(gt=0, le=MAX_MINUTES, examples=[240])
    calendar_id: UUID | Literal["24x7"] = Field(default="24x7", examples=["24x7"], description=(
        "The calendar the targets' business minutes are counted on (`/calendars`); `24x7` (default) counts "
        "every minute."))

    def calendar(self) -> UUID | None:
        return None if self.calendar_id == "24x7" else self.calendar_id


class DefineSlaBody(Command):
    availability_target_pct: Decimal = Field(gt=0, le=100, max_digits=6, decimal_places=3, examples=["99.9"])
    targets: dict[Priority, PriorityTargets] = Field(examples=[{
        "P1": {"response_minutes": 15, "resolution_minutes": 240},
        "P2": {"response_minutes": 30, "resolution_minutes": 480},
        "P3": {"response_minutes": 120, "resolution_minutes": 1440},
        "P4": {"response_minutes": 480, "resolution_minutes": 4320}}])
    csat_target_pct: Decimal = Field(ge=0, le=100, max_digits=6, decimal_places=3, examples=["85"])


class ReasonBody(Command):
    reason: str = Field(min_length=1, max_length=2000, examples=["superseded by a new contract"])


class OperatingCostBody(Command):
    amount: Decimal = Field(gt=0, le=Decimal("1e12"), max_digits=16, decimal_places=2, examples=["1250.00"])
    incurred_on: BusinessDateTime = Field(examples=["2026-03-31T00:00:00Z"])
    category: str = Field(min_length=1, max_length=100, examples=["hosting"])


class PlanImprovementBody(Command):
    title: str = Field(min_length=1, max_length=400, examples=["Automate payslip distribution"])
    project_id: UUID | None = Field(default=None, examples=[None])


class ImplementImprovementBody(Command):
    project_id: UUID | None = Field(default=None, examples=[None])


class OpenIncidentBody(Command):
    service_id: UUID = Field(examples=["7f1c2d4e-0000-4000-8000-000000000001"])
    priority: Priority = Field(examples=["P2"])
    category: str = Field(min_length=1, max_length=100, examples=["network"])
    title: str = Field(min_length=1, max_length=400, examples=["Payslips not delivered"])
    description: str = Field(default="", max_length=8000, examples=["Mail relay refuses connections"])
    outage: bool = Field(examples=[False])
    detected_at: BusinessDateTime | None = Field(default=None, examples=["2026-03-01T08:55:00Z"],
                                                 description="When monitoring or a user noticed it (default: opened).")


class AssignBody(Command):
    assignee: str = Field(min_length=1, max_length=200, examples=["bob"])


class ResolveIncidentBody(Command):
    resolution_code: str = Field(min_length=1, max_length=100, examples=["config-fixed"])
    downtime_minutes: Decimal | None = Field(default=None, ge=0, le=MAX_MINUTES, max_digits=12, decimal_places=2,
                                             examples=[None], description="Required for an outage, else absent.")


class RateIncidentBody(Command):
    score: int = Field(ge=1, le=5, examples=[4])
    comment: str | None = Field(default=None, max_length=2000, examples=["quick and friendly"])


class OpenProblemBody(Command):
    service_id: UUID = Field(examples=["7f1c2d4e-0000-4000-8000-000000000001"])
    title: str = Field(min_length=1, max_length=400, examples=["Mail relay drops connections under load"])
    incident_ids: list[UUID] = Field(min_length=1, max_length=200,
                                     examples=[["1a2b3c4d-0000-4000-8000-000000000002"]])


class LinkIncidentBody(Command):
    incident_id: UUID = Field(examples=["1a2b3c4d-0000-4000-8000-000000000002"])


class RootCauseBody(Command):
    root_cause: str = Field(min_length=1, max_length=8000, examples=["connection pool too small"])


class KnownErrorBody(Command):
    workaround: str = Field(min_length=1, max_length=8000, examples=["restart the relay"])


class ResolveProblemBody(Command):
    resolution: str = Field(min_length=1, max_length=8000, examples=["pool resized, load tested"])
    resolve_incidents: bool = Field(default=False, examples=[True],
                                    description="Also resolve the linked incidents that are still open.")


class RequestChangeBody(Command):
    service_id: UUID = Field(examples=["7f1c2d4e-0000-4000-8000-000000000001"])
    kind: Literal["standard", "normal", "emergency"] = Field(examples=["normal"])
    title: str = Field(min_length=1, max_length=400, examples=["Resize the mail relay pool"])
    risk: Literal["low", "medium", "high"] = Field(examples=["medium"])
    planned_start: BusinessDateTime = Field(examples=["2026-03-10T20:00:00Z"])
    planned_end: BusinessDateTime = Field(examples=["2026-03-10T22:00:00Z"])


class RejectChangeBody(Command):
    reason: str = Field(min_length=1, max_length=2000, examples=["no rollback plan"])


class ImplementChangeBody(Command):
    outcome: Literal["successful", "failed"] = Field(examples=["successful"])


class SubmitRequestBody(Command):
    service_id: UUID = Field(examples=["7f1c2d4e-0000-4000-8000-000000000001"])
    title: str = Field(min_length=1, max_length=400, examples=["New payroll account for Carol"])
    requested_by: str = Field(min_length=1, max_length=200, examples=["carol"])
