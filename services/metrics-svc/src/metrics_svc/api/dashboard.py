"""The dashboard: its public page (a shell with no data, like /docs) and the authenticated reads it charts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from continuum.http.commands import Caller, readable
from continuum.http.history import AsOf
from continuum.http.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from continuum.http.routes import with_routes

from metrics_svc import queries, success
from metrics_svc.api.dashboard_schemas import (
    EarnedValuePointView,
    EarnedValueSeriesView,
    HandoverSummaryView,
    ProjectSummaryView,
    ServiceRankingView,
    ServiceWeeklyView,
    ServiceWeekView,
)
from metrics_svc.api.routes import WindowDays
from metrics_svc.api.schemas import ServiceKpisView, number, problems_of
from metrics_svc.api.success import reader
from metrics_svc.api.success_schemas import SuccessColumnsView
from metrics_svc.dashboard import read_model

STATIC = Path(__file__).parents[1] / "dashboard" / "static"
# The page loads only its own files and talks only to this origin; the token never leaves the fragment/storage.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}
Weeks = Annotated[int, Query(ge=1, le=52, description="How many whole weeks, ending at as_of.", examples=[12])]
RankBy = Annotated[read_model.RankingKpi, Query(description="The KPI to rank by.", examples=["mttr"])]
Order = Annotated[Literal["worst", "best"], Query(description="worst (default) or best first.")]
Places = Annotated[int, Query(ge=1, le=50, description="How many places of the ranking.", examples=[10])]


def _now(as_of: datetime | None) -> datetime:
    return as_of or datetime.now(UTC)


def _after(cursor: str | None) -> str | None:
    return (decode_cursor(cursor) or {}).get("after")


def _offset(cursor: str | None) -> int:
    """The places a ranking's cursor has served (a position the ranking issued; anything else starts over)."""
    after = (decode_cursor(cursor) or {}).get("after", 0)
    return after if isinstance(after, int) else 0


def _next(after: str | None) -> str | None:
    return None if after is None else encode_cursor({"after": after})


def install_dashboard_page(app: FastAPI) -> None:
    """GET /dashboard and its static files: public and outside the OpenAPI, as they hold no data."""
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html", headers=PAGE_HEADERS)

    app.add_api_route("/dashboard", page, methods=["GET"], include_in_schema=False)
    app.mount("/dashboard/static", StaticFiles(directory=STATIC), name="dashboard-static")


def dashboard_router() -> APIRouter:
    return with_routes(APIRouter(prefix="/kpis", tags=["dashboard"]), _service_routes, _project_routes,
                       _handover_routes)


def _service_routes(router: APIRouter) -> None:
    @router.get("/services", **readable())
    async def services(request: Request, window: WindowDays = 30, as_of: AsOf = None, limit: Limit = 50,
                       cursor: Cursor = None) -> Page[ServiceKpisView]:
        """Every service metrics knows of (incidents or an SLA), with its KPIs over the window."""
        moment = _now(as_of)
        async with queries.snapshot(request.app.state.engine) as conn:
            ids, after = await read_model.service_ids(conn, after=_after(cursor), limit=limit)
            reports = await queries.service_reports(conn, ids, days=window, as_of=moment)
        items = [ServiceKpisView.of(report, window) for report in reports]
        return Page[ServiceKpisView](items=items, next_cursor=_next(after))

    @router.get("/top-services", **readable())
    async def top_services(request: Request, by: RankBy = "incident_rate", order: Order = "worst",
                           window: WindowDays = 30, as_of: AsOf = None, limit: Places = 10, cursor: Cursor = None
                           ) -> ServiceRankingView:
        """Every service ranked by one KPI over the window, and the full KPIs of the first `limit` places (the
        dashboard's charts): a constant number of statements whatever the number of services."""
        offset = _offset(cursor)
        async with queries.snapshot(request.app.state.engine) as conn:
            ranking = await read_model.ranked_services(conn, by=by, worst_first=order == "worst", offset=offset,
                                                       limit=limit, days=window, as_of=_now(as_of))
        following = None if ranking.next_offset is None else encode_cursor({"after": ranking.next_offset})
        return ServiceRankingView.of(ranking, window, following)

    @router.get("/services/{service_id}/weekly", **readable())
    async def service_weekly(service_id: UUID, request: Request, weeks: Weeks = 12, as_of: AsOf = None
                             ) -> ServiceWeeklyView:
        """Incidents, MTTR, SLA compliance and availability week by week."""
        async with queries.snapshot(request.app.state.engine) as conn:
            series, problems = await read_model.service_weeks(conn, service_id, weeks=weeks, as_of=_now(as_of))
        problems += [p for week in series for p in week.problems if p not in problems]
        return ServiceWeeklyView(service_id=service_id, weeks=[ServiceWeekView.of(w) for w in series],
                                 problems=problems_of(problems))


def _project_routes(router: APIRouter) -> None:
    @router.get("/projects", **readable())
    async def projects(request: Request, caller: Caller, as_of: AsOf = None, limit: Limit = 50,
                       cursor: Cursor = None) -> Page[ProjectSummaryView]:
        """Every project metrics knows of, with its earned value as of `as_of` and, for the projects the caller
        sponsors or manages (any, for admin), the success scorecard's columns (docs/project-success.md)."""
        moment = _now(as_of)
        async with queries.snapshot(request.app.state.engine) as conn:
            ids, after = await read_model.project_ids(conn, after=_after(cursor), limit=limit)
            entries = await read_model.project_entries(conn, ids, as_of=moment)
            cards = await success.success_columns(conn, ids, reader(caller), as_of=moment,
                                                  benefits=request.app.state.config.benefits.rules())
        items = [ProjectSummaryView.of_entry(entry, success=SuccessColumnsView.of(cards.get(entry.fact.project_id)))
                 for entry in entries]
        return Page[ProjectSummaryView](items=items, next_cursor=_next(after))

    @router.get("/projects/{project_id}/earned-value", **readable())
    async def earned_value(project_id: UUID, request: Request, as_of: AsOf = None) -> EarnedValueSeriesView:
        """PV, EV and AC over time: PV along the whole plan, EV and AC up to as_of."""
        moment = _now(as_of)
        async with queries.snapshot(request.app.state.engine) as conn:
            series = await read_model.earned_value_series(conn, project_id, as_of=moment)
        return EarnedValueSeriesView(project_id=project_id, as_of=moment, bac=number(series.bac),
                                     points=[EarnedValuePointView.of(p) for p in series.points],
                                     problems=problems_of(series.problems))


def _handover_routes(router: APIRouter) -> None:
    @router.get("/handovers", **readable())
    async def handovers(request: Request, as_of: AsOf = None, limit: Limit = 50, cursor: Cursor = None
                        ) -> Page[HandoverSummaryView]:
        """Every handover metrics knows of, with readiness and transition figures."""
        async with queries.snapshot(request.app.state.engine) as conn:
            entries, after = await read_model.handover_entries(conn, after=_after(cursor), limit=limit,
                                                               as_of=_now(as_of))
        return Page[HandoverSummaryView](items=[HandoverSummaryView.of_entry(e) for e in entries],
                                         next_cursor=_next(after))
