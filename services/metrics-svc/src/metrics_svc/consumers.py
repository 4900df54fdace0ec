"""Inbound: every consumed event becomes facts; then the loop reacts (convert, abandon, schedule) and judges the
business days that the event streams have completed (detect, lapse, measure benefits).

All of it runs on the consumer's connection, in the transaction that records the events in the inbox; each
reaction in its own savepoint, so a reaction refused by a domain rule never costs the fact. Judgement is by day
end, on business time: a day is judged once the service topic's watermark (projection.loop_state) has passed
it (for a service whose history arrives behind the topic, an import, once that has settled: loop_state.Progress);
for the services that had new incidents or have an opportunity under way, each service under a lock and
each day end once (loop_judged), so the verdicts are the same whatever the order in which the partitions
arrive and however many replicas share them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.bus import MessageBus
from continuum.consumer import Delivery, Subscription
from continuum.contracts import handover as ho
from continuum.contracts import project as pr
from continuum.contracts import service as sv
from continuum.eventstore.summaries import list_summaries

from metrics_svc.config import Config
from metrics_svc.domain.commands import AbandonOpportunity, ConvertOpportunity, ScheduleBenefitsMeasurement
from metrics_svc.domain.opportunity import ImprovementOpportunity
from metrics_svc.judgement import Judge, react
from metrics_svc.projection import loop_state, reads
from metrics_svc.projection.batch import FactBatch
from metrics_svc.projection.projector import WRITERS
from metrics_svc.projection.tables import LIVE

log = logging.getLogger(__name__)

SERVICE_TOPIC = sv.IncidentOpenedV1.topic()
INCIDENT_TRIGGERS = (sv.IncidentOpenedV1, sv.IncidentResolvedV1, sv.IncidentResponseSlaBreachedV1,
                     sv.IncidentResolutionSlaBreachedV1, sv.IncidentCsatRatedV1)
DETECTION_TRIGGERS = (*INCIDENT_TRIGGERS, sv.SlaDefinedV1)


@dataclass(frozen=True)
class ImprovementLoop:
    """Projects each event into facts, then lets the improvement loop react to it."""

    bus: MessageBus
    config: Config

    @property
    def judge(self) -> Judge:
        return Judge(bus=self.bus, config=self.config)

    async def handle(self, deliveries: Sequence[Delivery], conn: AsyncConnection) -> None:
        """The consumer's batch handler: facts of every delivery, then the loop's reactions to them."""
        facts = FactBatch(conn)
        for delivery in deliveries:
            with delivery.handling():
                await WRITERS[type(delivery.payload)](facts, LIVE, delivery.payload, delivery.event.id, _at(delivery))
        await facts.flush()
        touched: dict[UUID, datetime] = {}
        latest: dict[UUID, datetime] = {}
        for delivery in deliveries:
            payload, at = delivery.payload, _at(delivery)
            if isinstance(payload, (pr.CharterApprovedV1, pr.ProjectCancelledV1, ho.HandoverAcceptedV1)):
                with delivery.handling():
                    await self.react_to(payload, at, conn)
            if isinstance(payload, DETECTION_TRIGGERS):
                touched[payload.service_id] = min(at, touched.get(payload.service_id, at))
                latest[payload.service_id] = max(at, latest.get(payload.service_id, at))
        if not self.config.detection.enabled:
            return
        behind = await loop_state.note_deliveries(conn, SERVICE_TOPIC, deliveries,
                                                  grace=_hours(self.config.detection.grace_hours))
        await loop_state.note_arrivals(conn, self._arrivals(deliveries, behind), now=datetime.now(UTC))
        through = await self.business_time(conn)
        if through is not None:
            with deliveries[-1].handling():
                await self.judge.days(conn, touched=touched, through=through, latest=latest)

    def _arrivals(self, deliveries: Sequence[Delivery], behind: dict[str, timedelta]) -> dict[UUID, loop_state.Arrival]:
        """Per service, what the deliveries brought of its incidents: their newest business time, and what came far
        behind (a service registered today whose past incidents are imported after is behind on them)."""
        step = _hours(self.config.detection.in_step_hours)
        found: dict[UUID, loop_state.Arrival] = {}
        for delivery in deliveries:
            if isinstance(delivery.payload, INCIDENT_TRIGGERS) and delivery.event.id in behind:
                at, in_step = _at(delivery), behind[delivery.event.id] <= step
                arrival = found.setdefault(delivery.payload.service_id, loop_state.Arrival(at, in_step))
                arrival.see(at, in_step)
        return found

    async def business_time(self, conn: AsyncConnection) -> datetime | None:
        """How far business time is known complete on the service topic (see loop_state.watermark)."""
        settings = self.config.detection
        return await loop_state.watermark(conn, SERVICE_TOPIC, now=datetime.now(UTC),
                                          grace=_hours(settings.grace_hours),
                                          live_window=_hours(settings.live_window_hours))

    async def check(self, conn: AsyncConnection) -> None:
        """The periodic check: lapses and verdicts of the days business time has completed since the last batch."""
        through = await self.business_time(conn)
        if through is not None and self.config.detection.enabled:
            await self.judge.days(conn, touched={}, through=through)

    async def react_to(self, payload: object, at: datetime, conn: AsyncConnection) -> None:
        if isinstance(payload, pr.CharterApprovedV1):
            await self.convert(payload.project_id, at, conn)
        elif isinstance(payload, pr.ProjectCancelledV1):
            await self.abandon(payload, at, conn)
        elif isinstance(payload, ho.HandoverAcceptedV1):
            await self.schedule_measurement(payload, at, conn)

    async def convert(self, project_id: UUID, at: datetime, conn: AsyncConnection) -> None:
        """The charter of a project proposed for an opportunity was approved: the opportunity is converted."""
        opportunity_id = await self._opportunity_of(conn, project_id)
        if opportunity_id is None:
            return
        if not await self._opportunities(conn, id=str(opportunity_id), state="open"):
            log.warning("project %s names opportunity %s, which is not open here", project_id, opportunity_id)
            return
        await self._react(ConvertOpportunity(opportunity_id=opportunity_id, project_id=project_id, at=at), conn)
        accepted = await self._accepted_handover_of(conn, project_id)
        if accepted is not None:  # read before the charter (another topic: no order between them)
            handover_id, accepted_at = accepted
            command = ScheduleBenefitsMeasurement(opportunity_id=opportunity_id, handover_id=handover_id,
                                                  accepted_at=accepted_at, max_days=self.config.benefits.max_days,
                                                  at=at)
            await self._react(command, conn)

    async def abandon(self, cancelled: pr.ProjectCancelledV1, at: datetime, conn: AsyncConnection) -> None:
        """A cancelled project abandons the opportunity it was proposed for (so a new detection may follow); one
        cancelled because its opportunity was dismissed or lapsed finds it closed already."""
        opportunity_id = await self._opportunity_of(conn, cancelled.project_id)
        if opportunity_id is None:
            return
        for item in await self._opportunities(conn, id=str(opportunity_id)):
            if item["state"] in ("open", "converted"):
                command = AbandonOpportunity(opportunity_id=opportunity_id, project_id=cancelled.project_id,
                                             reason=cancelled.reason, at=at)
                await self._react(command, conn)

    async def schedule_measurement(self, accepted: ho.HandoverAcceptedV1, at: datetime, conn: AsyncConnection) -> None:
        """The accepted handover of a project born from an opportunity starts the benefits measurement."""
        opportunity_id = None if accepted.project_id is None else await self._opportunity_of(conn, accepted.project_id)
        if opportunity_id is None:
            return
        if not await self._opportunities(conn, id=str(opportunity_id), state="converted"):
            return
        command = ScheduleBenefitsMeasurement(opportunity_id=opportunity_id, handover_id=accepted.handover_id,
                                              accepted_at=accepted.accepted_at,
                                              max_days=self.config.benefits.max_days, at=at)
        await self._react(command, conn)

    async def _accepted_handover_of(self, conn: AsyncConnection, project_id: UUID) -> tuple[UUID, datetime] | None:
        """The project's first accepted handover that metrics has read, if any: (its id, when it was accepted)."""
        h = LIVE.handovers.c
        query = (sa.select(h.handover_id, h.accepted_at).where(h.project_id == project_id, h.accepted_at.is_not(None))
                 .order_by(h.accepted_at).limit(1))
        row = (await conn.execute(query)).first()
        return None if row is None else (row.handover_id, reads.aware(row.accepted_at))

    async def _opportunity_of(self, conn: AsyncConnection, project_id: UUID) -> UUID | None:
        project = await reads.project(conn, LIVE, project_id)
        return None if project is None else project.opportunity_id

    async def _react(self, command: object, conn: AsyncConnection) -> None:
        await react(self.bus, command, conn)

    async def _opportunities(self, conn: AsyncConnection, **contains: object) -> list[dict]:
        page = await list_summaries(conn, stream_type=ImprovementOpportunity.stream_type, contains=contains,
                                    limit=1000)
        return page.items


def _hours(hours: float) -> timedelta:
    return timedelta(hours=hours)


def _at(delivery: Delivery) -> datetime:
    return delivery.event.time or datetime.now(UTC)


def subscriptions() -> dict[str, Subscription]:
    """Every type the projector writes; ImprovementLoop.handle, the consumer's batch handler, takes them all."""
    return {contract.ce_type(): Subscription(contract) for contract in WRITERS}


CONSUMES = tuple(WRITERS)
