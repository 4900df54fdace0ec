"""One small async handler per command, registered in HANDLERS; the unit of work owns the transaction."""

from __future__ import annotations

from uuid import UUID, uuid4, uuid5

from continuum.domain import DomainError, NotFound
from continuum.eventstore.locks import lock_until_commit
from continuum.eventstore.uow import UnitOfWork

from handover_svc import read_models
from handover_svc.domain import commands as c
from handover_svc.domain.criteria import SERVICE_OWNER_NAMED, SLA_DEFINED
from handover_svc.domain.handover import Handover


def automatic_handover_id(project_id: UUID, service_id: UUID) -> UUID:
    """The same project and service always give the same id: a redelivered event finds its handover."""
    return uuid5(project_id, str(service_id))


async def open_handover(command: c.OpenHandover, uow: UnitOfWork) -> Handover:
    await lock_until_commit(uow.connection, key=f"handover:{command.project_id}:{command.service_id}")
    if await _awaiting_acceptance(uow, command.project_id, command.service_id):
        raise DomainError("one-open-handover-per-project-and-service",
                          f"service {command.service_id} already has a handover awaiting acceptance for this project")
    handover = await _opened(uow, uuid4(), command.service_id, command.project_id, command.at)
    await uow.commit()
    return handover


async def open_handovers_for_closing_project(command: c.OpenHandoversForClosingProject, uow: UnitOfWork) -> list[Handover]:
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
    handover = await uow.get(Handover, command.handover_id)
    handover.add_criterion(key=command.key, title=command.title, mandatory=command.mandatory, at=command.at)
    await uow.commit()
    return handover


async def meet_criterion(command: c.MeetCriterion, uow: UnitOfWork) -> Handover:
    handover = await uow.get(Handover, command.handover_id)
    handover.meet(key=command.key, evidence=command.evidence, by=command.by, at=command.at,
                  early_life_support_days=command.early_life_support_days,
                  max_incidents_per_week=command.max_incidents_per_week)
    await uow.commit()
    return handover


async def waive_criterion(command: c.WaiveCriterion, uow: UnitOfWork) -> Handover:
    handover = await uow.get(Handover, command.handover_id)
    handover.waive(key=command.key, justification=command.justification, by=command.by, at=command.at)
    await uow.commit()
    return handover


async def reset_criterion(command: c.ResetCriterion, uow: UnitOfWork) -> Handover:
    handover = await uow.get(Handover, command.handover_id)
    handover.reset(key=command.key, reason=command.reason, by=command.by, at=command.at)
    await uow.commit()
    return handover


async def accept_handover(command: c.AcceptHandover, uow: UnitOfWork) -> Handover:
    handover = await uow.get(Handover, command.handover_id)
    handover.accept(by=command.by, at=command.at)
    await uow.commit()
    return handover


async def reject_handover(command: c.RejectHandover, uow: UnitOfWork) -> Handover:
    handover = await uow.get(Handover, command.handover_id)
    handover.reject(reasons=list(command.reasons), by=command.by, at=command.at)
    await uow.commit()
    return handover


async def resubmit_handover(command: c.ResubmitHandover, uow: UnitOfWork) -> Handover:
    handover = await uow.get(Handover, command.handover_id)
    handover.resubmit(by=command.by, note=command.note, at=command.at)
    await uow.commit()
    return handover


async def extend_early_life_support(command: c.ExtendEarlyLifeSupport, uow: UnitOfWork) -> Handover:
    handover = await uow.get(Handover, command.handover_id)
    handover.extend_early_life_support(days=command.days, reason=command.reason, by=command.by, at=command.at)
    await uow.commit()
    return handover


async def complete_early_life_support(command: c.CompleteEarlyLifeSupport, uow: UnitOfWork) -> Handover:
    handover = await uow.get(Handover, command.handover_id)
    handover.complete(at=command.at)
    await uow.commit()
    return handover


async def record_service_fact(command: c.RecordServiceFact, uow: UnitOfWork) -> None:
    await read_models.save_service_fact(uow.connection, service_id=command.service_id,
                                        sla_defined=command.sla_defined, owner=command.owner,
                                        evidence=command.evidence)
    contains = {"service_id": str(command.service_id), "awaiting_acceptance": True}
    for handover_id in await read_models.handover_ids(uow.connection, contains):
        handover = await uow.get(Handover, handover_id)
        _apply_fact(handover, command)
    await uow.commit()


async def record_service_incident(command: c.RecordServiceIncident, uow: UnitOfWork) -> None:
    contains = {"service_id": str(command.service_id), "state": "accepted"}
    for handover_id in await read_models.handover_ids(uow.connection, contains):
        handover = await uow.get(Handover, handover_id)
        _apply_incident(handover, command)
    await uow.commit()


def _apply_fact(handover: Handover, command: c.RecordServiceFact) -> None:
    if command.sla_defined is True:
        handover.meet_automatically(key=SLA_DEFINED, evidence=command.evidence, at=command.at)
    elif command.sla_defined is False:
        handover.reset_automatically(key=SLA_DEFINED, reason=command.evidence, at=command.at)
    if command.owner:
        handover.meet_automatically(key=SERVICE_OWNER_NAMED, evidence=f"service owner: {command.owner}", at=command.at)


def _apply_incident(handover: Handover, command: c.RecordServiceIncident) -> None:
    if command.kind == "opened":
        handover.record_incident_opened(incident_id=command.incident_id, priority=command.priority or "P4",
                                        opened_at=command.at)
    elif command.kind == "resolved":
        handover.record_incident_resolved(incident_id=command.incident_id, resolved_at=command.at)
    else:
        kind = command.kind.removesuffix("-breach")
        handover.record_sla_breach(incident_id=command.incident_id, kind=kind, breached_at=command.at)


async def _opened(uow: UnitOfWork, handover_id: UUID, service_id: UUID, project_id: UUID | None, at) -> Handover:
    """A new handover, with what service events already said about its service applied."""
    handover = Handover.open(handover_id=handover_id, service_id=service_id, project_id=project_id, at=at)
    facts = await read_models.facts_of(uow.connection, service_id)
    if facts.sla_defined:
        handover.meet_automatically(key=SLA_DEFINED, evidence=facts.sla_evidence or "SLA defined", at=at)
    if facts.owner:
        handover.meet_automatically(key=SERVICE_OWNER_NAMED, evidence=f"service owner: {facts.owner}", at=at)
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
    return bool(await read_models.handover_ids(uow.connection, contains))


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
    c.RecordServiceFact: record_service_fact,
    c.RecordServiceIncident: record_service_incident,
}
