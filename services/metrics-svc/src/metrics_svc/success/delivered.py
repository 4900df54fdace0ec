"""What a scorecard reads of the services a project delivered: each one's handover and its windows (before,
during, after), their figures from the rollups, their requests and operating costs, in a constant number of
statements."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from metrics_svc.domain.benefits import BenefitsSettings
from metrics_svc.domain.detection import DAY, day_end
from metrics_svc.domain.facts import CostFact, HandoverFact
from metrics_svc.domain.scorecard import DeliveredService, ProjectRecord, WindowFigures, cut, periods
from metrics_svc.domain.windows import Window
from metrics_svc.projection import reads, rollup_reads
from metrics_svc.projection.reads import any_of, aware
from metrics_svc.projection.tables import FactTables


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
