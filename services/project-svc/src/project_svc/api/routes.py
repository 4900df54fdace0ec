"""HTTP routes of project-svc (thin: DTO → command → bus → response).

Each command's description says whose it is (docs/security.md, "Ownership: project-svc"): the roles gate the
route, then the project's own sponsor or project manager is required (403 naming the rule) unless the caller
is admin or integration, whose events record `admin:<sub>` / `integration:<sub>` as their actor.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Request, Response

from continuum.http.auth import Role
from continuum.http.commands import Caller, allowed, business_time
from continuum.http.conditional import IfMatch
from continuum.http.routes import handled, with_routes

from project_svc.api import schemas as s
from project_svc.api.deps import Acting, acting
from project_svc.api.parts import part_routes
from project_svc.api.reads import read_routes
from project_svc.api.views import project_view
from project_svc.domain import commands as c
from project_svc.domain.entities import Origin
from project_svc.domain.events import TeamMember
from project_svc.domain.project import Project

PM = allowed(Role.project_manager, Role.integration)
SPONSOR = allowed(Role.sponsor, Role.integration)
PROPOSERS = allowed(Role.project_manager, Role.sponsor, Role.service_owner, Role.integration)
SPONSORS_DECISION = (
    " Decided by the project's own sponsor (the `sub` its team names as sponsor): another sponsor gets 403 "
    "`decided-by-the-projects-sponsor`; admin, and integration importing, may decide for any project.")
PMS_WORK = (
    " Done by the project's own project manager (the `sub` its team names): another project manager gets 403 "
    "`run-by-the-projects-manager`; admin, and integration importing, may act on any project.")


def _view(project: Project) -> s.ProjectView:
    return project_view(project, datetime.now(UTC).date())


def _team(body: s.TeamBody) -> c.Team:
    return c.Team(sponsor=body.sponsor, project_manager=body.project_manager,
                  members=[TeamMember(name=m.name, role=m.role) for m in body.members])


def router() -> APIRouter:
    return with_routes(APIRouter(prefix="/projects", tags=["projects"], dependencies=[Depends(acting)]),
                       _initiation_routes, _sponsor_routes, _planning_routes, _execution_routes, _closing_routes,
                       part_routes, read_routes)


def _initiation_routes(api: APIRouter) -> None:
    @api.post("", status_code=201, summary="Propose a project", **PROPOSERS, description=(
        "Anyone who may see a need proposes: project managers, sponsors, service owners (who see their "
        "services' weaknesses first) and integration (importing proposals). Nothing but approving the charter "
        "or cancelling happens before authorization. Every `target_service_ids` entry must be a service "
        "project-svc knows from service-svc's events and not retired (422 `target-services-known` naming the "
        "field otherwise): a service registered a moment ago may take a moment to be known — retry shortly."))
    async def propose(body: s.Proposal, caller: Caller, request: Request, response: Response) -> s.ProjectView:
        project_id = uuid4()
        command = c.ProposeProject(project_id=project_id, title=body.title, problem_statement=body.problem_statement,
                                   business_case=body.business_case, origin=Origin(body.origin),
                                   opportunity_id=body.opportunity_id, target_service_ids=body.target_service_ids,
                                   at=business_time(caller, body.occurred_at))
        return _view(await handled(request, response, command, location=f"/projects/{project_id}"))

    @api.post("/{project_id}/approve-charter", summary="Authorize the project (sponsor)", **SPONSOR, description=(
        "Names the first sponsor: a proposed project has none, so any sponsor may approve its charter, but only "
        "naming themselves as `team.sponsor` (403 `decided-by-the-projects-sponsor` otherwise); admin, and "
        "integration importing, may name anyone. From then on the team changes only by its sponsor."))
    async def approve_charter(project_id: UUID, body: s.Charter, caller: Caller, actor: Acting, request: Request,
                              response: Response, if_match: IfMatch = None) -> s.ProjectView:
        command = c.ApproveCharter(project_id=project_id, goal=body.goal, scope_statement=body.scope_statement,
                                   budget_at_completion=body.budget_at_completion, planned_start=body.planned_start,
                                   planned_end=body.planned_end, team=_team(body.team),
                                   at=business_time(caller, body.occurred_at),
                                   benefit_kpi=body.benefit.kpi if body.benefit else None,
                                   benefit_target=body.benefit.target if body.benefit else None, actor=actor)
        return _view(await handled(request, response, command, if_match=if_match))


def _sponsor_routes(api: APIRouter) -> None:
    @api.post("/{project_id}/assign-team", summary="Change the team (sponsor)", **SPONSOR, description=(
        "Names the sponsor, project manager and members; naming another sponsor hands the sponsorship on."
        + SPONSORS_DECISION))
    async def assign_team(project_id: UUID, body: s.TeamChange, caller: Caller, actor: Acting, request: Request,
                          response: Response, if_match: IfMatch = None) -> s.ProjectView:
        command = c.AssignTeam(project_id=project_id, team=_team(body), at=business_time(caller, body.occurred_at),
                               actor=actor)
        return _view(await handled(request, response, command, if_match=if_match))

    @api.post("/{project_id}/cancel", summary="Cancel an open project (sponsor)", **SPONSOR, description=(
        "A proposal nobody has chartered yet has no sponsor: any sponsor may cancel it." + SPONSORS_DECISION))
    async def cancel(project_id: UUID, body: s.Reason, caller: Caller, actor: Acting, request: Request,
                     response: Response, if_match: IfMatch = None) -> s.ProjectView:
        command = c.CancelProject(project_id=project_id, reason=body.reason, at=business_time(caller, body.occurred_at),
                                  actor=actor)
        return _view(await handled(request, response, command, if_match=if_match))


def _planning_routes(api: APIRouter) -> None:
    @api.post("/{project_id}/start-planning", summary="Start planning the chartered project", **PM,
              description=PMS_WORK.strip())
    async def start_planning(project_id: UUID, caller: Caller, actor: Acting, request: Request,
                             response: Response, body: s.Timed = s.Timed(), if_match: IfMatch = None) -> s.ProjectView:
        command = c.StartPlanning(project_id=project_id, at=business_time(caller, body.occurred_at), actor=actor)
        return _view(await handled(request, response, command, if_match=if_match))

    @api.post("/{project_id}/baseline", summary="Baseline the plan and start executing", **PM, description=(
        "Freezes the PV curve, BAC and dates; the planned values must sum to the BAC." + PMS_WORK))
    async def baseline(project_id: UUID, caller: Caller, actor: Acting, request: Request, response: Response,
                       body: s.Timed = s.Timed(), if_match: IfMatch = None) -> s.ProjectView:
        command = c.BaselinePlan(project_id=project_id, at=business_time(caller, body.occurred_at), actor=actor)
        return _view(await handled(request, response, command, if_match=if_match))


def _execution_routes(api: APIRouter) -> None:
    @api.post("/{project_id}/record-cost", summary="Record an actual cost", **PM, description=PMS_WORK.strip())
    async def record_cost(project_id: UUID, body: s.ActualCost, caller: Caller, actor: Acting, request: Request,
                          response: Response, if_match: IfMatch = None) -> s.ProjectView:
        command = c.RecordActualCost(project_id=project_id, amount=body.amount, incurred_on=body.incurred_on,
                                     category=body.category, at=business_time(caller, body.occurred_at), actor=actor)
        return _view(await handled(request, response, command, if_match=if_match))

    @api.post("/{project_id}/put-on-hold", summary="Put the executing project on hold (sponsor)", **SPONSOR,
              description=SPONSORS_DECISION.strip())
    async def put_on_hold(project_id: UUID, body: s.Reason, caller: Caller, actor: Acting, request: Request,
                          response: Response, if_match: IfMatch = None) -> s.ProjectView:
        command = c.PutOnHold(project_id=project_id, reason=body.reason, at=business_time(caller, body.occurred_at),
                              actor=actor)
        return _view(await handled(request, response, command, if_match=if_match))

    @api.post("/{project_id}/resume", summary="Resume a project on hold (sponsor)", **SPONSOR,
              description=SPONSORS_DECISION.strip())
    async def resume(project_id: UUID, caller: Caller, actor: Acting, request: Request, response: Response,
                     body: s.Timed = s.Timed(), if_match: IfMatch = None) -> s.ProjectView:
        command = c.Resume(project_id=project_id, at=business_time(caller, body.occurred_at), actor=actor)
        return _view(await handled(request, response, command, if_match=if_match))


def _closing_routes(api: APIRouter) -> None:
    @api.post("/{project_id}/enter-closing", summary="Enter closing (opens the handovers)", **PM, description=(
        "Every milestone must be completed or descoped and no change request pending." + PMS_WORK))
    async def enter_closing(project_id: UUID, caller: Caller, actor: Acting, request: Request,
                            response: Response, body: s.Timed = s.Timed(), if_match: IfMatch = None) -> s.ProjectView:
        command = c.EnterClosing(project_id=project_id, at=business_time(caller, body.occurred_at), actor=actor)
        return _view(await handled(request, response, command, if_match=if_match))

    @api.post("/{project_id}/accept", summary="Formal acceptance by the sponsor", **SPONSOR,
              description=SPONSORS_DECISION.strip())
    async def accept(project_id: UUID, caller: Caller, actor: Acting, request: Request, response: Response,
                     body: s.Timed = s.Timed(), if_match: IfMatch = None) -> s.ProjectView:
        command = c.AcceptProject(project_id=project_id, at=business_time(caller, body.occurred_at), actor=actor)
        return _view(await handled(request, response, command, if_match=if_match))

    @api.post("/{project_id}/close", summary="Close the project", **PM, description=(
        "Refused (409 `handovers-accepted`) until the handover of every target service is accepted, and "
        "(409 `sponsor-acceptance-required`) before the sponsor's acceptance. Records ProjectSuccessEvaluated "
        "and disbands the team." + PMS_WORK))
    async def close(project_id: UUID, caller: Caller, actor: Acting, request: Request, response: Response,
                    body: s.Timed = s.Timed(), if_match: IfMatch = None) -> s.ProjectView:
        command = c.CloseProject(project_id=project_id, at=business_time(caller, body.occurred_at), actor=actor)
        return _view(await handled(request, response, command, if_match=if_match))
