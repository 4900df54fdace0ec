"""POST /services/{id}/import-incidents: a service's incident history in bulk, one command a line."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Request, Response
from pydantic import Field, TypeAdapter

from continuum.http.commands import Caller
from continuum.http.dates import BusinessDateTime
from continuum.importers.route import DryRun, ImportLine, import_route, importer_of, lines_answer, read_lines

from service_svc import bulk
from service_svc.api.schemas import MAX_MINUTES, Priority



class OpenLine(ImportLine):
    command: Literal["open"]
    priority: Priority = Field(examples=["P2"])
    category: str = Field(min_length=1, max_length=100, examples=["network"])
    title: str = Field(min_length=1, max_length=400, examples=["Payslips not delivered"])
    description: str = Field(default="", max_length=8000)
    outage: bool = Field(default=False)
    detected_at: BusinessDateTime | None = Field(default=None, description="Default: `occurred_at`.")


class AcknowledgeLine(ImportLine):
    command: Literal["acknowledge"]


class AssignLine(ImportLine):
    command: Literal["assign"]
    assignee: str = Field(min_length=1, max_length=200, examples=["Network team"])


class HoldLine(ImportLine):
    command: Literal["hold"]
    reason: str = Field(min_length=1, max_length=2000, examples=["awaiting the caller"])


class ResumeLine(ImportLine):
    command: Literal["resume"]


class ResolveLine(ImportLine):
    command: Literal["resolve"]
    resolution_code: str = Field(min_length=1, max_length=100, examples=["Solved (Permanently)"])
    downtime_minutes: Decimal | None = Field(default=None, ge=0, le=MAX_MINUTES, max_digits=12, decimal_places=2,
                                             description="Required for an outage, else absent.")


class CloseLine(ImportLine):
    command: Literal["close"]


class ReopenLine(ImportLine):
    command: Literal["reopen"]
    reason: str = Field(min_length=1, max_length=2000, examples=["the fix did not hold"])


class RateLine(ImportLine):
    command: Literal["rate"]
    score: int = Field(ge=1, le=5, examples=[4])
    comment: str | None = Field(default=None, max_length=2000)


IncidentLine = Annotated[OpenLine | AcknowledgeLine | AssignLine | HoldLine | ResumeLine | ResolveLine | CloseLine
                         | ReopenLine | RateLine, Field(discriminator="command")]
INCIDENT_LINE = TypeAdapter(IncidentLine)
EXAMPLE = [
    {"ref": "INC0010001", "command": "open", "occurred_at": "2025-03-01T09:00:00Z", "priority": "P2",
     "category": "network", "title": "VPN drops every hour"},
    {"ref": "INC0010001", "command": "acknowledge", "occurred_at": "2025-03-01T09:12:00Z"},
    {"ref": "INC0010001", "command": "resolve", "occurred_at": "2025-03-01T13:40:00Z",
     "resolution_code": "Solved (Permanently)"},
    {"ref": "INC0010001", "command": "close", "occurred_at": "2025-03-04T13:40:00Z"},
]
DESCRIPTION = (
    "Import the service's incident history: one command a line (`open`, `acknowledge`, `assign`, `hold`, `resume`, "
    "`resolve`, `close`, `reopen`, `rate`), each with the record's external key `ref` and its `occurred_at`. Lines "
    "are applied per incident in business-time order, many incidents per transaction; each line is answered "
    "(`accepted`, `already_imported` on a re-run, or `rejected` with a problem naming its line and fields) and a "
    "refused line never loses or half-applies the others. Ownership: the caller's subject must own the service "
    "(403 `decided-by-the-services-owner`); admin imports into any. The events' actor reads `integration:<sub>`. "
    "See docs/bulk-import.md.")


def imports_router() -> APIRouter:
    router = APIRouter(prefix="/services", tags=["imports"])

    @router.post("/{service_id}/import-incidents", **import_route(INCIDENT_LINE, example=EXAMPLE,
                                                                  description=DESCRIPTION))
    async def import_incidents(service_id: UUID, caller: Caller, request: Request, dry_run: DryRun = False
                               ) -> Response:
        platform = request.app.state.platform
        acting = importer_of(caller)
        async with platform.unit_of_work() as uow:  # refused before a line is read: 404, 403
            await bulk.owned_service(uow, service_id, acting=acting)
        lines, refused = await read_lines(request, INCIDENT_LINE)
        results = await bulk.import_incidents(platform, service_id, lines, dry_run=dry_run)
        return lines_answer(refused, results)

    return router
