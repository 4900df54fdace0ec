"""Routes of /problems, /changes and /service-requests."""

from __future__ import annotations

from typing import Literal
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
from service_svc.api.common import OWNER_NOTE, acting_owner
from service_svc.api.views import (ChangeSummary, ChangeView, ProblemSummary, ProblemView, ServiceRequestSummary,
                                   ServiceRequestView)
from service_svc.domain import commands as c
from service_svc.domain.change import Change
from service_svc.domain.problem import Problem
from service_svc.domain.service_request import ServiceRequest

OWNERS = (Role.service_owner, Role.integration)
AGENTS = (Role.support_agent, Role.integration)


def _at(caller, body: s.Command | None):
    return business_time(caller, body.occurred_at if body else None)


def problems_router() -> APIRouter:
    return with_routes(APIRouter(prefix="/problems", tags=["problems"]), _problem_commands, _problem_reads)


def _problem_commands(router: APIRouter) -> None:
    @router.post("", status_code=201, **allowed(*OWNERS),
                 description="Open a problem from the service's incidents." + OWNER_NOTE)
    async def open_(body: s.OpenProblemBody, caller: Caller, request: Request, response: Response) -> ProblemView:
        command = c.OpenProblem(service_id=body.service_id, title=body.title, incident_ids=body.incident_ids,
                                at=_at(caller, body), acting_owner=acting_owner(caller))
        return ProblemView.of(await handled(request, response, command, created_in="/problems"))

    @router.post("/{problem_id}/link-incident", **allowed(*OWNERS),
                 description="Link another incident of the same service." + OWNER_NOTE)
    async def link(problem_id: UUID, body: s.LinkIncidentBody, caller: Caller, request: Request,
                   response: Response, if_match: IfMatch = None) -> ProblemView:
        command = c.LinkIncident(problem_id=problem_id, incident_id=body.incident_id, at=_at(caller, body),
                                 acting_owner=acting_owner(caller))
        return ProblemView.of(await handled(request, response, command, if_match=if_match))

    @router.post("/{problem_id}/record-root-cause", **allowed(*OWNERS),
                 description="Record the root cause." + OWNER_NOTE)
    async def root_cause(problem_id: UUID, body: s.RootCauseBody, caller: Caller, request: Request,
                         response: Response, if_match: IfMatch = None) -> ProblemView:
        command = c.RecordRootCause(problem_id=problem_id, root_cause=body.root_cause, at=_at(caller, body),
                                    acting_owner=acting_owner(caller))
        return ProblemView.of(await handled(request, response, command, if_match=if_match))

    @router.post("/{problem_id}/record-known-error", **allowed(*OWNERS),
                 description="Record the known error and its workaround." + OWNER_NOTE)
    async def known_error(problem_id: UUID, body: s.KnownErrorBody, caller: Caller, request: Request,
                          response: Response, if_match: IfMatch = None) -> ProblemView:
        command = c.RecordKnownError(problem_id=problem_id, workaround=body.workaround, at=_at(caller, body),
                                     acting_owner=acting_owner(caller))
        return ProblemView.of(await handled(request, response, command, if_match=if_match))

    @router.post("/{problem_id}/resolve", **allowed(*OWNERS), description=(
        "Resolve the problem, and with `resolve_incidents` its linked incidents still open." + OWNER_NOTE))
    async def resolve(problem_id: UUID, body: s.ResolveProblemBody, caller: Caller, request: Request,
                      response: Response, if_match: IfMatch = None) -> ProblemView:
        command = c.ResolveProblem(problem_id=problem_id, resolution=body.resolution,
                                   resolve_incidents=body.resolve_incidents, at=_at(caller, body),
                                   acting_owner=acting_owner(caller))
        return ProblemView.of(await handled(request, response, command, if_match=if_match))


def _problem_reads(router: APIRouter) -> None:
    @router.get("", **readable())
    async def list_(request: Request, limit: Limit = 50, cursor: Cursor = None, service_id: UUID | None = None,
                    status: Literal["open", "known_error", "resolved"] | None = None,
                    listing: Listing = ListQuery()) -> Page[ProblemSummary]:
        items, next_cursor = await listed(request, Problem, {"service_id": service_id, "status": status}, limit,
                                          cursor, listing)
        return Page[ProblemSummary](items=items, next_cursor=next_cursor)

    @router.get("/{problem_id}", **readable())
    async def read(problem_id: UUID, request: Request, response: Response, as_of: AsOf = None) -> ProblemView:
        return ProblemView.of(await read_one(request, response, Problem, problem_id, as_of))

    @router.get("/{problem_id}/history", **readable())
    async def history(problem_id: UUID, request: Request, cursor: Cursor = None, limit: HistoryLimit = 100
                      ) -> History:
        return await history_of(request, Problem, problem_id, cursor, limit)


def changes_router() -> APIRouter:
    return with_routes(APIRouter(prefix="/changes", tags=["changes"]), _change_commands, _change_reads)


def _change_commands(router: APIRouter) -> None:
    @router.post("", status_code=201, **allowed(*OWNERS), description=(
        "Raise an RFC; a standard change is pre-authorised, the others need the service owner's approval."
        + OWNER_NOTE))
    async def request_(body: s.RequestChangeBody, caller: Caller, request: Request, response: Response) -> ChangeView:
        command = c.RequestChange(service_id=body.service_id, kind=body.kind, title=body.title, risk=body.risk,
                                  planned_start=body.planned_start, planned_end=body.planned_end, at=_at(caller, body),
                                  acting_owner=acting_owner(caller))
        return ChangeView.of(await handled(request, response, command, created_in="/changes"))

    @router.post("/{change_id}/approve", **allowed(Role.service_owner),
                 description="Approve a requested change." + OWNER_NOTE)
    async def approve(change_id: UUID, caller: Caller, request: Request, response: Response,
                      body: s.Command | None = None, if_match: IfMatch = None) -> ChangeView:
        command = c.ApproveChange(change_id=change_id, approver=caller.subject, at=_at(caller, body),
                                  acting_owner=acting_owner(caller))
        return ChangeView.of(await handled(request, response, command, if_match=if_match))

    @router.post("/{change_id}/reject", **allowed(Role.service_owner),
                 description="Reject a requested change, with a reason." + OWNER_NOTE)
    async def reject(change_id: UUID, body: s.RejectChangeBody, caller: Caller, request: Request,
                     response: Response, if_match: IfMatch = None) -> ChangeView:
        command = c.RejectChange(change_id=change_id, approver=caller.subject, reason=body.reason, at=_at(caller, body),
                                 acting_owner=acting_owner(caller))
        return ChangeView.of(await handled(request, response, command, if_match=if_match))

    @router.post("/{change_id}/implement", **allowed(*OWNERS),
                 description="Record the change's implementation and its outcome." + OWNER_NOTE)
    async def implement(change_id: UUID, body: s.ImplementChangeBody, caller: Caller, request: Request,
                        response: Response, if_match: IfMatch = None) -> ChangeView:
        command = c.ImplementChange(change_id=change_id, outcome=body.outcome, at=_at(caller, body),
                                    acting_owner=acting_owner(caller))
        return ChangeView.of(await handled(request, response, command, if_match=if_match))


def _change_reads(router: APIRouter) -> None:
    @router.get("", **readable())
    async def list_(request: Request, limit: Limit = 50, cursor: Cursor = None, service_id: UUID | None = None,
                    status: Literal["requested", "approved", "rejected", "implemented"] | None = None,
                    kind: Literal["standard", "normal", "emergency"] | None = None,
                    listing: Listing = ListQuery()) -> Page[ChangeSummary]:
        filters = {"service_id": service_id, "status": status, "kind": kind}
        items, next_cursor = await listed(request, Change, filters, limit, cursor, listing)
        return Page[ChangeSummary](items=items, next_cursor=next_cursor)

    @router.get("/{change_id}", **readable())
    async def read(change_id: UUID, request: Request, response: Response, as_of: AsOf = None) -> ChangeView:
        return ChangeView.of(await read_one(request, response, Change, change_id, as_of))

    @router.get("/{change_id}/history", **readable())
    async def history(change_id: UUID, request: Request, cursor: Cursor = None, limit: HistoryLimit = 100
                      ) -> History:
        return await history_of(request, Change, change_id, cursor, limit)


def service_requests_router() -> APIRouter:
    return with_routes(APIRouter(prefix="/service-requests", tags=["service requests"]), _service_request_commands,
                       _service_request_reads)


def _service_request_commands(router: APIRouter) -> None:
    @router.post("", status_code=201, **allowed(*AGENTS))
    async def submit(body: s.SubmitRequestBody, caller: Caller, request: Request,
                     response: Response) -> ServiceRequestView:
        command = c.SubmitRequest(service_id=body.service_id, title=body.title, requested_by=body.requested_by,
                                  at=_at(caller, body))
        return ServiceRequestView.of(await handled(request, response, command, created_in="/service-requests"))

    @router.post("/{request_id}/fulfil", **allowed(*AGENTS))
    async def fulfil(request_id: UUID, caller: Caller, request: Request, response: Response,
                     body: s.Command | None = None, if_match: IfMatch = None) -> ServiceRequestView:
        command = c.FulfilRequest(request_id=request_id, at=_at(caller, body))
        return ServiceRequestView.of(await handled(request, response, command, if_match=if_match))

    @router.post("/{request_id}/cancel", **allowed(*AGENTS))
    async def cancel(request_id: UUID, body: s.ReasonBody, caller: Caller, request: Request, response: Response,
                     if_match: IfMatch = None) -> ServiceRequestView:
        command = c.CancelRequest(request_id=request_id, reason=body.reason, at=_at(caller, body))
        return ServiceRequestView.of(await handled(request, response, command, if_match=if_match))


def _service_request_reads(router: APIRouter) -> None:
    @router.get("", **readable())
    async def list_(request: Request, limit: Limit = 50, cursor: Cursor = None, service_id: UUID | None = None,
                    status: Literal["submitted", "fulfilled", "cancelled"] | None = None,
                    requested_by: str | None = None, listing: Listing = ListQuery()) -> Page[ServiceRequestSummary]:
        filters = {"service_id": service_id, "status": status, "requested_by": requested_by}
        items, next_cursor = await listed(request, ServiceRequest, filters, limit, cursor, listing)
        return Page[ServiceRequestSummary](items=items, next_cursor=next_cursor)

    @router.get("/{request_id}", **readable())
    async def read(request_id: UUID, request: Request, response: Response,
                   as_of: AsOf = None) -> ServiceRequestView:
        return ServiceRequestView.of(await read_one(request, response, ServiceRequest, request_id, as_of))

    @router.get("/{request_id}/history", **readable())
    async def history(request_id: UUID, request: Request, cursor: Cursor = None, limit: HistoryLimit = 100
                      ) -> History:
        return await history_of(request, ServiceRequest, request_id, cursor, limit)
