"""Inbound: every consumed event becomes facts; then the loop reacts (detect, convert, abandon, schedule, measure).

All of it runs on the consumer's connection, in the transaction that records the events in the inbox; each
reaction in its own savepoint, so a reaction refused by a domain rule never costs the fact. The consumer hands
over a fetched batch at a time (one event when it goes one by one): the batch's facts are written together
(projection.batch), then the loop reacts once over them — detection once per service, at every moment one by
one would have evaluated, over the facts of the whole batch. That is the view one by one has at the batch's
last event, and the view it has anyway when a service's events arrive on several partitions: the rules judge
the facts known when they run, not the order of arrival.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.bus import MessageBus
from continuum.consumer import Delivery, Subscription
from continuum.contracts import handover as ho
from continuum.contracts import project as pr
from continuum.contracts import service as sv
from continuum.domain import DomainError
from continuum.eventstore.summaries import list_summaries

from metrics_svc.config import Config
from metrics_svc.domain.commands import (
    AbandonOpportunity,
    ConvertOpportunity,
    DetectOpportunity,
    MeasureBenefits,
    ScheduleBenefitsMeasurement,
)
from metrics_svc.domain.detection import detect, evaluation_times, lookback
from metrics_svc.domain.opportunity import ImprovementOpportunity
from metrics_svc.projection import reads
from metrics_svc.projection.batch import FactBatch
from metrics_svc.projection.projector import WRITERS
from metrics_svc.projection.tables import LIVE

log = logging.getLogger(__name__)

OPEN_READ_LIMIT = 10_000
DETECTION_TRIGGERS = (sv.IncidentOpenedV1, sv.IncidentResolvedV1, sv.IncidentResponseSlaBreachedV1,
                      sv.IncidentResolutionSlaBreachedV1, sv.IncidentCsatRatedV1, sv.SlaDefinedV1)


@dataclass(frozen=True)
class ImprovementLoop:
    """Projects each event into facts, then lets the improvement loop react to it."""

    bus: MessageBus
    config: Config

    async def handle(self, deliveries: Sequence[Delivery], conn: AsyncConnection) -> None:
        """The consumer's batch handler: facts of every delivery, then the loop's reactions to them."""
        facts = FactBatch(conn)
        for delivery in deliveries:
            with delivery.handling():
                await WRITERS[type(delivery.payload)](facts, LIVE, delivery.payload, delivery.event.id, _at(delivery))
        await facts.flush()
        triggered: dict[UUID, list[Delivery]] = {}
        for delivery in deliveries:
            payload, at = delivery.payload, _at(delivery)
            if isinstance(payload, (pr.ProjectProposedV1, pr.ProjectCancelledV1, ho.HandoverAcceptedV1)):
                with delivery.handling():
                    await self.react_to(payload, at, conn)
            if isinstance(payload, DETECTION_TRIGGERS) and self.config.detection.enabled:
                triggered.setdefault(payload.service_id, []).append(delivery)
        if triggered:
            await self.detect_for(triggered, conn)
        await self.measure_due([_at(delivery) for delivery in deliveries], conn)

    async def react_to(self, payload: object, at: datetime, conn: AsyncConnection) -> None:
        if isinstance(payload, pr.ProjectProposedV1):
            await self.convert(payload, at, conn)
        elif isinstance(payload, pr.ProjectCancelledV1):
            await self.abandon(payload, at, conn)
        elif isinstance(payload, ho.HandoverAcceptedV1):
            await self.schedule_measurement(payload, at, conn)

    async def detect_for(self, triggered: Mapping[UUID, Sequence[Delivery]], conn: AsyncConnection) -> None:
        """For each service, each rule that fires and has no open opportunity for the service yet becomes one; the
        rules run after each of the service's events, and at the latest moment known for it. The services of a
        batch are read together: four statements, however many services."""
        rules = self.config.detection.rules()
        latest = await reads.latest_incident_moments(conn, LIVE, list(triggered))
        moments = {service_id: sorted({moment for delivery in deliveries
                                       for moment in evaluation_times(latest.get(service_id), _at(delivery))})
                   for service_id, deliveries in triggered.items()}
        # only what the rules can see: reading a service's whole history made each event cost O(history)
        since = {service_id: times[0] - lookback(rules) for service_id, times in moments.items()}
        incidents = await reads.incidents_touching(conn, LIVE, since)
        slas = await reads.slas_of(conn, LIVE, list(triggered))
        opened: dict[UUID, set[str]] | None = None  # read once, when the first rule fires
        for service_id, times in moments.items():
            for moment in times:
                for detection in detect(incidents.get(service_id, []), slas.get(service_id), moment, rules):
                    if opened is None:
                        opened = await self._open_rules(conn)
                    if detection.rule in opened[service_id]:
                        continue
                    with triggered[service_id][-1].handling():
                        await self._react(DetectOpportunity(service_id, detection, moment), conn)
                    opened[service_id].add(detection.rule)  # detected now, or refused: one is open after all

    async def _open_rules(self, conn: AsyncConnection) -> dict[UUID, set[str]]:
        """The rules with an open opportunity, per service. Past OPEN_READ_LIMIT open ones some are missed here,
        and the detection handler's own check (under its lock) refuses the duplicate instead."""
        page = await list_summaries(conn, stream_type=ImprovementOpportunity.stream_type, contains={"open": True},
                                    limit=OPEN_READ_LIMIT)
        opened: dict[UUID, set[str]] = defaultdict(set)
        for item in page.items:
            opened[UUID(item["service_id"])].add(item["rule"])
        return opened

    async def convert(self, proposed: pr.ProjectProposedV1, at: datetime, conn: AsyncConnection) -> None:
        if proposed.origin != "improvement_opportunity" or proposed.opportunity_id is None:
            return
        if not await self._opportunities(conn, id=str(proposed.opportunity_id), state="open"):
            log.warning("project %s names opportunity %s, which is not open here", proposed.project_id,
                        proposed.opportunity_id)
            return
        await self._react(ConvertOpportunity(proposed.opportunity_id, proposed.project_id, at), conn)

    async def abandon(self, cancelled: pr.ProjectCancelledV1, at: datetime, conn: AsyncConnection) -> None:
        """A cancelled project abandons the opportunity it was converted from (so a new detection may follow)."""
        for item in await self._opportunities(conn, project_id=str(cancelled.project_id), state="converted"):
            command = AbandonOpportunity(UUID(item["id"]), cancelled.project_id, cancelled.reason, at)
            await self._react(command, conn)

    async def schedule_measurement(self, accepted: ho.HandoverAcceptedV1, at: datetime, conn: AsyncConnection) -> None:
        """The accepted handover of a project born from an opportunity starts the benefits measurement."""
        project = None if accepted.project_id is None else await reads.project(conn, LIVE, accepted.project_id)
        if project is None or project.opportunity_id is None:
            return
        if not await self._opportunities(conn, id=str(project.opportunity_id), state="converted"):
            return
        command = ScheduleBenefitsMeasurement(project.opportunity_id, accepted.handover_id, accepted.accepted_at,
                                              self.config.benefits.window_days, at)
        await self._react(command, conn)

    async def measure_due(self, times: Sequence[datetime], conn: AsyncConnection) -> None:
        """Measurements whose window has passed on business time are taken at the first of `times` (event times
        in delivery order, or the clock's now) at or past the window's end."""
        for item in await self._opportunities(conn, state="measuring"):
            until = datetime.fromisoformat(item["measure_until"])
            now = next((at for at in times if until <= at), None)
            if now is not None:
                command = MeasureBenefits(UUID(item["id"]), self.config.benefits.min_gap_closed_pct, now)
                await self._react(command, conn)

    async def _react(self, command: object, conn: AsyncConnection) -> None:
        """Run a loop reaction in a savepoint: a rule it breaks (a lost race, say) is logged and undone alone,
        so the fact the event brought is still recorded and the message is not dead-lettered for it."""
        try:
            async with conn.begin_nested():
                await self.bus.handle(command, connection=conn)
        except DomainError as refused:
            log.warning("the loop's %s was refused (%s): %s", type(command).__name__, refused.rule, refused.detail)

    async def _opportunities(self, conn: AsyncConnection, **contains: object) -> list[dict]:
        page = await list_summaries(conn, stream_type=ImprovementOpportunity.stream_type, contains=contains,
                                    limit=1000)
        return page.items


def _at(delivery: Delivery) -> datetime:
    return delivery.event.time or datetime.now(UTC)


def subscriptions() -> dict[str, Subscription]:
    """Every type the projector writes; ImprovementLoop.handle, the consumer's batch handler, takes them all."""
    return {contract.ce_type(): Subscription(contract) for contract in WRITERS}


CONSUMES = tuple(WRITERS)
