"""One small async handler per command, registered in HANDLERS; each runs in a unit of work."""

from __future__ import annotations

import inspect
from typing import Any
from uuid import UUID

from continuum.eventstore.uow import UnitOfWork
from continuum.handling import decide_on

from service_svc import read_model
from service_svc.calendar_handlers import CALENDAR_HANDLERS, applied_sla, lock_calendars_of, with_calendar_revisions
from service_svc.domain import commands as c
from service_svc.domain.change import Change
from service_svc.domain.incident import Incident
from service_svc.domain.problem import Problem
from service_svc.domain.rules import require
from service_svc.domain.service import Service
from service_svc.domain.service_request import ServiceRequest
from service_svc.domain.sla_clock import minutes

# Service


async def register_service(command: c.RegisterService, uow: UnitOfWork) -> Service:
    service = Service.register(name=command.name, description=command.description, owner=command.owner,
                               demanded_by=command.demanded_by, expected_volume=command.expected_volume,
                               by=command.acting_owner, at=command.at)
    uow.add(service)
    await uow.commit()
    return service


async def _owned_service(uow: UnitOfWork, command: c.ByTheServicesOwner, service_id: UUID) -> Service:
    """The service, once its owner is the one acting (every owner-decided command passes here)."""
    service = await uow.get(Service, service_id)
    service.require_owner(command.acting_owner)
    return service


async def _on_service(uow: UnitOfWork, command: c.ByTheServicesOwner, act: Any) -> Service:
    """The command's service decides, once its owner is the one acting."""
    def decide(service: Service) -> None:
        service.require_owner(command.acting_owner)
        act(service)
    return await decide_on(uow, Service, command.service_id, decide)


async def assign_owner(command: c.AssignOwner, uow: UnitOfWork) -> Service:
    return await decide_on(uow, Service, command.service_id, lambda s: s.assign_owner(
        command.owner, by=command.acting_owner, at=command.at))


async def change_stage(command: c.ChangeStage, uow: UnitOfWork) -> Service:
    return await _on_service(uow, command, lambda s: s.change_stage(
        command.to_stage, command.reason, by_admin=command.by_admin, at=command.at))


async def record_handover_acceptance(command: c.RecordHandoverAcceptance, uow: UnitOfWork) -> Service:
    """From handover-svc's HandoverAccepted: its owner's decision was taken (and checked) there."""
    return await decide_on(uow, Service, command.service_id, lambda s: s.accept_handover(
        command.handover_id, at=command.at))


async def define_sla(command: c.DefineSla, uow: UnitOfWork) -> Service:
    await lock_calendars_of(uow, command.sla)
    await read_model.lock_service_sla(uow.connection, command.service_id, exclusive=True)
    service = await _owned_service(uow, command, command.service_id)
    service.define_sla(await with_calendar_revisions(uow, command.sla), at=command.at)
    await _retarget_incidents(uow, service, command.at)
    await uow.commit()
    return service


async def withdraw_sla(command: c.WithdrawSla, uow: UnitOfWork) -> Service:
    await read_model.lock_service_sla(uow.connection, command.service_id, exclusive=True)
    service = await _owned_service(uow, command, command.service_id)
    service.withdraw_sla(command.reason, at=command.at)
    await _retarget_incidents(uow, service, command.at)
    await uow.commit()
    return service


async def _retarget_incidents(uow: UnitOfWork, service: Service, at) -> None:
    """The service's unclosed incidents run on the new targets and calendars from the change on, in the same
    transaction as the SLA change."""
    calendars: dict = {}
    for incident_id in await read_model.unclosed_incident_ids(uow.connection, service.id):
        incident = await uow.get(Incident, incident_id)
        when = max(at, incident.last_at)
        incident.apply_sla(await applied_sla(uow, service, incident.priority, when, loaded=calendars), at=when)


async def record_operating_cost(command: c.RecordOperatingCost, uow: UnitOfWork) -> Service:
    return await _on_service(uow, command, lambda s: s.record_operating_cost(
        command.amount, incurred_on=command.incurred_on, category=command.category, at=command.at))


async def plan_improvement(command: c.PlanImprovement, uow: UnitOfWork) -> tuple[Service, UUID]:
    service = await _owned_service(uow, command, command.service_id)
    improvement_id = service.plan_improvement(command.title, command.project_id, at=command.at)
    await uow.commit()
    return service, improvement_id


async def implement_improvement(command: c.ImplementImprovement, uow: UnitOfWork) -> Service:
    return await _on_service(uow, command, lambda s: s.implement_improvement(
        command.improvement_id, command.project_id, at=command.at))


# Incident


async def open_incident(command: c.OpenIncident, uow: UnitOfWork) -> Incident:
    await read_model.lock_service_sla(uow.connection, command.service_id, exclusive=False)
    service = await uow.get(Service, command.service_id)
    service.require_live()
    sla = await applied_sla(uow, service, command.priority, command.at)
    incident = Incident.open(service_id=service.id, priority=command.priority, category=command.category,
                             title=command.title, description=command.description, outage=command.outage,
                             detected_at=command.detected_at, sla=sla, at=command.at)
    uow.add(incident)
    await uow.commit()
    return incident


async def acknowledge_incident(command: c.AcknowledgeIncident, uow: UnitOfWork) -> Incident:
    return await decide_on(uow, Incident, command.incident_id, lambda i: i.acknowledge(at=command.at))


async def assign_incident(command: c.AssignIncident, uow: UnitOfWork) -> Incident:
    return await decide_on(uow, Incident, command.incident_id, lambda i: i.assign(command.assignee, at=command.at))


async def hold_incident(command: c.HoldIncident, uow: UnitOfWork) -> Incident:
    return await decide_on(uow, Incident, command.incident_id, lambda i: i.put_on_hold(command.reason, at=command.at))


async def resume_incident(command: c.ResumeIncident, uow: UnitOfWork) -> Incident:
    return await decide_on(uow, Incident, command.incident_id, lambda i: i.resume(at=command.at))


async def resolve_incident(command: c.ResolveIncident, uow: UnitOfWork) -> Incident:
    return await decide_on(uow, Incident, command.incident_id, lambda i: i.resolve(
        command.resolution_code, downtime_minutes=command.downtime_minutes, at=command.at))


async def close_incident(command: c.CloseIncident, uow: UnitOfWork) -> Incident:
    return await decide_on(uow, Incident, command.incident_id, lambda i: i.close(at=command.at))


async def reopen_incident(command: c.ReopenIncident, uow: UnitOfWork) -> Incident:
    return await decide_on(uow, Incident, command.incident_id, lambda i: i.reopen(command.reason, at=command.at))


async def rate_incident(command: c.RateIncident, uow: UnitOfWork) -> Incident:
    return await decide_on(uow, Incident, command.incident_id, lambda i: i.rate(command.score, command.comment,
                                                                         at=command.at))


async def record_sla_breaches(command: c.RecordSlaBreaches, uow: UnitOfWork) -> Incident:
    return await decide_on(uow, Incident, command.incident_id, lambda i: i.record_breaches(now=command.now))


# Problem


async def _incident_of(uow: UnitOfWork, incident_id: UUID, service_id: UUID) -> Incident:
    incident = await uow.get(Incident, incident_id)
    require(incident.service_id == service_id, "incident-of-the-service",
            f"incident {incident_id} belongs to another service")
    return incident


async def _on_problem(uow: UnitOfWork, command: c.ByTheServicesOwner, problem_id: UUID, act: Any) -> Problem:
    """The problem decides (`act`, plain or async), once the owner of its service is the one acting."""
    async def decide(problem: Problem) -> None:
        await _owned_service(uow, command, problem.service_id)
        if inspect.isawaitable(acted := act(problem)):
            await acted
    return await decide_on(uow, Problem, problem_id, decide)


async def open_problem(command: c.OpenProblem, uow: UnitOfWork) -> Problem:
    await _owned_service(uow, command, command.service_id)
    for incident_id in command.incident_ids:
        await _incident_of(uow, incident_id, command.service_id)
    problem = Problem.open(service_id=command.service_id, title=command.title, incident_ids=command.incident_ids,
                           at=command.at)
    uow.add(problem)
    await uow.commit()
    return problem


async def link_incident(command: c.LinkIncident, uow: UnitOfWork) -> Problem:
    async def link(problem: Problem) -> None:
        await _incident_of(uow, command.incident_id, problem.service_id)
        problem.link_incident(command.incident_id, at=command.at)
    return await _on_problem(uow, command, command.problem_id, link)


async def record_root_cause(command: c.RecordRootCause, uow: UnitOfWork) -> Problem:
    return await _on_problem(uow, command, command.problem_id, lambda problem: problem.record_root_cause(
        command.root_cause, at=command.at))


async def record_known_error(command: c.RecordKnownError, uow: UnitOfWork) -> Problem:
    return await _on_problem(uow, command, command.problem_id, lambda problem: problem.record_known_error(
        command.workaround, at=command.at))


async def resolve_problem(command: c.ResolveProblem, uow: UnitOfWork) -> Problem:
    """Resolving the problem may resolve its open incidents too, in the same transaction."""
    async def resolve(problem: Problem) -> None:
        problem.resolve(command.resolution, resolve_incidents=command.resolve_incidents, at=command.at)
        for incident_id in problem.incident_ids if command.resolve_incidents else ():
            incident = await uow.get(Incident, incident_id)
            if incident.is_open:
                downtime = minutes(command.at - incident.detected_at) if incident.outage else None
                incident.resolve("resolved-by-problem", downtime_minutes=downtime, at=command.at)
    return await _on_problem(uow, command, command.problem_id, resolve)


# Change


async def request_change(command: c.RequestChange, uow: UnitOfWork) -> Change:
    service = await _owned_service(uow, command, command.service_id)
    service.require_live()
    change = Change.request(service_id=service.id, kind=command.kind, title=command.title, risk=command.risk,
                            planned_start=command.planned_start, planned_end=command.planned_end, at=command.at)
    uow.add(change)
    await uow.commit()
    return change


async def _on_change(uow: UnitOfWork, command: c.ByTheServicesOwner, change_id: UUID, act: Any) -> Change:
    """The change decides, once the owner of its service is the one acting."""
    async def decide(change: Change) -> None:
        await _owned_service(uow, command, change.service_id)
        act(change)
    return await decide_on(uow, Change, change_id, decide)


async def approve_change(command: c.ApproveChange, uow: UnitOfWork) -> Change:
    return await _on_change(uow, command, command.change_id, lambda ch: ch.approve(command.approver, at=command.at))


async def reject_change(command: c.RejectChange, uow: UnitOfWork) -> Change:
    return await _on_change(uow, command, command.change_id, lambda ch: ch.reject(command.approver, command.reason,
                                                                         at=command.at))


async def implement_change(command: c.ImplementChange, uow: UnitOfWork) -> Change:
    return await _on_change(uow, command, command.change_id, lambda ch: ch.implement(command.outcome, at=command.at))


# ServiceRequest


async def submit_request(command: c.SubmitRequest, uow: UnitOfWork) -> ServiceRequest:
    service = await uow.get(Service, command.service_id)
    service.require_live()
    request = ServiceRequest.submit(service_id=service.id, title=command.title, requested_by=command.requested_by,
                                    at=command.at)
    uow.add(request)
    await uow.commit()
    return request


async def fulfil_request(command: c.FulfilRequest, uow: UnitOfWork) -> ServiceRequest:
    return await decide_on(uow, ServiceRequest, command.request_id, lambda request: request.fulfil(at=command.at))


async def cancel_request(command: c.CancelRequest, uow: UnitOfWork) -> ServiceRequest:
    return await decide_on(uow, ServiceRequest, command.request_id, lambda request: request.cancel(command.reason, at=command.at))


HANDLERS = {
    c.RegisterService: register_service, c.AssignOwner: assign_owner, c.ChangeStage: change_stage,
    c.RecordHandoverAcceptance: record_handover_acceptance, c.DefineSla: define_sla, c.WithdrawSla: withdraw_sla,
    c.RecordOperatingCost: record_operating_cost, c.PlanImprovement: plan_improvement,
    c.ImplementImprovement: implement_improvement,
    c.OpenIncident: open_incident, c.AcknowledgeIncident: acknowledge_incident, c.AssignIncident: assign_incident,
    c.HoldIncident: hold_incident, c.ResumeIncident: resume_incident, c.ResolveIncident: resolve_incident,
    c.CloseIncident: close_incident, c.ReopenIncident: reopen_incident, c.RateIncident: rate_incident,
    c.RecordSlaBreaches: record_sla_breaches,
    c.OpenProblem: open_problem, c.LinkIncident: link_incident, c.RecordRootCause: record_root_cause,
    c.RecordKnownError: record_known_error, c.ResolveProblem: resolve_problem,
    c.RequestChange: request_change, c.ApproveChange: approve_change, c.RejectChange: reject_change,
    c.ImplementChange: implement_change,
    c.SubmitRequest: submit_request, c.FulfilRequest: fulfil_request, c.CancelRequest: cancel_request,
    **CALENDAR_HANDLERS,
}
