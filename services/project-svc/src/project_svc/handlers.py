"""One small async handler per command, registered in HANDLERS; each loads, decides and commits.

A command on an existing project first passes `ownership.authorize` (the project's sponsor decides, its project
manager plans and executes); commands translated from other contexts' events are facts and pass no such check.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from continuum.domain import NotFound
from continuum.eventstore.summaries import list_summaries
from continuum.eventstore.uow import UnitOfWork
from continuum.handling import decide_on
from continuum.http.problems import ProblemError

from project_svc import service_catalog
from project_svc.domain import commands as c
from project_svc.domain.entities import OPEN_STATES, Origin
from project_svc.domain.ownership import authorize
from project_svc.domain.project import Project

log = logging.getLogger(__name__)
OPPORTUNITY_NAMESPACE = uuid5(NAMESPACE_URL, "urn:continuum:project:from-opportunity")


def project_id_for_opportunity(opportunity_id: UUID) -> UUID:
    """The one project an opportunity can give rise to: redelivery finds the same stream."""
    return uuid5(OPPORTUNITY_NAMESPACE, str(opportunity_id))


def unknown_targets_problem(unusable: dict[UUID, str]) -> ProblemError:
    """422 naming `target_service_ids`: each id is unknown to project-svc (so far) or retired."""
    listed = ", ".join(f"{service_id} ({why})" for service_id, why in unusable.items())
    detail = (f"target_service_ids names services project-svc does not know or that are retired: {listed}. "
              "project-svc learns services from service-svc's events: a service registered a moment ago may take "
              "a moment to be known, so retry shortly.")
    errors = [{"field": "body.target_service_ids", "message": f"service {service_id} is {why}",
               "type": f"{why}_reference"} for service_id, why in unusable.items()]
    return ProblemError(422, "unknown-reference", "Unknown reference", detail, rule="target-services-known",
                        errors=errors)


async def propose(command: c.ProposeProject, uow: UnitOfWork) -> Project:
    unusable = await service_catalog.unusable_services(uow.connection, command.target_service_ids)
    if unusable:
        raise unknown_targets_problem(unusable)
    return await _propose(command, uow)


async def _propose(command: c.ProposeProject, uow: UnitOfWork) -> Project:
    project = Project.propose(
        command.project_id, title=command.title, problem_statement=command.problem_statement,
        business_case=command.business_case, origin=command.origin, opportunity_id=command.opportunity_id,
        target_service_ids=command.target_service_ids, at=command.at)
    uow.add(project)
    await uow.commit()
    return project


async def propose_from_opportunity(command: c.ProposeFromOpportunity, uow: UnitOfWork) -> Project:
    project_id = project_id_for_opportunity(command.opportunity_id)
    try:
        return await uow.get(Project, project_id)  # already proposed: nothing more to do
    except NotFound:
        pass
    if await service_catalog.unusable_services(uow.connection, [command.service_id]):
        # metrics-svc detects only on a service whose incidents service-svc published, so the service exists;
        # project-svc reads the service topic on its own and may not have seen it yet (or saw it retired).
        # The proposal stands (dropping or dead-lettering it would lose the opportunity); the sponsor decides.
        log.warning("opportunity %s proposes a project for service %s, not known (yet) or retired",
                    command.opportunity_id, command.service_id)
    return await _propose(c.ProposeProject(
        project_id, command.title, command.problem_statement, command.business_case, Origin.improvement_opportunity,
        command.opportunity_id, [command.service_id], command.at), uow)


async def record_handover_acceptance(command: c.RecordHandoverAcceptance, uow: UnitOfWork) -> Project | None:
    try:
        project = await uow.get(Project, command.project_id)
    except NotFound:
        return None  # a handover of a project this service does not hold (opened by hand elsewhere)
    project.record_handover_acceptance(handover_id=command.handover_id, service_id=command.service_id,
                                       accepted_by=command.accepted_by, accepted_at=command.accepted_at,
                                       at=command.accepted_at)
    await uow.commit()
    return project


async def cancel_for_opportunity(command: c.CancelForOpportunity, uow: UnitOfWork) -> list[Project]:
    """Cancel every open project proposed for the opportunity (by the consumer, or by hand naming it)."""
    page = await list_summaries(uow.connection, stream_type=Project.stream_type,
                                contains={"opportunity_id": str(command.opportunity_id)}, limit=100)
    cancelled = []
    for summary in page.items:
        project = await uow.get(Project, UUID(summary["id"]))
        if project.state in OPEN_STATES:
            # never dated before the project's own last event (a dismissal's CloudEvent time may be earlier
            # than a charter approved since), or `as_of` would show the project cancelled before it was
            at = max(command.at, project.last_occurred_at or command.at)
            project.cancel(reason=command.reason, at=at)
            cancelled.append(project)
    if not page.items:
        log.info("opportunity %s ended; no project was proposed for it", command.opportunity_id)
    await uow.commit()
    return cancelled


async def learn_service(command: c.LearnService, uow: UnitOfWork) -> None:
    await service_catalog.remember_service(uow.connection, service_id=command.service_id, name=command.name,
                                           retired=command.retired, at=command.at)
    await uow.commit()


def on_project(decide: Callable[[Project, Any], None]):
    """A handler that loads the command's project, checks who acts (ownership), lets it decide, and commits."""

    def authorized(project: Project, command: Any) -> None:
        authorize(project, command)
        decide(project, command)

    async def handle(command: Any, uow: UnitOfWork) -> Project:
        return await decide_on(uow, Project, command.project_id, lambda project: authorized(project, command))

    return handle


def _approve_charter(project: Project, cmd: c.ApproveCharter) -> None:
    project.approve_charter(goal=cmd.goal, scope_statement=cmd.scope_statement,
                            budget_at_completion=cmd.budget_at_completion, planned_start=cmd.planned_start,
                            planned_end=cmd.planned_end, sponsor=cmd.team.sponsor,
                            project_manager=cmd.team.project_manager, members=cmd.team.members, at=cmd.at,
                            benefit_kpi=cmd.benefit_kpi, benefit_target=cmd.benefit_target)


def _assign_team(project: Project, cmd: c.AssignTeam) -> None:
    project.assign_team(sponsor=cmd.team.sponsor, project_manager=cmd.team.project_manager,
                        members=cmd.team.members, at=cmd.at)


def _add_milestone(project: Project, cmd: c.AddMilestone) -> None:
    project.add_milestone(cmd.milestone_id, name=cmd.name, planned_date=cmd.planned_date,
                          planned_value=cmd.planned_value, at=cmd.at)


def _identify_risk(project: Project, cmd: c.IdentifyRisk) -> None:
    project.identify_risk(cmd.risk_id, title=cmd.title, probability=cmd.probability, impact=cmd.impact,
                          owner=cmd.owner, mitigation=cmd.mitigation, at=cmd.at)


def _reassess_risk(project: Project, cmd: c.ReassessRisk) -> None:
    project.reassess_risk(cmd.risk_id, probability=cmd.probability, impact=cmd.impact, mitigation=cmd.mitigation,
                          status=cmd.status, at=cmd.at)


def _record_cost(project: Project, cmd: c.RecordActualCost) -> None:
    project.record_cost(amount=cmd.amount, incurred_on=cmd.incurred_on, category=cmd.category, at=cmd.at)


HANDLERS = {
    c.ProposeProject: propose,
    c.ProposeFromOpportunity: propose_from_opportunity,
    c.RecordHandoverAcceptance: record_handover_acceptance,
    c.CancelForOpportunity: cancel_for_opportunity,
    c.LearnService: learn_service,
    c.ApproveCharter: on_project(_approve_charter),
    c.AssignTeam: on_project(_assign_team),
    c.StartPlanning: on_project(lambda p, cmd: p.start_planning(at=cmd.at)),
    c.AddMilestone: on_project(_add_milestone),
    c.IdentifyRisk: on_project(_identify_risk),
    c.ReassessRisk: on_project(_reassess_risk),
    c.BaselinePlan: on_project(lambda p, cmd: p.baseline(at=cmd.at)),
    c.RecordProgress: on_project(
        lambda p, cmd: p.record_progress(cmd.milestone_id, percent_complete=cmd.percent_complete, at=cmd.at)),
    c.CompleteMilestone: on_project(
        lambda p, cmd: p.complete_milestone(cmd.milestone_id, actual_date=cmd.actual_date, at=cmd.at)),
    c.RecordActualCost: on_project(_record_cost),
    c.PutOnHold: on_project(lambda p, cmd: p.put_on_hold(reason=cmd.reason, at=cmd.at)),
    c.Resume: on_project(lambda p, cmd: p.resume(at=cmd.at)),
    c.RaiseChangeRequest: on_project(lambda p, cmd: p.raise_change_request(cmd.change, at=cmd.at)),
    c.ApproveChangeRequest: on_project(
        lambda p, cmd: p.approve_change_request(cmd.change_request_id, by=cmd.actor.subject, at=cmd.at)),
    c.RejectChangeRequest: on_project(lambda p, cmd: p.reject_change_request(
        cmd.change_request_id, by=cmd.actor.subject, reason=cmd.reason, at=cmd.at)),
    c.EnterClosing: on_project(lambda p, cmd: p.enter_closing(at=cmd.at)),
    c.AcceptProject: on_project(lambda p, cmd: p.accept(by=cmd.actor.subject, at=cmd.at)),
    c.CloseProject: on_project(lambda p, cmd: p.close(at=cmd.at)),
    c.CancelProject: on_project(lambda p, cmd: p.cancel(reason=cmd.reason, at=cmd.at)),
}

