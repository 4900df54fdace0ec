"""Commands on a project's parts: milestones, risks and change requests live under the project (DESIGN §4).

Creating a part answers 201 with the part and its `Location`; a command on a part answers the part. The `ETag`
is always the project's version: the project is the unit of consistency, so `If-Match` takes that version.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from fastapi import APIRouter, Request, Response

from continuum.http.auth import Role
from continuum.http.commands import Caller, allowed, business_time
from continuum.http.conditional import IfMatch
from continuum.http.routes import handled

from project_svc.api import schemas as s
from project_svc.api.deps import Acting
from project_svc.api.views import change_request_view, milestone_view, risk_view
from project_svc.domain import commands as c
from project_svc.domain.entities import ChangeRequest, RiskStatus
from project_svc.domain.events import PlannedMilestone
from project_svc.domain.project import Project

PM = allowed(Role.project_manager, Role.integration)
SPONSOR = allowed(Role.sponsor, Role.integration)
ETAG_NOTE = " The `ETag` (and `If-Match`) is the project's version."
SPONSOR_NOTE = ("Decided by the project's own sponsor (the `sub` its team names): another sponsor gets 403 "
                "`decided-by-the-projects-sponsor`; admin, and integration importing, may decide for any project.")
PM_NOTE = (" Done by the project's own project manager (the `sub` its team names): another project manager "
           "gets 403 `run-by-the-projects-manager`; admin, and integration importing, may act on any project.")


def _milestone(project: Project, milestone_id: UUID) -> s.MilestoneView:
    return milestone_view(project.milestone(milestone_id), datetime.now(UTC).date())


def _risk(project: Project, risk_id: UUID) -> s.RiskView:
    return risk_view(project.risk(risk_id))


def _change_request(project: Project, change_request_id: UUID) -> s.ChangeRequestView:
    return change_request_view(project.change_requests[change_request_id])


def _change(body: s.ChangeRequestBody) -> ChangeRequest:
    added = [PlannedMilestone(milestone_id=uuid4(), name=m.name, planned_date=m.planned_date,
                              planned_value=m.planned_value) for m in body.add_milestones]
    return ChangeRequest(uuid4(), body.reason, body.scope_delta, body.schedule_delta_days, body.budget_delta,
                         list(dict.fromkeys(body.descope_milestone_ids)), added)


def part_routes(api: APIRouter) -> None:
    _milestone_routes(api)
    _risk_routes(api)
    _change_request_routes(api)


def _milestone_routes(api: APIRouter) -> None:
    @api.post("/{project_id}/milestones", status_code=201, summary="Add a milestone to the plan", **PM,
              description="Planning only (later, milestones come with an approved change request)."
              + PM_NOTE + ETAG_NOTE)
    async def add_milestone(project_id: UUID, body: s.NewMilestone, caller: Caller, actor: Acting,
                            request: Request, response: Response, if_match: IfMatch = None) -> s.MilestoneView:
        milestone_id = uuid4()
        command = c.AddMilestone(project_id=project_id, milestone_id=milestone_id, name=body.name,
                                 planned_date=body.planned_date, planned_value=body.planned_value,
                                 at=business_time(caller, body.occurred_at), actor=actor)
        location = f"/projects/{project_id}/milestones/{milestone_id}"
        project = await handled(request, response, command, if_match=if_match, location=location)
        return _milestone(project, milestone_id)

    @api.post("/{project_id}/milestones/{milestone_id}/record-progress", summary="Record % complete", **PM,
              description="Executing only; progress is the earned value's basis." + PM_NOTE + ETAG_NOTE)
    async def record_progress(project_id: UUID, milestone_id: UUID, body: s.Progress, caller: Caller,
                              actor: Acting, request: Request, response: Response,
                              if_match: IfMatch = None) -> s.MilestoneView:
        command = c.RecordProgress(project_id=project_id, milestone_id=milestone_id,
                                   percent_complete=body.percent_complete, at=business_time(caller, body.occurred_at),
                                   actor=actor)
        return _milestone(await handled(request, response, command, if_match=if_match), milestone_id)

    @api.post("/{project_id}/milestones/{milestone_id}/complete", summary="Complete a milestone", **PM,
              description=PM_NOTE.strip() + ETAG_NOTE)
    async def complete_milestone(project_id: UUID, milestone_id: UUID, body: s.Completion, caller: Caller,
                                 actor: Acting, request: Request, response: Response,
                                 if_match: IfMatch = None) -> s.MilestoneView:
        command = c.CompleteMilestone(project_id=project_id, milestone_id=milestone_id, actual_date=body.actual_date,
                                      at=business_time(caller, body.occurred_at), actor=actor)
        return _milestone(await handled(request, response, command, if_match=if_match), milestone_id)


def _risk_routes(api: APIRouter) -> None:
    @api.post("/{project_id}/risks", status_code=201, summary="Identify a risk (planning or executing)", **PM,
              description="Score = probability × impact." + PM_NOTE + ETAG_NOTE)
    async def identify_risk(project_id: UUID, body: s.NewRisk, caller: Caller, actor: Acting, request: Request,
                            response: Response, if_match: IfMatch = None) -> s.RiskView:
        risk_id = uuid4()
        command = c.IdentifyRisk(project_id=project_id, risk_id=risk_id, title=body.title, probability=body.probability,
                                 impact=body.impact, owner=body.owner, mitigation=body.mitigation,
                                 at=business_time(caller, body.occurred_at), actor=actor)
        location = f"/projects/{project_id}/risks/{risk_id}"
        project = await handled(request, response, command, if_match=if_match, location=location)
        return _risk(project, risk_id)

    @api.post("/{project_id}/risks/{risk_id}/reassess", summary="Reassess a risk or change its status", **PM,
              description=PM_NOTE.strip() + ETAG_NOTE)
    async def reassess_risk(project_id: UUID, risk_id: UUID, body: s.RiskReassessment, caller: Caller,
                            actor: Acting, request: Request, response: Response,
                            if_match: IfMatch = None) -> s.RiskView:
        command = c.ReassessRisk(project_id=project_id, risk_id=risk_id, probability=body.probability,
                                 impact=body.impact, mitigation=body.mitigation, status=RiskStatus(body.status),
                                 at=business_time(caller, body.occurred_at), actor=actor)
        return _risk(await handled(request, response, command, if_match=if_match), risk_id)


def _change_request_routes(api: APIRouter) -> None:
    @api.post("/{project_id}/change-requests", status_code=201, summary="Raise a change request", **PM,
              description=(
                  "Descope milestones and add new ones (scope), move the planned end by `schedule_delta_days` "
                  "(schedule) and change the BAC by `budget_delta` (budget): after the change the remaining and "
                  "added planned values must sum to BAC + budget delta. Approval re-baselines." + PM_NOTE + ETAG_NOTE))
    async def raise_change_request(project_id: UUID, body: s.ChangeRequestBody, caller: Caller, actor: Acting,
                                   request: Request, response: Response,
                                   if_match: IfMatch = None) -> s.ChangeRequestView:
        change = _change(body)
        command = c.RaiseChangeRequest(project_id=project_id, change=change, at=business_time(caller, body.occurred_at),
                                       actor=actor)
        location = f"/projects/{project_id}/change-requests/{change.id}"
        project = await handled(request, response, command, if_match=if_match, location=location)
        return _change_request(project, change.id)

    @api.post("/{project_id}/change-requests/{change_request_id}/approve", **SPONSOR,
              summary="Approve a change request (re-baselines)", description=SPONSOR_NOTE + ETAG_NOTE)
    async def approve_change_request(project_id: UUID, change_request_id: UUID, caller: Caller, actor: Acting,
                                     request: Request, response: Response, body: s.Timed = s.Timed(),
                                     if_match: IfMatch = None) -> s.ChangeRequestView:
        command = c.ApproveChangeRequest(project_id=project_id, change_request_id=change_request_id,
                                         at=business_time(caller, body.occurred_at), actor=actor)
        return _change_request(await handled(request, response, command, if_match=if_match), change_request_id)

    @api.post("/{project_id}/change-requests/{change_request_id}/reject", summary="Reject a change request",
              **SPONSOR, description=SPONSOR_NOTE + ETAG_NOTE)
    async def reject_change_request(project_id: UUID, change_request_id: UUID, body: s.Rejection,
                                    caller: Caller, actor: Acting, request: Request, response: Response,
                                    if_match: IfMatch = None) -> s.ChangeRequestView:
        command = c.RejectChangeRequest(project_id=project_id, change_request_id=change_request_id, reason=body.reason,
                                        at=business_time(caller, body.occurred_at), actor=actor)
        return _change_request(await handled(request, response, command, if_match=if_match), change_request_id)
