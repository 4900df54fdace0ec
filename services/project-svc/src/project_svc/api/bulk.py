"""POST /imports/projects: projects and their costs in bulk, one command a line."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Request, Response
from pydantic import Field, TypeAdapter

from continuum.http.commands import Caller
from continuum.http.dates import BusinessDate
from continuum.importers.route import DryRun, ImportLine, import_route, importer_of, lines_answer, read_lines

from project_svc import bulk
from project_svc.api.schemas import Member, Money, Name, PositiveMoney, Text

MILESTONE = Field(min_length=1, max_length=255, examples=["M1"],
                  description="The milestone's external key within its project.")


class ProposeLine(ImportLine):
    command: Literal["propose"]
    title: Name
    problem_statement: Text = ""
    business_case: Text = ""
    target_service_ids: list[UUID] = Field(default_factory=list, max_length=50)


class ApproveCharterLine(ImportLine):
    command: Literal["approve-charter"]
    goal: Text = Field(min_length=1)
    scope_statement: Text = ""
    budget_at_completion: PositiveMoney
    planned_start: BusinessDate
    planned_end: BusinessDate
    sponsor: Name
    project_manager: Name
    members: list[Member] = Field(default_factory=list, max_length=200)


class StartPlanningLine(ImportLine):
    command: Literal["start-planning"]


class AddMilestoneLine(ImportLine):
    command: Literal["add-milestone"]
    milestone: str = MILESTONE
    name: Name
    planned_date: BusinessDate
    planned_value: Money

    def line_key(self) -> str:
        return self.milestone


class BaselineLine(ImportLine):
    command: Literal["baseline"]


class RecordProgressLine(ImportLine):
    command: Literal["record-progress"]
    milestone: str = MILESTONE
    percent_complete: Decimal = Field(ge=0, le=100, max_digits=6, decimal_places=2)

    def line_key(self) -> str:
        return self.milestone


class CompleteMilestoneLine(ImportLine):
    command: Literal["complete-milestone"]
    milestone: str = MILESTONE
    actual_date: BusinessDate

    def line_key(self) -> str:
        return self.milestone


class RecordCostLine(ImportLine):
    command: Literal["record-cost"]
    amount: PositiveMoney
    incurred_on: BusinessDate
    category: Name
    key: str | None = Field(default=None, max_length=255, examples=["INV-2025-0042"], description=(
        "The cost entry's own external key (an invoice or ledger line), if two may share a time, amount and day."))

    def line_key(self) -> str:
        return f"{self.key or ''}|{self.amount}|{self.incurred_on}|{self.category}"


ProjectLine = Annotated[ProposeLine | ApproveCharterLine | StartPlanningLine | AddMilestoneLine | BaselineLine
                        | RecordProgressLine | CompleteMilestoneLine | RecordCostLine, Field(discriminator="command")]
PROJECT_LINE = TypeAdapter(ProjectLine)
EXAMPLE = [
    {"ref": "PRJ-0042", "command": "propose", "occurred_at": "2025-01-06T09:00:00Z", "title": "Redundant gateway"},
    {"ref": "PRJ-0042", "command": "approve-charter", "occurred_at": "2025-01-10T09:00:00Z", "goal": "No outage",
     "budget_at_completion": "100000.00", "planned_start": "2025-01-13", "planned_end": "2025-06-30",
     "sponsor": "alice", "project_manager": "bob"},
    {"ref": "PRJ-0042", "command": "start-planning", "occurred_at": "2025-01-13T09:00:00Z"},
    {"ref": "PRJ-0042", "command": "add-milestone", "occurred_at": "2025-01-14T09:00:00Z", "milestone": "M1",
     "name": "Second site", "planned_date": "2025-06-01", "planned_value": "100000.00"},
    {"ref": "PRJ-0042", "command": "baseline", "occurred_at": "2025-01-15T09:00:00Z"},
    {"ref": "PRJ-0042", "command": "record-cost", "occurred_at": "2025-02-28T17:00:00Z", "amount": "12500.00",
     "incurred_on": "2025-02-28", "category": "labour"},
]
DESCRIPTION = (
    "Import projects and their costs: one command a line (`propose`, `approve-charter`, `start-planning`, "
    "`add-milestone`, `baseline`, `record-progress`, `complete-milestone`, `record-cost`), each with the project's "
    "external key `ref` and its `occurred_at`; applied per project in business-time order, many projects per "
    "transaction, each line answered (`accepted`, `already_imported` on a re-run, or `rejected` with a problem "
    "naming its line and fields). Ownership: the caller's subject must be the project's sponsor or project manager "
    "(as its charter line names them; 403 `imported-by-the-projects-sponsor-or-manager`); admin imports any. "
    "See docs/bulk-import.md.")


def imports_router() -> APIRouter:
    router = APIRouter(prefix="/imports", tags=["imports"])

    @router.post("/projects", **import_route(PROJECT_LINE, example=EXAMPLE, description=DESCRIPTION))
    async def import_projects(caller: Caller, request: Request, dry_run: DryRun = False) -> Response:
        importer = importer_of(caller)
        lines, refused = await read_lines(request, PROJECT_LINE)
        results = await bulk.import_projects(request.app.state.platform, lines, importer=importer, dry_run=dry_run)
        return lines_answer(refused, results)

    return router
