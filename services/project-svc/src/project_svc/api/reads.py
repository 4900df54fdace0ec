"""Read routes of project-svc: the list, one project with live earned value (at `as_of`), its parts, history."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from continuum.domain import NotFound
from continuum.eventstore.summaries import ListQuery
from continuum.http.commands import readable
from continuum.http.history import AsOf, History, HistoryLimit
from continuum.http.listing import Listing
from continuum.http.pagination import Cursor, Limit, Page
from continuum.http.routes import history_of, listed, loaded, read_one

from project_svc.api import schemas as s
from project_svc.api.views import change_request_view, milestone_view, project_view, risk_view
from project_svc.domain.project import Project

States = Literal["proposed", "chartered", "planning", "executing", "closing", "closed", "cancelled"]


def day_of(as_of: datetime | None) -> date:
    return (as_of or datetime.now(UTC)).date()


def list_filter(state, sponsor, target_service_id, origin) -> dict | None:
    contains = {"state": state, "sponsor": sponsor, "origin": origin}
    contains = {key: value for key, value in contains.items() if value is not None}
    if target_service_id is not None:
        contains["target_service_ids"] = [str(target_service_id)]
    return contains or None


def read_routes(api: APIRouter) -> None:
    @api.get("", summary="List projects", **readable())
    async def list_(request: Request, limit: Limit = 50, cursor: Cursor = None,
                    state: States | None = Query(None, examples=["executing"]),
                    sponsor: str | None = Query(None, max_length=200, pattern=s.NO_NUL, examples=["alice"]),
                    target_service_id: UUID | None = Query(None, examples=[s.SERVICE_ID]),
                    origin: Literal["manual", "improvement_opportunity"] | None = Query(None, examples=["manual"]),
                    listing: Listing = ListQuery()) -> Page[s.ProjectSummary]:
        filters = list_filter(state, sponsor, target_service_id, origin) or {}
        items, next_cursor = await listed(request, Project, filters, limit, cursor, listing)
        return Page[s.ProjectSummary](items=items, next_cursor=next_cursor)

    @api.get("/{project_id}", summary="One project with its earned value (at `as_of`)", **readable(),
             description="Earned value is computed at the `as_of` date (today without it), on the state then.")
    async def read(project_id: UUID, request: Request, response: Response, as_of: AsOf = None) -> s.ProjectView:
        return project_view(await read_one(request, response, Project, project_id, as_of), day_of(as_of))

    @api.get("/{project_id}/history", summary="The project's events", **readable())
    async def history(project_id: UUID, request: Request, cursor: Cursor = None, limit: HistoryLimit = 100
                          ) -> History:
        return await history_of(request, Project, project_id, cursor, limit)

    _part_routes(api)


def _part_routes(api: APIRouter) -> None:
    @api.get("/{project_id}/milestones", summary="The project's milestones", **readable())
    async def milestones(project_id: UUID, request: Request, as_of: AsOf = None) -> list[s.MilestoneView]:
        project = await loaded(request, Project, project_id, as_of)
        return [milestone_view(m, day_of(as_of)) for m in project.milestones.values()]

    @api.get("/{project_id}/milestones/{milestone_id}", summary="One milestone", **readable())
    async def milestone(project_id: UUID, milestone_id: UUID, request: Request, as_of: AsOf = None) -> s.MilestoneView:
        project = await loaded(request, Project, project_id, as_of)
        return milestone_view(project.milestone(milestone_id), day_of(as_of))

    @api.get("/{project_id}/risks", summary="The project's risks", **readable())
    async def risks(project_id: UUID, request: Request, as_of: AsOf = None) -> list[s.RiskView]:
        project = await loaded(request, Project, project_id, as_of)
        return [risk_view(r) for r in project.risks.values()]

    @api.get("/{project_id}/risks/{risk_id}", summary="One risk", **readable())
    async def risk(project_id: UUID, risk_id: UUID, request: Request, as_of: AsOf = None) -> s.RiskView:
        project = await loaded(request, Project, project_id, as_of)
        return risk_view(project.risk(risk_id))

    @api.get("/{project_id}/change-requests", summary="The project's change requests", **readable())
    async def change_requests(project_id: UUID, request: Request, as_of: AsOf = None) -> list[s.ChangeRequestView]:
        project = await loaded(request, Project, project_id, as_of)
        return [change_request_view(c) for c in project.change_requests.values()]

    @api.get("/{project_id}/change-requests/{change_request_id}", summary="One change request", **readable())
    async def change_request(project_id: UUID, change_request_id: UUID, request: Request,
                             as_of: AsOf = None) -> s.ChangeRequestView:
        project = await loaded(request, Project, project_id, as_of)
        change = project.change_requests.get(change_request_id)
        if change is None:
            raise NotFound("ChangeRequest", change_request_id)
        return change_request_view(change)
