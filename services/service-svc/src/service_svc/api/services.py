"""Routes of /services: catalog, lifecycle stage, owner, SLA, operating cost and the improvement register."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from continuum.domain import NotFound
from continuum.http.auth import Role
from continuum.http.commands import Caller, allowed, business_time, readable
from continuum.http.conditional import IfMatch
from continuum.http.history import AsOf, History
from continuum.http.pagination import Cursor, Limit, Page

from service_svc.api import schemas as s
from service_svc.api.common import handled, history_of, listed, read_one
from service_svc.api.views import ImprovementPlanned, ImprovementView, ServiceSummary, ServiceView
from service_svc.domain import commands as c
from service_svc.domain.events import SlaTarget
from service_svc.domain.service import Service, Sla

OWNERS = (Role.service_owner, Role.integration)


def services_router() -> APIRouter:
    router = APIRouter(prefix="/services", tags=["services"])

    @router.post("", status_code=201, **allowed(*OWNERS))
    async def register(body: s.RegisterServiceBody, caller: Caller, request: Request, response: Response) -> ServiceView:
        command = c.RegisterService(body.name, body.description, body.owner, body.demanded_by, body.expected_volume,
                                    business_time(caller, body.occurred_at))
        return ServiceView.of(await handled(request, response, command, location="/services"))

    @router.post("/{service_id}/assign-owner", **allowed(*OWNERS))
    async def assign_owner(service_id: UUID, body: s.AssignOwnerBody, caller: Caller, request: Request,
                           response: Response, if_match: IfMatch = None) -> ServiceView:
        command = c.AssignOwner(service_id, body.owner, business_time(caller, body.occurred_at))
        return ServiceView.of(await handled(request, response, command, if_match=if_match))

    @router.post("/{service_id}/change-stage", **allowed(*OWNERS))
    async def change_stage(service_id: UUID, body: s.ChangeStageBody, caller: Caller, request: Request,
                           response: Response, if_match: IfMatch = None) -> ServiceView:
        """Move one stage on, or retire; entering `operation` happens on an accepted handover (or by an admin)."""
        command = c.ChangeStage(service_id, body.to_stage, body.reason, Role.admin in caller.roles,
                                business_time(caller, body.occurred_at))
        return ServiceView.of(await handled(request, response, command, if_match=if_match))

    @router.post("/{service_id}/define-sla", **allowed(*OWNERS))
    async def define_sla(service_id: UUID, body: s.DefineSlaBody, caller: Caller, request: Request,
                         response: Response, if_match: IfMatch = None) -> ServiceView:
        """Define or revise the SLA; open incidents keep their elapsed and paused time under the new targets."""
        targets = {p: SlaTarget(t.response_minutes, t.resolution_minutes) for p, t in body.targets.items()}
        sla = Sla(body.availability_target_pct, targets, body.csat_target_pct)
        command = c.DefineSla(service_id, sla, business_time(caller, body.occurred_at))
        return ServiceView.of(await handled(request, response, command, if_match=if_match))

    @router.post("/{service_id}/withdraw-sla", **allowed(*OWNERS))
    async def withdraw_sla(service_id: UUID, body: s.ReasonBody, caller: Caller, request: Request,
                           response: Response, if_match: IfMatch = None) -> ServiceView:
        command = c.WithdrawSla(service_id, body.reason, business_time(caller, body.occurred_at))
        return ServiceView.of(await handled(request, response, command, if_match=if_match))

    @router.post("/{service_id}/record-operating-cost", **allowed(*OWNERS))
    async def record_cost(service_id: UUID, body: s.OperatingCostBody, caller: Caller, request: Request,
                          response: Response, if_match: IfMatch = None) -> ServiceView:
        command = c.RecordOperatingCost(service_id, body.amount, body.incurred_on, body.category,
                                        business_time(caller, body.occurred_at))
        return ServiceView.of(await handled(request, response, command, if_match=if_match))

    @router.post("/{service_id}/improvements", status_code=201, **allowed(*OWNERS))
    async def plan_improvement(service_id: UUID, body: s.PlanImprovementBody, caller: Caller, request: Request,
                               response: Response, if_match: IfMatch = None) -> ImprovementPlanned:
        command = c.PlanImprovement(service_id, body.title, body.project_id, business_time(caller, body.occurred_at))
        service, improvement_id = await handled(request, response, command, if_match=if_match)
        response.headers["Location"] = f"/services/{service_id}/improvements/{improvement_id}"
        return ImprovementPlanned(service=ServiceView.of(service), improvement_id=improvement_id)

    @router.post("/{service_id}/improvements/{improvement_id}/implement", **allowed(*OWNERS))
    async def implement_improvement(service_id: UUID, improvement_id: UUID, caller: Caller, request: Request,
                                    response: Response, body: s.ImplementImprovementBody | None = None,
                                    if_match: IfMatch = None) -> ServiceView:
        body = body or s.ImplementImprovementBody()
        command = c.ImplementImprovement(service_id, improvement_id, body.project_id,
                                         business_time(caller, body.occurred_at))
        return ServiceView.of(await handled(request, response, command, if_match=if_match))

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
    async def improvements(service_id: UUID, request: Request, response: Response,
                           as_of: AsOf = None) -> list[ImprovementView]:
        """The service's improvement register (as it stood at `as_of`)."""
        return ServiceView.of(await read_one(request, response, Service, service_id, as_of)).improvements

    @router.get("/{service_id}/improvements/{improvement_id}", **readable())
    async def improvement(service_id: UUID, improvement_id: UUID, request: Request, response: Response,
                          as_of: AsOf = None) -> ImprovementView:
        register = ServiceView.of(await read_one(request, response, Service, service_id, as_of)).improvements
        found = next((item for item in register if item.id == improvement_id), None)
        if found is None:
            raise NotFound("Improvement", improvement_id)
        return found

    @router.get("/{service_id}/history", **readable())
    async def history(service_id: UUID, request: Request) -> History:
        return await history_of(request, Service, service_id)

    return router
