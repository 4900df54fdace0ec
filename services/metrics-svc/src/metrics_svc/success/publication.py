"""The publication of the outcomes: ProjectOutcomeEvaluated recorded once per closed project whose scorecard
is complete, by the periodic check and after the consumer's batches that name projects or handovers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import UTC, datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.bus import MessageBus
from continuum.contracts import handover as ho
from continuum.contracts import project as pr
from continuum.domain import DomainError, NotFound
from continuum.eventstore.locks import lock_until_commit
from continuum.eventstore.schema import events

from metrics_svc.domain.benefits import BenefitsSettings
from metrics_svc.domain.outcome import EvaluateProjectOutcome, ProjectOutcome
from metrics_svc.judgement import react
from metrics_svc.projection.reads import any_of
from metrics_svc.projection.tables import LIVE
from metrics_svc.success.cards import scorecards

CANDIDATES_PER_ROUND = 200


async def unevaluated_projects(conn: AsyncConnection, *, among: Collection[UUID] | None = None,
                               after: UUID | None = None, limit: int = CANDIDATES_PER_ROUND) -> list[UUID]:
    """Closed projects (ProjectSuccessEvaluated) whose outcome is not recorded yet, in id order after `after`
    (`among`: only those)."""
    o = LIVE.project_outcomes.c
    recorded = sa.select(events.c.stream_id).where(events.c.stream_id == o.project_id,
                                                   events.c.stream_type == ProjectOutcome.stream_type)
    query = sa.select(o.project_id).where(o.success_at.is_not(None), ~sa.exists(recorded))
    if among is not None:
        query = query.where(any_of(o.project_id, list(among)))
    if after is not None:
        query = query.where(o.project_id > after)
    return list((await conn.execute(query.order_by(o.project_id).limit(limit))).scalars())


async def publish_outcomes(conn: AsyncConnection, bus: MessageBus, *, as_of: datetime,
                           benefits: BenefitsSettings | None = None, among: Collection[UUID] | None = None
                           ) -> list[UUID]:
    """Record ProjectOutcomeEvaluated for every closed project (of `among`, if given) whose scorecard is complete
    as of `as_of` (the service topic's business time), on `conn` in its transaction, a page of candidates at a time
    (so projects still waiting — a TCO horizon runs a year — never starve the others). Once per project: a project
    with an outcome stream is no candidate, and evaluate_outcome refuses a second one under the project's lock."""
    published: list[UUID] = []
    after: UUID | None = None
    while candidates := await unevaluated_projects(conn, among=among, after=after):
        cards = await scorecards(conn, candidates, as_of=as_of, benefits=benefits)
        for card in (card for _, card in cards.values() if card.complete):
            if await react(bus, EvaluateProjectOutcome(card, at=as_of), conn) is not None:
                published.append(card.project_id)
        if len(candidates) < CANDIDATES_PER_ROUND:
            break
        after = candidates[-1]
    return published


async def evaluate_outcome(command: EvaluateProjectOutcome, uow) -> ProjectOutcome:
    """Once per project: under the project's lock, a second replica finds the first one's outcome and is refused."""
    project_id = command.scorecard.project_id
    await lock_until_commit(uow.connection, key=f"outcome:{project_id}")
    try:
        await uow.get(ProjectOutcome, project_id)
    except NotFound:
        pass
    else:
        raise DomainError("outcome-evaluated-once", f"project {project_id}'s outcome is already recorded")
    outcome = ProjectOutcome.evaluate(command.scorecard, at=command.at)
    uow.add(outcome)
    await uow.commit()
    return outcome


HANDLERS = {EvaluateProjectOutcome: evaluate_outcome}

BusinessTime = Callable[[AsyncConnection], Awaitable[datetime | None]]

OUTCOME_TRIGGERS = (pr.ProjectEvent, ho.HandoverEvent)


def with_outcomes(handle: Callable, bus: MessageBus, business_time: BusinessTime,
                  benefits: BenefitsSettings | None = None) -> Callable:
    """The consumer's batch handler followed by the publication of the outcomes of the projects its project and
    handover events name (the periodic check publishes every other one that time or a verdict completes)."""
    async def handle_then_publish(deliveries: Sequence, conn: AsyncConnection) -> None:
        await handle(deliveries, conn)
        touched = {d.payload.project_id for d in deliveries
                   if isinstance(d.payload, OUTCOME_TRIGGERS) and d.payload.project_id is not None}
        if touched:
            await publish_outcomes(conn, bus, as_of=await outcome_time(conn, business_time), benefits=benefits,
                                   among=touched)

    return handle_then_publish


async def outcome_time(conn: AsyncConnection, business_time: BusinessTime) -> datetime:
    """The service topic's business time (the loop's watermark), the clock when nothing of it is known yet."""
    return await business_time(conn) or datetime.now(UTC)
