"""Routes of /incidents: the life cycle, CSAT, and the state with live SLA clock figures."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter, Request, Response

from continuum.http.auth import Role
from continuum.http.commands import Caller, allowed, business_time, readable
from continuum.http.conditional import IfMatch
from continuum.eventstore.summaries import ListQuery
from continuum.http.history import AsOf, History, HistoryLimit
from continuum.http.listing import Listing
from continuum.http.pagination import Cursor, Limit, Page
from continuum.http.routes import handled, history_of, listed, read_one, with_routes

from service_svc.api import schemas as s
from service_svc.api.views import IncidentSummary, IncidentView
from service_svc.domain import commands as c
from service_svc.domain.incident import Incident

AGENTS = (Role.support_agent, Role.integration)


def _at(caller, body: s.Command | None) -> datetime:
    return business_time(caller, body.occurred_at if body else None)


def _view(incident: Incident) -> IncidentView:
    return IncidentView.of(incident, datetime.now(UTC))


def incidents_router() -> APIRouter:
    return with_routes(APIRouter(prefix="/incidents", tags=["incidents"]), _opening_routes, _progress_routes,
                       _resolution_routes, _read_routes)


def _opening_routes(router: APIRouter) -> None:
    @router.post("", status_code=201, **allowed(*AGENTS))
    async def open_(body: s.OpenIncidentBody, caller: Caller, request: Request, response: Response) -> IncidentView:
        """Open an incident; its clocks run against the service's SLA targets for its priority."""
        at = _at(caller, body)
        command = c.OpenIncident(service_id=body.service_id, priority=body.priority, category=body.category,
                                 title=body.title, description=body.description, outage=body.outage,
                                 detected_at=body.detected_at or at, at=at)
        return _view(await handled(request, response, command, created_in="/incidents"))

    @router.post("/{incident_id}/acknowledge", **allowed(*AGENTS))
    async def acknowledge(incident_id: UUID, caller: Caller, request: Request, response: Response,
                          body: s.Command | None = None, if_match: IfMatch = None) -> IncidentView:
        command = c.AcknowledgeIncident(incident_id=incident_id, at=_at(caller, body))
        return _view(await handled(request, response, command, if_match=if_match))

    @router.post("/{incident_id}/assign", **allowed(*AGENTS))
    async def assign(incident_id: UUID, body: s.AssignBody, caller: Caller, request: Request, response: Response,
                     if_match: IfMatch = None) -> IncidentView:
        command = c.AssignIncident(incident_id=incident_id, assignee=body.assignee, at=_at(caller, body))
        return _view(await handled(request, response, command, if_match=if_match))


def _progress_routes(router: APIRouter) -> None:
    @router.post("/{incident_id}/hold", **allowed(*AGENTS))
    async def hold(incident_id: UUID, body: s.ReasonBody, caller: Caller, request: Request, response: Response,
                   if_match: IfMatch = None) -> IncidentView:
        """Awaiting the customer: the resolution clock pauses until `resume`."""
        command = c.HoldIncident(incident_id=incident_id, reason=body.reason, at=_at(caller, body))
        return _view(await handled(request, response, command, if_match=if_match))

    @router.post("/{incident_id}/resume", **allowed(*AGENTS))
    async def resume(incident_id: UUID, caller: Caller, request: Request, response: Response,
                     body: s.Command | None = None, if_match: IfMatch = None) -> IncidentView:
        command = c.ResumeIncident(incident_id=incident_id, at=_at(caller, body))
        return _view(await handled(request, response, command, if_match=if_match))


def _resolution_routes(router: APIRouter) -> None:
    @router.post("/{incident_id}/resolve", **allowed(*AGENTS))
    async def resolve(incident_id: UUID, body: s.ResolveIncidentBody, caller: Caller, request: Request,
                      response: Response, if_match: IfMatch = None) -> IncidentView:
        command = c.ResolveIncident(incident_id=incident_id, resolution_code=body.resolution_code,
                                    downtime_minutes=body.downtime_minutes, at=_at(caller, body))
        return _view(await handled(request, response, command, if_match=if_match))

    @router.post("/{incident_id}/close", **allowed(*AGENTS))
    async def close(incident_id: UUID, caller: Caller, request: Request, response: Response,
                    body: s.Command | None = None, if_match: IfMatch = None) -> IncidentView:
        command = c.CloseIncident(incident_id=incident_id, at=_at(caller, body))
        return _view(await handled(request, response, command, if_match=if_match))

    @router.post("/{incident_id}/reopen", **allowed(*AGENTS))
    async def reopen(incident_id: UUID, body: s.ReasonBody, caller: Caller, request: Request, response: Response,
                     if_match: IfMatch = None) -> IncidentView:
        """Reopen a resolved incident: its resolution clock goes on from where it stopped."""
        command = c.ReopenIncident(incident_id=incident_id, reason=body.reason, at=_at(caller, body))
        return _view(await handled(request, response, command, if_match=if_match))

    @router.post("/{incident_id}/rate", **allowed(*AGENTS))
    async def rate(incident_id: UUID, body: s.RateIncidentBody, caller: Caller, request: Request,
                   response: Response, if_match: IfMatch = None) -> IncidentView:
        """The customer's satisfaction (CSAT 1–5), once per resolved incident."""
        command = c.RateIncident(incident_id=incident_id, score=body.score, comment=body.comment, at=_at(caller, body))
        return _view(await handled(request, response, command, if_match=if_match))


def _read_routes(router: APIRouter) -> None:
    @router.get("", **readable())
    async def list_(request: Request, limit: Limit = 50, cursor: Cursor = None, service_id: UUID | None = None,
                    status: s.IncidentStatus | None = None, priority: s.Priority | None = None, open: bool | None = None,
                    category: str | None = None, outage: bool | None = None,
                    assignee: str | None = None, listing: Listing = ListQuery()) -> Page[IncidentSummary]:
        filters = {"service_id": service_id, "status": status, "priority": priority, "open": open,
                   "category": category, "outage": outage, "assignee": assignee}
        items, next_cursor = await listed(request, Incident, filters, limit, cursor, listing)
        return Page[IncidentSummary](items=items, next_cursor=next_cursor)

    @router.get("/{incident_id}", **readable())
    async def read(incident_id: UUID, request: Request, response: Response, as_of: AsOf = None) -> IncidentView:
        """The incident now (or as it stood at `as_of`), with its SLA clocks computed at that moment."""
        incident = await read_one(request, response, Incident, incident_id, as_of)
        return IncidentView.of(incident, as_of or datetime.now(UTC))

    @router.get("/{incident_id}/history", **readable())
    async def history(incident_id: UUID, request: Request, cursor: Cursor = None, limit: HistoryLimit = 100) -> History:
        return await history_of(request, Incident, incident_id, cursor, limit)
