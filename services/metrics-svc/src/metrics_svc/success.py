"""The success scorecard read from the facts (domain.success decides it), and its publication: ProjectOutcomeEvaluated
once a project's last dimension is known. Any number of projects is read in a constant number of statements."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.bus import MessageBus
from continuum.contracts import catalog as contract_catalog
from continuum.contracts import handover as ho
from continuum.contracts import project as pr
from continuum.domain import DomainError, NotAllowed, NotFound
from continuum.eventstore.locks import lock_until_commit
from continuum.eventstore.schema import events, summaries

from metrics_svc.domain.benefits import BenefitsSettings
from metrics_svc.domain.detection import DAY, day_end
from metrics_svc.domain.facts import CostFact, HandoverFact, ProjectFact
from metrics_svc.domain.outcome import EvaluateProjectOutcome, ProjectOutcome
from metrics_svc.domain.scorecard import (
    HORIZON_DAYS,
    ChangeRequestFact,
    DeliveredService,
    OpportunityVerdict,
    ProjectRecord,
    Scorecard,
    TripleConstraint,
    WindowFigures,
    cut,
    periods,
)
from metrics_svc.domain.success import scorecard
from metrics_svc.domain.windows import COMPUTE_ERRORS, Window
from metrics_svc.judgement import react
from metrics_svc.projection import reads, rollup_reads
from metrics_svc.projection.reads import any_of, aware
from metrics_svc.projection.tables import LIVE, FactTables

log = logging.getLogger(__name__)
VERDICT_EVENTS = ("BenefitsRealized", "BenefitsNotRealized", "BenefitsInconclusive")
CANDIDATES_PER_ROUND = 200


@dataclass(frozen=True)
class Reader:
    """Who reads a scorecard: its project's sponsor or project manager, or admin."""

    subject: str
    admin: bool

    def may_read(self, record: ProjectRecord) -> bool:
        return self.admin or self.subject in (record.sponsor, record.project_manager)


async def scorecards(conn: AsyncConnection, ids: Collection[UUID], *, as_of: datetime,
                     horizon_days: int = HORIZON_DAYS, benefits: BenefitsSettings | None = None,
                     t: FactTables = LIVE) -> dict[UUID, tuple[ProjectRecord, Scorecard]]:
    """Each known project's scorecard as of `as_of` (one whose facts cannot be computed is left out and logged)."""
    benefits = benefits or BenefitsSettings()
    projects = await reads.projects(conn, t, ids)
    if not projects:
        return {}
    records = await _records(conn, t, projects, as_of)
    delivered = await _delivered(conn, t, records, as_of, horizon_days, benefits)
    verdicts = await _verdicts(conn, [r.opportunity_id for r in records.values() if r.opportunity_id])
    found = {}
    for project_id, record in records.items():
        try:
            found[project_id] = (record, scorecard(record, delivered.get(project_id, []),
                                                   verdicts.get(record.opportunity_id), as_of=as_of,
                                                   horizon_days=horizon_days, benefits=benefits))
        except COMPUTE_ERRORS as error:
            log.warning("the scorecard of project %s could not be computed: %r", project_id, error)
    return found


async def readable_scorecard(conn: AsyncConnection, project_id: UUID, reader: Reader, *, as_of: datetime,
                             horizon_days: int = HORIZON_DAYS, benefits: BenefitsSettings | None = None) -> Scorecard:
    """The project's scorecard for its sponsor, its project manager or admin (403 for anyone else)."""
    found = (await scorecards(conn, [project_id], as_of=as_of, horizon_days=horizon_days, benefits=benefits))
    if project_id not in found:
        raise NotFound("Project", project_id)
    record, card = found[project_id]
    if not reader.may_read(record):
        raise NotAllowed("success-read-by-the-projects-sponsor-or-manager",
                         "only the project's sponsor or project manager (or admin) reads its success scorecard")
    return card


async def success_columns(conn: AsyncConnection, ids: Sequence[UUID], reader: Reader, *, as_of: datetime,
                          benefits: BenefitsSettings | None = None) -> dict[UUID, Scorecard]:
    """The scorecards of a page of projects for the /kpis/projects columns: only those `reader` may read (the
    others are absent), in a constant number of statements whatever the page's size."""
    found = await scorecards(conn, ids, as_of=as_of, benefits=benefits)
    return {i: card for i, (record, card) in found.items() if reader.may_read(record)}


# The facts


async def _records(conn: AsyncConnection, t: FactTables, projects: dict[UUID, ProjectFact], as_of: datetime
                   ) -> dict[UUID, ProjectRecord]:
    ids = list(projects)
    o, c = t.project_outcomes.c, t.change_requests.c
    outcomes = {row.project_id: row for row in
                (await conn.execute(sa.select(t.project_outcomes).where(any_of(o.project_id, ids)))).all()}
    requests: dict[UUID, list[ChangeRequestFact]] = defaultdict(list)
    rows = await conn.execute(sa.select(t.change_requests).where(any_of(c.project_id, ids), c.raised_at < as_of)
                              .order_by(c.raised_at))
    for row in rows.all():
        requests[row.project_id].append(ChangeRequestFact(row.change_request_id, aware(row.raised_at),
                                                          row.scope_delta, row.schedule_delta_days, row.budget_delta,
                                                          row.decision))
    return {i: _record(p, outcomes.get(i), requests.get(i, []), as_of) for i, p in projects.items()}


def _record(project: ProjectFact, row: Any, requests: list[ChangeRequestFact], as_of: datetime) -> ProjectRecord:
    costs = [c for c in project.costs if c.incurred_at <= as_of]
    success_at = None if row is None else aware(row.success_at)
    closing_at = None if row is None else aware(row.closing_at)
    return ProjectRecord(
        project_id=project.project_id, origin=project.origin, opportunity_id=project.opportunity_id,
        target_service_ids=project.target_service_ids, sponsor=row and row.sponsor,
        project_manager=row and row.project_manager,
        closing_at=closing_at if closing_at and closing_at <= as_of else None, accepted_by=row and row.accepted_by,
        success=_triple(row.success, success_at) if success_at and success_at <= as_of else None,
        change_requests=tuple(requests), benefit_kpi=row and row.benefit_kpi,
        benefit_target=row and row.benefit_target, project_cost=sum((c.amount for c in costs), Decimal(0)),
        cost_entries=len(costs))


def _triple(payload: dict[str, Any], at: datetime) -> TripleConstraint:
    e = contract_catalog.parse(pr.ProjectSuccessEvaluatedV1, payload)
    return TripleConstraint(e.scope_delivered, e.on_time, e.within_budget, e.milestones_planned,
                            e.milestones_completed, e.milestones_descoped, e.planned_end, e.actual_end,
                            e.schedule_slip_days, e.budget_at_completion, e.actual_cost, at)


async def _handovers(conn: AsyncConnection, t: FactTables, ids: list[UUID], as_of: datetime
                     ) -> dict[tuple[UUID, UUID], HandoverFact]:
    """Each (project, service)'s latest handover opened by `as_of`, with what happened to it by then."""
    h = t.handovers.c
    rows = await conn.execute(sa.select(t.handovers).where(any_of(h.project_id, ids), h.opened_at <= as_of)
                              .order_by(h.opened_at))
    found = {}
    for row in rows.all():
        fact = HandoverFact(**{k: aware(v) if isinstance(v, datetime) else v for k, v in row._mapping.items()})
        accepted = fact.accepted_at if fact.accepted_at and fact.accepted_at <= as_of else None
        completed = fact.completed_at if accepted and fact.completed_at and fact.completed_at <= as_of else None
        found[(fact.project_id, fact.service_id)] = HandoverFact(
            fact.handover_id, fact.service_id, fact.project_id, fact.opened_at, accepted,
            fact.readiness_score, fact.early_life_support_days, fact.rejections, completed)
    return found


async def _operating_since(conn: AsyncConnection, t: FactTables, services: list[UUID]) -> dict[UUID, datetime]:
    s = t.service_stages.c
    rows = await conn.execute(sa.select(s.service_id, s.operating_since).where(any_of(s.service_id, services)))
    return {row.service_id: aware(row.operating_since) for row in rows.all() if row.operating_since}


@dataclass(frozen=True)
class _Plan:
    """One delivered service of one project: its handover and the windows it is read over."""

    project_id: UUID
    service_id: UUID
    handover: HandoverFact | None
    changed: bool
    windows: dict[str, Window]  # before / during / after, cut at as_of
    horizon: Window | None
    benefit: Window | None  # the declared benefit's measurement period, cut at as_of


def _plans(records: dict[UUID, ProjectRecord], handovers: dict[tuple[UUID, UUID], HandoverFact],
           operating: dict[UUID, datetime], as_of: datetime, horizon_days: int, benefits: BenefitsSettings
           ) -> list[_Plan]:
    plans = []
    for record in records.values():
        for service_id in record.target_service_ids:
            handover = handovers.get((record.project_id, service_id))
            since = operating.get(service_id)
            changed = handover is not None and since is not None and since < handover.opened_at
            spans = periods(handover, changed=changed, horizon_days=horizon_days)
            windows = {name: w for name in ("before", "during", "after")
                       if (w := cut(getattr(spans, name), as_of)) is not None}
            benefit = None
            if record.benefit_kpi and handover and handover.accepted_at:
                benefit = cut(Window(handover.accepted_at, day_end(handover.accepted_at) + DAY * benefits.max_days),
                              as_of)
            plans.append(_Plan(record.project_id, service_id, handover, changed, windows,
                               cut(spans.horizon, as_of), benefit))
    return plans


async def _delivered(conn: AsyncConnection, t: FactTables, records: dict[UUID, ProjectRecord], as_of: datetime,
                     horizon_days: int, benefits: BenefitsSettings) -> dict[UUID, list[DeliveredService]]:
    services = sorted({s for r in records.values() for s in r.target_service_ids})
    handovers = await _handovers(conn, t, list(records), as_of)
    plans = _plans(records, handovers, await _operating_since(conn, t, services), as_of, horizon_days, benefits)
    asks = [rollup_reads.Ask(p.service_id, w, availability=True) for p in plans for w in p.windows.values()]
    answers = iter(await rollup_reads.answer(conn, t, asks))
    slas = await reads.slas_of(conn, t, services)
    requests = await _request_times(conn, t, [(p.service_id, w) for p in plans for w in p.windows.values()])
    costs = await _operating_costs(conn, t, [(p.service_id, p.horizon) for p in plans if p.horizon])
    incidents = await reads.incidents_opened_within(conn, t, {p.handover.handover_id: (p.service_id, p.benefit)
                                                              for p in plans if p.benefit and p.handover})
    found: dict[UUID, list[DeliveredService]] = defaultdict(list)
    for p in plans:
        figures = {name: _figures(w, next(answers), requests.get(p.service_id, [])) for name, w in p.windows.items()}
        spent = [c for c in costs.get(p.service_id, []) if p.horizon and p.horizon.holds(c.incurred_at)]
        found[p.project_id].append(DeliveredService(
            p.service_id, p.handover, p.changed, slas.get(p.service_id), figures.get("before"), figures.get("during"),
            figures.get("after"), sum((c.amount for c in spent), Decimal(0)), len(spent),
            tuple(incidents.get(p.handover.handover_id, ()) if p.handover else ())))
    return found


def _figures(window: Window, answer: rollup_reads.Answer, submitted: list[datetime]) -> WindowFigures:
    s = answer.sums
    counts = (int(n) for n in (s.opened, s.sla_subject, s.sla_met, s.csat_responses, s.csat_positive))
    return WindowFigures(window, *counts, answer.availability, sum(1 for moment in submitted if window.holds(moment)))


def _span(items: list[tuple[UUID, Window]]) -> Window | None:
    return Window(min(w.start for _, w in items), max(w.end for _, w in items)) if items else None


async def _request_times(conn: AsyncConnection, t: FactTables, items: list[tuple[UUID, Window]]
                         ) -> dict[UUID, list[datetime]]:
    """The submission moments of the services' requests over the span of their windows (one statement)."""
    span = _span(items)
    if span is None:
        return {}
    r = t.service_requests.c
    rows = await conn.execute(sa.select(r.service_id, r.submitted_at).where(
        any_of(r.service_id, {s for s, _ in items}), r.submitted_at >= span.start, r.submitted_at < span.end))
    found: dict[UUID, list[datetime]] = defaultdict(list)
    for row in rows.all():
        found[row.service_id].append(aware(row.submitted_at))
    return found


async def _operating_costs(conn: AsyncConnection, t: FactTables, items: list[tuple[UUID, Window]]
                           ) -> dict[UUID, list[CostFact]]:
    span = _span(items)
    return {} if span is None else await reads.operating_costs_within(conn, t, {s for s, _ in items}, span)


async def _verdicts(conn: AsyncConnection, opportunity_ids: list[UUID]) -> dict[UUID, OpportunityVerdict]:
    """The opportunities' states and, for those judged, the verdict event's figures (two statements)."""
    if not opportunity_ids:
        return {}
    states = dict((await conn.execute(sa.select(summaries.c.stream_id, summaries.c.data["state"].astext)
                                      .where(any_of(summaries.c.stream_id, opportunity_ids)))).all())
    verdicts = (await conn.execute(sa.select(events.c.stream_id, events.c.data).where(
        any_of(events.c.stream_id, opportunity_ids), events.c.event_type.in_(VERDICT_EVENTS)))).all()
    data = {row.stream_id: row.data for row in verdicts}
    return {i: _verdict(state, data.get(i)) for i, state in states.items()}


def _verdict(state: str, data: dict[str, Any] | None) -> OpportunityVerdict:
    if data is None:
        return OpportunityVerdict(state)
    return OpportunityVerdict(state, data.get("kpi"), Decimal(str(data["measured"])),
                              Decimal(str(data["baseline"])), data.get("effect"))


# Publication


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
