"""GET /kpis/projects/{id}/success: a project's success scorecard, the Expanded View (docs/project-success.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request

from continuum.http.auth import Role
from continuum.http.commands import Caller, readable
from continuum.http.history import AsOf

from metrics_svc import queries
from metrics_svc.api.success_schemas import ScorecardView
from metrics_svc.domain.scorecard import HORIZON_DAYS
from metrics_svc.success import Reader, readable_scorecard

HorizonDays = Annotated[int, Query(ge=30, le=3650, description="The total cost of ownership's horizon in days from "
                                   "the acceptance (the published outcome uses 365).", examples=[365])]


def reader(caller) -> Reader:
    return Reader(subject=caller.subject, admin=Role.admin in caller.roles)


def success_router() -> APIRouter:
    router = APIRouter(prefix="/kpis", tags=["kpis"])

    @router.get("/projects/{project_id}/success", **readable(), description=(
        "Scope → fit for purpose, time → speed to value, cost → total cost of ownership, quality → operational "
        "reliability, stakeholders → adoption and satisfaction, value → benefits realised: each dimension's "
        "traditional and extended measure, its window and events, or `not_yet_known` with what it waits for. "
        "Only the project's sponsor or project manager (as metrics-svc knows them from project-svc's events) may "
        "read it, or admin: anyone else gets 403 `success-read-by-the-projects-sponsor-or-manager`."))
    async def success(project_id: UUID, caller: Caller, request: Request, as_of: AsOf = None,
                      horizon_days: HorizonDays = HORIZON_DAYS) -> ScorecardView:
        moment = as_of or datetime.now(UTC)
        async with queries.snapshot(request.app.state.engine) as conn:
            card = await readable_scorecard(conn, project_id, reader(caller), as_of=moment,
                                            horizon_days=horizon_days,
                                            benefits=request.app.state.config.benefits.rules())
        return ScorecardView.of(card)

    return router
