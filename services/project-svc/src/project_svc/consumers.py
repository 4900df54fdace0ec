"""Inbound translators: the events of other contexts project-svc follows, turned into its commands.

- metrics: an opportunity detected proposes a project; dismissed or lapsed, it cancels that project if open.
- handover: an accepted handover unblocks the project's close.
- service: the catalog (registered, retired) that `target_service_ids` are checked against.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.consumer import Delivery, Subscription
from continuum.contracts.handover import HandoverAcceptedV1
from continuum.contracts.metrics import (
    ImprovementOpportunityDetectedV1, ImprovementOpportunityDismissedV1, ImprovementOpportunityLapsedV1,
)
from continuum.contracts.service import ServiceRegisteredV1, ServiceStageChangedV1
from continuum.service import Platform

from project_svc.domain import commands as c

CONSUMES = (ImprovementOpportunityDetectedV1, ImprovementOpportunityDismissedV1, ImprovementOpportunityLapsedV1,
            HandoverAcceptedV1, ServiceRegisteredV1, ServiceStageChangedV1)


def opportunity_command(opportunity: ImprovementOpportunityDetectedV1) -> c.ProposeFromOpportunity:
    """A proposal whose business case carries the opportunity's evidence."""
    figures = (f"{opportunity.kpi} observed {opportunity.observed} against a baseline of {opportunity.baseline} "
               f"over {opportunity.window_days} days (detection rule {opportunity.rule}).")
    evidence = json.dumps(opportunity.evidence, sort_keys=True, default=str)
    return c.ProposeFromOpportunity(
        opportunity_id=opportunity.opportunity_id,
        title=f"Improve: {opportunity.title}"[:200],
        problem_statement=f"{opportunity.title}. {figures}",
        business_case=f"{figures} Evidence: {evidence}",
        service_id=opportunity.service_id,
        at=opportunity.detected_at,
    )


def dismissal_command(dismissed: ImprovementOpportunityDismissedV1, at: datetime) -> c.CancelForOpportunity:
    by = f" by {dismissed.dismissed_by}" if dismissed.dismissed_by else ""
    return c.CancelForOpportunity(dismissed.opportunity_id,
                                  f"improvement opportunity dismissed{by}: {dismissed.reason}", at)


def lapse_command(lapsed: ImprovementOpportunityLapsedV1) -> c.CancelForOpportunity:
    return c.CancelForOpportunity(lapsed.opportunity_id, f"improvement opportunity lapsed: {lapsed.reason}",
                                  lapsed.lapsed_at)


def service_command(event: ServiceRegisteredV1 | ServiceStageChangedV1, at: datetime) -> c.LearnService | None:
    """A registration or a retirement; other stage changes say nothing new about whether the service exists."""
    if isinstance(event, ServiceRegisteredV1):
        return c.LearnService(event.service_id, event.name, retired=event.stage == "retired", at=at)
    if "retired" not in (event.from_stage, event.to_stage):
        return None
    return c.LearnService(event.service_id, None, retired=event.to_stage == "retired", at=at)


def subscriptions(platform: Platform) -> Mapping[str, Subscription]:
    """`{ce_type: Subscription}` for the consumer runtime; handlers run in the inbox's transaction."""
    bus = platform.bus

    async def opportunity_detected(delivery: Delivery, conn: AsyncConnection) -> None:
        await bus.handle(opportunity_command(delivery.payload), connection=conn)

    async def handover_accepted(delivery: Delivery, conn: AsyncConnection) -> None:
        accepted: HandoverAcceptedV1 = delivery.payload
        if accepted.project_id is None:
            return
        await bus.handle(c.RecordHandoverAcceptance(
            accepted.project_id, accepted.handover_id, accepted.service_id, accepted.accepted_by,
            accepted.accepted_at), connection=conn)

    async def opportunity_dismissed(delivery: Delivery, conn: AsyncConnection) -> None:
        await bus.handle(dismissal_command(delivery.payload, _time_of(delivery)), connection=conn)

    async def opportunity_lapsed(delivery: Delivery, conn: AsyncConnection) -> None:
        await bus.handle(lapse_command(delivery.payload), connection=conn)

    async def service_changed(delivery: Delivery, conn: AsyncConnection) -> None:
        command = service_command(delivery.payload, _time_of(delivery))
        if command is not None:
            await bus.handle(command, connection=conn)

    handlers = {
        ImprovementOpportunityDetectedV1: opportunity_detected,
        ImprovementOpportunityDismissedV1: opportunity_dismissed,
        ImprovementOpportunityLapsedV1: opportunity_lapsed,
        HandoverAcceptedV1: handover_accepted,
        ServiceRegisteredV1: service_changed,
        ServiceStageChangedV1: service_changed,
    }
    return {contract.ce_type(): Subscription(contract, handle) for contract, handle in handlers.items()}


def _time_of(delivery: Delivery) -> datetime:
    """When the event happened, as its CloudEvent says (its payload carries no time of its own)."""
    return delivery.event.time or datetime.now(UTC)
