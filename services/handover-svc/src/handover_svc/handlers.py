"""One small async handler per command, registered in HANDLERS; the unit of work owns the transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID, uuid4, uuid5

from continuum.domain import DomainError, NotFound
from continuum.eventstore.locks import lock_until_commit
from continuum.eventstore.uow import UnitOfWork
from continuum.handling import decide_on
from continuum.http.problems import ProblemError

from handover_svc import read_model
from handover_svc.domain import commands as c
from handover_svc.domain import rules
from handover_svc.domain.handover import Handover
from handover_svc.domain.service_facts import apply_service_fact, apply_service_incident
from handover_svc.read_model import ServiceFacts

Handler = Callable[[Any, UnitOfWork], Awaitable[Any]]


def automatic_handover_id(project_id: UUID, service_id: UUID) -> UUID:
    """The same project and service always give the same id: a redelivered event finds its handover."""
    return uuid5(project_id, str(service_id))


def unknown_reference(field: str, kind: str, reference: UUID) -> ProblemError:
    """422 naming the field: handover-svc has not heard of this service or project (yet)."""
    detail = (f"{field} names a {kind} handover-svc does not know: {reference}. handover-svc learns {kind}s from "
              f"{kind}-svc's events: a {kind} created a moment ago may take a moment to be known, so retry shortly.")
    errors = [{"field": f"body.{field}", "message": f"{kind} {reference} is not known", "type": "unknown_reference"}]
    return ProblemError(422, "unknown-reference", "Unknown reference", detail, rule=f"{kind}-known", errors=errors)


async def _require_known(uow: UnitOfWork, service_id: UUID, project_id: UUID | None) -> None:
    if not (await read_model.facts_of(uow.connection, service_id)).known:
        raise unknown_reference("service_id", "service", service_id)
    if project_id is not None and not await read_model.project_known(uow.connection, project_id):
        raise unknown_reference("project_id", "project", project_id)


async def open_handover(command: c.OpenHandover, uow: UnitOfWork) -> Handover:
    await _require_known(uow, command.service_id, command.project_id)
    await lock_until_commit(uow.connection, key=f"handover:{command.project_id}:{command.service_id}")
    if await _awaiting_acceptance(uow, command.project_id, command.service_id):
        raise DomainError("one-open-handover-per-project-and-service",
                          f"service {command.service_id} already has a handover awaiting acceptance for this project")
    handover = await _opened(uow, uuid4(), command.service_id, command.project_id, command.at)
    await uow.commit()
    return handover


async def open_handovers_for_closing_project(command: c.OpenHandoversForClosingProject, uow: UnitOfWork) -> list[Handover]:
    await read_model.save_known_project(uow.connection, command.project_id)
    opened = []
    for service_id in dict.fromkeys(command.service_ids):
        handover_id = automatic_handover_id(command.project_id, service_id)
        await lock_until_commit(uow.connection, key=f"handover:{command.project_id}:{service_id}")
        if await _exists(uow, handover_id) or await _awaiting_acceptance(uow, command.project_id, service_id):
            continue
        opened.append(await _opened(uow, handover_id, service_id, command.project_id, command.at))
    await uow.commit()
    return opened


async def add_criterion(command: c.AddCriterion, uow: UnitOfWork) -> Handover:
    return await decide_on(uow, Handover, command.handover_id, lambda handover: handover.add_criterion(
        key=command.key, title=command.title, mandatory=command.mandatory, at=command.at))


def by_the_services_owner(act: Callable[[Handover, Any, ServiceFacts], Any]) -> Handler:
    """Run `act` on the command's handover once whoever acts in person is the owner of its service, as
    service-svc's events last said (the one place handover-svc checks ownership)."""

    async def handle(command: c.ByTheServicesOwner, uow: UnitOfWork) -> Handover:
        async def decide(handover: Handover) -> None:
            service = await read_model.facts_of(uow.connection, handover.service_id)
            rules.require_services_owner(service.owner, command.acting_owner, service_id=handover.service_id)
            act(handover, command, service)

        return await decide_on(uow, Handover, command.handover_id, decide)

    return handle


meet_criterion = by_the_services_owner(lambda handover, cmd, _: handover.meet(
    key=cmd.key, evidence=cmd.evidence, by=cmd.by, at=cmd.at, early_life_support_days=cmd.early_life_support_days,
    max_incidents_per_week=cmd.max_incidents_per_week))
waive_criterion = by_the_services_owner(lambda handover, cmd, _: handover.waive(
    key=cmd.key, justification=cmd.justification, by=cmd.by, at=cmd.at))
reset_criterion = by_the_services_owner(lambda handover, cmd, _: handover.reset(
    key=cmd.key, reason=cmd.reason, by=cmd.by, at=cmd.at))
accept_handover = by_the_services_owner(lambda handover, cmd, service: handover.accept(
    by=cmd.by, service_stage=service.stage, at=cmd.at))
reject_handover = by_the_services_owner(lambda handover, cmd, _: handover.reject(
    reasons=list(cmd.reasons), by=cmd.by, at=cmd.at))
extend_early_life_support = by_the_services_owner(lambda handover, cmd, _: handover.extend_early_life_support(
    days=cmd.days, reason=cmd.reason, by=cmd.by, at=cmd.at))
complete_early_life_support = by_the_services_owner(lambda handover, cmd, _: handover.complete(at=cmd.at))
end_early_life_support_early = by_the_services_owner(lambda handover, cmd, _: handover.end_early(
    justification=cmd.justification, by=cmd.by, at=cmd.at))


async def resubmit_handover(command: c.ResubmitHandover, uow: UnitOfWork) -> Handover:
    return await decide_on(uow, Handover, command.handover_id, lambda handover: handover.resubmit(
        by=command.by, note=command.note, at=command.at))


async def record_service_fact(command: c.RecordServiceFact, uow: UnitOfWork) -> None:
    await read_model.save_service_fact(uow.connection, service_id=command.service_id,
                                        sla_defined=command.sla_defined, owner=command.owner,
                                        evidence=command.evidence, stage=command.stage)
    if command.sla_defined is None and not command.owner:
        await uow.commit()  # only that the service exists, or its stage: nothing for its handovers' criteria
        return
    contains = {"service_id": str(command.service_id), "awaiting_acceptance": True}
    for handover_id in await read_model.handover_ids(uow.connection, contains):
        handover = await uow.get(Handover, handover_id)
        apply_service_fact(handover, sla_defined=command.sla_defined, owner=command.owner,
                           evidence=command.evidence, at=command.at)
    await uow.commit()


async def record_project(command: c.RecordProject, uow: UnitOfWork) -> None:
    await read_model.save_known_project(uow.connection, command.project_id)
    await uow.commit()


async def record_service_incident(command: c.RecordServiceIncident, uow: UnitOfWork) -> None:
    contains = {"service_id": str(command.service_id), "state": "accepted"}
    for handover_id in await read_model.handover_ids(uow.connection, contains):
        handover = await uow.get(Handover, handover_id)
        apply_service_incident(handover, kind=command.kind, incident_id=command.incident_id,
                               priority=command.priority, at=command.at)
    await uow.commit()


async def _opened(uow: UnitOfWork, handover_id: UUID, service_id: UUID, project_id: UUID | None, at) -> Handover:
    """A new handover, with what service events already said about its service applied."""
    handover = Handover.open(handover_id=handover_id, service_id=service_id, project_id=project_id, at=at)
    facts = await read_model.facts_of(uow.connection, service_id)
    apply_service_fact(handover, sla_defined=True if facts.sla_defined else None, owner=facts.owner,
                       evidence=facts.sla_evidence or "SLA defined", at=at)
    uow.add(handover)
    return handover


async def _exists(uow: UnitOfWork, handover_id: UUID) -> bool:
    try:
        await uow.get(Handover, handover_id)
    except NotFound:
        return False
    return True


async def _awaiting_acceptance(uow: UnitOfWork, project_id: UUID | None, service_id: UUID) -> bool:
    contains = {"project_id": str(project_id) if project_id else None, "service_id": str(service_id),
                "awaiting_acceptance": True}
    return bool(await read_model.handover_ids(uow.connection, contains))


HANDLERS = {
    c.OpenHandover: open_handover,
    c.OpenHandoversForClosingProject: open_handovers_for_closing_project,
    c.AddCriterion: add_criterion,
    c.MeetCriterion: meet_criterion,
    c.WaiveCriterion: waive_criterion,
    c.ResetCriterion: reset_criterion,
    c.AcceptHandover: accept_handover,
    c.RejectHandover: reject_handover,
    c.ResubmitHandover: resubmit_handover,
    c.ExtendEarlyLifeSupport: extend_early_life_support,
    c.CompleteEarlyLifeSupport: complete_early_life_support,
    c.EndEarlyLifeSupportEarly: end_early_life_support_early,
    c.RecordServiceFact: record_service_fact,
    c.RecordServiceIncident: record_service_incident,
    c.RecordProject: record_project,
}
