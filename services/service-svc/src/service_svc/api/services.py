"""Routes of /services: catalog, lifecycle stage, owner, SLA, operating cost and the improvement register."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from continuum.domain import NotFound
from continuum.http.auth import Role
from continuum.http.commands import Caller, allowed, business_time, readable
from continuum.http.conditional import IfMatch
from continuum.http.history import AsOf, History, HistoryLimit
from continuum.http.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from continuum.http.routes import handled, history_of, listed, read_one, with_routes

from service_svc.api import schemas as s
from service_svc.api.common import OWNER_NOTE, acting_owner
from service_svc.api.views import ImprovementView, ServiceSummary, ServiceView
from service_svc.domain import commands as c
from service_svc.domain.events import SlaTarget
from service_svc.domain.service import Service, Sla

OWNERS = (Role.service_owner, Role.integration)


def services_router() -> APIRouter:
    return with_routes(APIRouter(prefix="/services", tags=["services"]), _lifecycle_routes, _sla_and_cost_routes,
                       _improvement_routes, _read_routes)


def _lifecycle_routes(router: APIRouter) -> None:
    @router.post("", status_code=201, **allowed(*OWNERS), description=(
        "Enter a service in the catalog, in `strategy`. Ownership: a service owner names themselves as `owner` "
        "or leaves it empty (403 `unowned-service-claimed-for-oneself` for naming someone else); admin and "
        "integration name anyone."))
    async def register(body: s.RegisterServiceBody, caller: Caller, request: Request, response: Response) -> ServiceView:
        command = c.RegisterService(name=body.name, description=body.description, owner=body.owner,
                                    demanded_by=body.demanded_by, expected_volume=body.expected_volume,
                                    at=business_time(caller, body.occurred_at), acting_owner=acting_owner(caller))
        return ServiceView.of(await handled(request, response, command, created_in="/services"))

    @router.post("/{service_id}/assign-owner", **allowed(*OWNERS), description=(
        "Hand the service to a new owner. Ownership: only its current owner (403 `decided-by-the-services-owner` "
        "for another service owner); a service with no owner yet is claimed by a service owner for themselves "
        "(403 `unowned-service-claimed-for-oneself` for naming someone else). Admin and integration assign "
        "anyone; the event's actor then reads `admin:<sub>` or `integration:<sub>`."))
    async def assign_owner(service_id: UUID, body: s.AssignOwnerBody, caller: Caller, request: Request,
                           response: Response, if_match: IfMatch = None) -> ServiceView:
        command = c.AssignOwner(service_id=service_id, owner=body.owner, at=business_time(caller, body.occurred_at),
                                acting_owner=acting_owner(caller))
        return ServiceView.of(await handled(request, response, command, if_match=if_match))

    @router.post("/{service_id}/change-stage", **allowed(*OWNERS), description=(
        "Move one stage on, or retire; entering `operation` happens on an accepted handover (or by an admin, "
        "with a reason)." + OWNER_NOTE))
    async def change_stage(service_id: UUID, body: s.ChangeStageBody, caller: Caller, request: Request,
                           response: Response, if_match: IfMatch = None) -> ServiceView:
        command = c.ChangeStage(service_id=service_id, to_stage=body.to_stage, reason=body.reason,
                                by_admin=Role.admin in caller.roles, at=business_time(caller, body.occurred_at),
                                acting_owner=acting_owner(caller))
        return ServiceView.of(await handled(request, response, command, if_match=if_match))


def _sla_and_cost_routes(router: APIRouter) -> None:
    @router.post("/{service_id}/define-sla", **allowed(*OWNERS), description=(
        "Define or revise the SLA: per priority, response and resolution targets in business minutes of a "
        "calendar (`calendar_id`, default the built-in `24x7`; an unknown or deleted one is a 422 naming the "
        "field). Unclosed incidents keep their elapsed business time and paused time, and count on the new "
        "targets and calendar from the change on." + OWNER_NOTE))
    async def define_sla(service_id: UUID, body: s.DefineSlaBody, caller: Caller, request: Request,
                         response: Response, if_match: IfMatch = None) -> ServiceView:
        targets = {p: SlaTarget(response_minutes=t.response_minutes, resolution_minutes=t.resolution_minutes,
                                calendar_id=t.calendar())
                   for p, t in body.targets.items()}
        sla = Sla(body.availability_target_pct, targets, body.csat_target_pct)
        command = c.DefineSla(service_id=service_id, sla=sla, at=business_time(caller, body.occurred_at),
                              acting_owner=acting_owner(caller))
        return ServiceView.of(await handled(request, response, command, if_match=if_match))

    @router.post("/{service_id}/withdraw-sla", **allowed(*OWNERS),
                 description="Withdraw the SLA; open incidents run without targets." + OWNER_NOTE)
    async def withdraw_sla(service_id: UUID, body: s.ReasonBody, caller: Caller, request: Request,
                           response: Response, if_match: IfMatch = None) -> ServiceView:
        command = c.WithdrawSla(service_id=service_id, reason=body.reason, at=business_time(caller, body.occurred_at),
                                acting_owner=acting_owner(caller))
        return ServiceView.of(await handled(request, response, command, if_match=if_match))

    @router.post("/{service_id}/record-operating-cost", **allowed(*OWNERS),
                 description="Record an operating cost entry (for the TCO)." + OWNER_NOTE)
    async def record_cost(service_id: UUID, body: s.OperatingCostBody, caller: Caller, request: Request,
                          response: Response, if_match: IfMatch = None) -> ServiceView:
        command = c.RecordOperatingCost(service_id=service_id, amount=body.amount, incurred_on=body.incurred_on,
                                        category=body.category, at=business_time(caller, body.occurred_at),
                                        acting_owner=acting_owner(caller))
        return ServiceView.of(await handled(request, response, command, if_match=if_match))


def _improvement_routes(router: APIRouter) -> None:
    @router.post("/{service_id}/improvements", status_code=201, **allowed(*OWNERS),
                 description="Enter an item in the service's improvement register; the answer is the item (its "
                             "`ETag` the service's version, which `If-Match` takes)." + OWNER_NOTE)
    async def plan_improvement(service_id: UUID, body: s.PlanImprovementBody, caller: Caller, request: Request,
                               response: Response, if_match: IfMatch = None) -> ImprovementView:
        command = c.PlanImprovement(service_id=service_id, title=body.title, project_id=body.project_id,
                                    at=business_time(caller, body.occurred_at), acting_owner=acting_owner(caller))
        service, improvement_id = await handled(request, response, command, if_match=if_match)
        response.headers["Location"] = f"/services/{service_id}/improvements/{improvement_id}"
        return _improvement(ServiceView.of(service), improvement_id)

    @router.post("/{service_id}/improvements/{improvement_id}/implement", **allowed(*OWNERS),
                 description="Mark an improvement implemented; the answer is the item." + OWNER_NOTE)
    async def implement_improvement(service_id: UUID, improvement_id: UUID, caller: Caller, request: Request,
                                    response: Response, body: s.ImplementImprovementBody | None = None,
                                    if_match: IfMatch = None) -> ImprovementView:
        body = body or s.ImplementImprovementBody()
        command = c.ImplementImprovement(service_id=service_id, improvement_id=improvement_id,
                                         project_id=body.project_id, at=business_time(caller, body.occurred_at),
                                         acting_owner=acting_owner(caller))
        service = await handled(request, response, command, if_match=if_match)
        return _improvement(ServiceView.of(service), improvement_id)


def _read_routes(router: APIRouter) -> None:
    @router.get("", **readable())
    async def list_(request: Request, limit: Limit = 50, cursor: Cursor = None, stage: s.Stage | None = None,
                    owner: str | None = None, sla_defined: bool | None = None) -> Page[ServiceSummary]:
        filters = {"stage": stage, "owner": owner, "sla_defined": sla_defined}
        items, next_cursor = await listed(request, Service, filters, limit, cursor)
        return Page[ServiceSummary](items=items, next_cursor=next_cursor)

    @router.get("/{service_id}", **readable())
    async def read(service_id: UUID, request: Request, response: Response, as_of: AsOf = None) -> ServiceView:
        return ServiceView.of(await read_one(request, response, Service, service_id, as_of))

    @router.get("/{service_id}/improvements", **readable())
    async def improvements(service_id: UUID, request: Request, response: Response, limit: Limit = 50,
                           cursor: Cursor = None, as_of: AsOf = None) -> Page[ImprovementView]:
        """The service's improvement register in the order items were entered (as it stood at `as_of`)."""
        register = ServiceView.of(await read_one(request, response, Service, service_id, as_of)).improvements
        after = (decode_cursor(cursor) or {}).get("after", 0)
        start = after if isinstance(after, int) else 0
        more = len(register) > start + limit
        return Page[ImprovementView](items=register[start:start + limit],
                                     next_cursor=encode_cursor({"after": start + limit}) if more else None)

    @router.get("/{service_id}/improvements/{improvement_id}", **readable())
    async def improvement(service_id: UUID, improvement_id: UUID, request: Request, response: Response,
                          as_of: AsOf = None) -> ImprovementView:
        return _improvement(ServiceView.of(await read_one(request, response, Service, service_id, as_of)),
                            improvement_id)

    @router.get("/{service_id}/history", **readable())
    async def history(service_id: UUID, request: Request, cursor: Cursor = None, limit: HistoryLimit = 100) -> History:
        return await history_of(request, Service, service_id, cursor, limit)


def _improvement(service: ServiceView, improvement_id: UUID) -> ImprovementView:
    found = next((item for item in service.improvements if item.id == improvement_id), None)
    if found is None:
        raise NotFound("Improvement", improvement_id)
    return found
