"""HTTP routes of metrics-svc: the read-only KPIs and the opportunities (thin: DTO → command/query → response)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import AfterValidator

from continuum.http.auth import Role
from continuum.http.commands import Caller, allowed, business_time, readable
from continuum.http.conditional import IfMatch
from continuum.http.history import AsOf, History, HistoryLimit
from continuum.http.pagination import Cursor, Limit, Page
from continuum.http.routes import handled, history_of, listed, read_one

from metrics_svc import queries
from metrics_svc.api.schemas import (
    Dismiss,
    HandoverKpisView,
    OpportunitySummary,
    OpportunityView,
    PortfolioView,
    ProjectKpisView,
    ServiceKpisView,
)
from metrics_svc.domain.commands import DismissOpportunity
from metrics_svc.domain.opportunity import ImprovementOpportunity
from metrics_svc.domain.windows import WINDOW_DAYS



def _window_length(days: int) -> int:
    if days not in WINDOW_DAYS:
        raise ValueError(f"the window is one of {', '.join(map(str, WINDOW_DAYS))} days")
    return days


WindowDays = Annotated[int, AfterValidator(_window_length),
                       Query(description="Window length in days (7, 30 or 90), ending at as_of.", examples=[30])]
RuleName = Literal["incident_rate_rise", "recurring_incidents", "sla_breach_rate", "availability_below_target",
                   "csat_below_target"]
State = Literal["open", "converted", "measuring", "dismissed", "lapsed", "abandoned", "benefits_realized",
                "benefits_not_realized", "benefits_inconclusive"]


def _now(as_of: datetime | None) -> datetime:
    return as_of or datetime.now(UTC)


def kpi_router() -> APIRouter:
    router = APIRouter(prefix="/kpis", tags=["kpis"])

    @router.get("/services/{service_id}", **readable())
    async def service(service_id: UUID, request: Request, window: WindowDays = 30, as_of: AsOf = None
                      ) -> ServiceKpisView:
        async with queries.snapshot(request.app.state.engine) as conn:
            report = await queries.service_report(conn, service_id, days=window, as_of=_now(as_of))
        return ServiceKpisView.of(report, window)

    @router.get("/projects/{project_id}", **readable())
    async def project(project_id: UUID, request: Request, as_of: AsOf = None) -> ProjectKpisView:
        async with queries.snapshot(request.app.state.engine) as conn:
            earned = await queries.project_report(conn, project_id, as_of=_now(as_of))
        return ProjectKpisView.of(project_id, earned)

    @router.get("/handovers/{handover_id}", **readable())
    async def handover(handover_id: UUID, request: Request, as_of: AsOf = None) -> HandoverKpisView:
        async with queries.snapshot(request.app.state.engine) as conn:
            kpis = await queries.handover_report(conn, handover_id, as_of=_now(as_of))
        return HandoverKpisView.of(handover_id, kpis)

    @router.get("/portfolio", **readable())
    async def portfolio(request: Request, window: WindowDays = 30, as_of: AsOf = None) -> PortfolioView:
        async with queries.snapshot(request.app.state.engine) as conn:
            report = await queries.portfolio_report(conn, days=window, as_of=_now(as_of))
        return PortfolioView.of(report, window)

    return router


def opportunity_router() -> APIRouter:
    router = APIRouter(prefix="/opportunities", tags=["opportunities"])

    @router.get("", **readable())
    async def list_(request: Request, limit: Limit = 50, cursor: Cursor = None, service_id: UUID | None = None,
                    rule: RuleName | None = None, state: State | None = None) -> Page[OpportunitySummary]:
        filters = {"service_id": service_id, "rule": rule, "state": state}
        items, next_cursor = await listed(request, ImprovementOpportunity, filters, limit, cursor)
        return Page[OpportunitySummary](items=items, next_cursor=next_cursor)

    @router.get("/{opportunity_id}", **readable())
    async def read(opportunity_id: UUID, request: Request, response: Response, as_of: AsOf = None) -> OpportunityView:
        return OpportunityView.of(await read_one(request, response, ImprovementOpportunity, opportunity_id, as_of))

    @router.get("/{opportunity_id}/history", **readable())
    async def history(opportunity_id: UUID, request: Request, cursor: Cursor = None, limit: HistoryLimit = 100
                          ) -> History:
        return await history_of(request, ImprovementOpportunity, opportunity_id, cursor, limit)

    @router.post("/{opportunity_id}/dismiss", **allowed(Role.service_owner), description=(
        "Dismiss an open or converted opportunity as a false alarm; project-svc then cancels the project proposed "
        "for it if that project is still open. Only the service's owner (as metrics-svc knows it from "
        "service-svc's events) may, or admin: another service owner gets 403 `dismissed-by-the-services-owner`."))
    async def dismiss(opportunity_id: UUID, body: Dismiss, caller: Caller, request: Request, response: Response,
                      if_match: IfMatch = None) -> OpportunityView:
        authority = ("admin" if Role.admin in caller.roles else
                     "integration" if Role.integration in caller.roles else "in person")
        command = DismissOpportunity(opportunity_id=opportunity_id, reason=body.reason, by=caller.subject,
                                     authority=authority, at=business_time(caller, body.occurred_at))
        return OpportunityView.of(await handled(request, response, command, if_match=if_match))

    return router
