"""One small async handler per command, registered in HANDLERS."""

from __future__ import annotations

from uuid import UUID

from continuum.eventstore.summaries import list_summaries
from continuum.eventstore.locks import lock_until_commit
from continuum.eventstore.uow import UnitOfWork

from metrics_svc.domain.commands import (
    AbandonOpportunity,
    ConvertOpportunity,
    DetectOpportunity,
    DismissOpportunity,
    MeasureBenefits,
    ScheduleBenefitsMeasurement,
)
from metrics_svc.domain.detection import benefits_realized, measure
from metrics_svc.domain.opportunity import ImprovementOpportunity
from metrics_svc.domain.windows import Window
from metrics_svc.projection.reads import incidents_of
from metrics_svc.projection.tables import LIVE


async def open_opportunities(uow: UnitOfWork, *, service_id: UUID, rule: str) -> int:
    contains = {"service_id": str(service_id), "rule": rule, "open": True}
    page = await list_summaries(uow.connection, stream_type=ImprovementOpportunity.stream_type, contains=contains)
    return len(page.items)


async def detect_opportunity(command: DetectOpportunity, uow: UnitOfWork) -> ImprovementOpportunity:
    await lock_until_commit(uow.connection, key=f"opportunity:{command.service_id}:{command.detection.rule}")
    already = await open_opportunities(uow, service_id=command.service_id, rule=command.detection.rule)
    opportunity = ImprovementOpportunity.detect(service_id=command.service_id, detection=command.detection,
                                                open_for_rule=already, at=command.at)
    uow.add(opportunity)
    await uow.commit()
    return opportunity


async def dismiss_opportunity(command: DismissOpportunity, uow: UnitOfWork) -> ImprovementOpportunity:
    opportunity = await uow.get(ImprovementOpportunity, command.opportunity_id)
    opportunity.dismiss(command.reason, at=command.at)
    await uow.commit()
    return opportunity


async def convert_opportunity(command: ConvertOpportunity, uow: UnitOfWork) -> ImprovementOpportunity:
    opportunity = await uow.get(ImprovementOpportunity, command.opportunity_id)
    opportunity.convert(command.project_id, at=command.at)
    await uow.commit()
    return opportunity


async def abandon_opportunity(command: AbandonOpportunity, uow: UnitOfWork) -> ImprovementOpportunity:
    opportunity = await uow.get(ImprovementOpportunity, command.opportunity_id)
    opportunity.abandon(command.project_id, command.reason, at=command.at)
    await uow.commit()
    return opportunity


async def schedule_measurement(command: ScheduleBenefitsMeasurement, uow: UnitOfWork) -> ImprovementOpportunity:
    opportunity = await uow.get(ImprovementOpportunity, command.opportunity_id)
    opportunity.schedule_measurement(handover_id=command.handover_id, accepted_at=command.accepted_at,
                                     window_days=command.window_days, at=command.at)
    await uow.commit()
    return opportunity


async def measure_benefits(command: MeasureBenefits, uow: UnitOfWork) -> ImprovementOpportunity:
    """The detected KPI over the measurement window, against the figures at detection."""
    opportunity = await uow.get(ImprovementOpportunity, command.opportunity_id)
    detected = opportunity.detected
    assert detected is not None and opportunity.measure_from and opportunity.measure_until
    incidents = await incidents_of(uow.connection, LIVE, detected.service_id)
    window = Window(opportunity.measure_from, opportunity.measure_until)
    measured = measure(detected.rule, window=window, window_days=detected.window_days, evidence=detected.evidence,
                       incidents=incidents)
    realized = benefits_realized(detected.rule, baseline=detected.baseline, observed=detected.observed,
                                 measured=measured, min_gap_closed_pct=command.min_gap_closed_pct)
    opportunity.record_benefits(measured=measured if measured is not None else detected.observed, realized=realized,
                                at=command.at)
    await uow.commit()
    return opportunity


HANDLERS = {
    DetectOpportunity: detect_opportunity,
    DismissOpportunity: dismiss_opportunity,
    ConvertOpportunity: convert_opportunity,
    AbandonOpportunity: abandon_opportunity,
    ScheduleBenefitsMeasurement: schedule_measurement,
    MeasureBenefits: measure_benefits,
}
