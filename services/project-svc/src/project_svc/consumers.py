"""Inbound translators: the events of other contexts project-svc follows, turned into its commands."""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.consumer import Delivery, Subscription
from continuum.contracts.handover import HandoverAcceptedV1
from continuum.contracts.metrics import ImprovementOpportunityDetectedV1
from continuum.service import Platform

from project_svc.domain import commands as c

CONSUMES = (ImprovementOpportunityDetectedV1, HandoverAcceptedV1)


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

    return {
        ImprovementOpportunityDetectedV1.ce_type(): Subscription(ImprovementOpportunityDetectedV1, opportunity_detected),
        HandoverAcceptedV1.ce_type(): Subscription(HandoverAcceptedV1, handover_accepted),
    }
