"""One small async handler per command, registered in HANDLERS."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from continuum.eventstore.locks import lock_until_commit
from continuum.eventstore.summaries import list_summaries
from continuum.eventstore.uow import UnitOfWork
from continuum.handling import decide_on

from metrics_svc.domain.commands import (
    AbandonOpportunity,
    ConvertOpportunity,
    DetectOpportunity,
    DismissOpportunity,
    LapseOpportunity,
    RecordBenefits,
    ScheduleBenefitsMeasurement,
)
from metrics_svc.domain.opportunity import ImprovementOpportunity
from metrics_svc.projection.loop_reads import service_owner
from metrics_svc.projection.tables import LIVE


async def _same_kind(uow: UnitOfWork, *, service_id: UUID, rule: str, category: str | None) -> list[dict]:
    contains = {"service_id": str(service_id), "rule": rule}
    page = await list_summaries(uow.connection, stream_type=ImprovementOpportunity.stream_type, contains=contains,
                                limit=1000)
    return [item for item in page.items if item.get("category") == category]


def _cooling_until(items: list[dict], cooldown_days: int) -> datetime | None:
    ends = [datetime.fromisoformat(item["closed_at"]) for item in items
            if item["state"] in ("lapsed", "dismissed") and item.get("closed_at")]
    return max(ends) + timedelta(days=cooldown_days) if ends else None


async def detect_opportunity(command: DetectOpportunity, uow: UnitOfWork) -> ImprovementOpportunity:
    detection = command.detection
    await lock_until_commit(uow.connection,
                            key=f"opportunity:{command.service_id}:{detection.rule}:{detection.category}")
    same = await _same_kind(uow, service_id=command.service_id, rule=detection.rule, category=detection.category)
    opportunity = ImprovementOpportunity.detect(
        service_id=command.service_id, detection=detection, open_for_rule=sum(1 for item in same if item["open"]),
        cooling_until=_cooling_until(same, command.cooldown_days), at=command.at)
    uow.add(opportunity)
    await uow.commit()
    return opportunity


async def dismiss_opportunity(command: DismissOpportunity, uow: UnitOfWork) -> ImprovementOpportunity:
    async def decide(opportunity: ImprovementOpportunity) -> None:
        owner = await service_owner(uow.connection, LIVE, opportunity.service_id)
        opportunity.dismiss(command.reason, by=command.by, owner=owner, authority=command.authority, at=command.at)

    return await decide_on(uow, ImprovementOpportunity, command.opportunity_id, decide)


async def lapse_opportunity(command: LapseOpportunity, uow: UnitOfWork) -> ImprovementOpportunity:
    return await decide_on(uow, ImprovementOpportunity, command.opportunity_id, lambda opportunity: (
        opportunity.lapse(command.reason, at=command.at)))


async def convert_opportunity(command: ConvertOpportunity, uow: UnitOfWork) -> ImprovementOpportunity:
    return await decide_on(uow, ImprovementOpportunity, command.opportunity_id, lambda opportunity: (
        opportunity.convert(command.project_id, at=command.at)))


async def abandon_opportunity(command: AbandonOpportunity, uow: UnitOfWork) -> ImprovementOpportunity:
    return await decide_on(uow, ImprovementOpportunity, command.opportunity_id, lambda opportunity: (
        opportunity.abandon(command.project_id, command.reason, at=command.at)))


async def schedule_measurement(command: ScheduleBenefitsMeasurement, uow: UnitOfWork) -> ImprovementOpportunity:
    return await decide_on(uow, ImprovementOpportunity, command.opportunity_id, lambda opportunity: (
        opportunity.schedule_measurement(handover_id=command.handover_id, accepted_at=command.accepted_at,
                                         max_days=command.max_days, at=command.at)))


async def record_benefits(command: RecordBenefits, uow: UnitOfWork) -> ImprovementOpportunity:
    verdict = command.verdict
    return await decide_on(uow, ImprovementOpportunity, command.opportunity_id, lambda opportunity: (
        opportunity.record_benefits(outcome=verdict.outcome, measured=verdict.measured, effect=verdict.effect,
                                    at=command.at)))


HANDLERS = {
    DetectOpportunity: detect_opportunity,
    DismissOpportunity: dismiss_opportunity,
    LapseOpportunity: lapse_opportunity,
    ConvertOpportunity: convert_opportunity,
    AbandonOpportunity: abandon_opportunity,
    ScheduleBenefitsMeasurement: schedule_measurement,
    RecordBenefits: record_benefits,
}
