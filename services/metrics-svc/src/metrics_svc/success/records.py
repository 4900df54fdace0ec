"""What a scorecard reads of a project itself: its record as of a moment (outcome row, change requests, costs,
the triple constraint) and its opportunity's verdict."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.contracts import catalog as contract_catalog
from continuum.contracts import project as pr
from continuum.eventstore.schema import events, summaries

from metrics_svc.domain.facts import ProjectFact
from metrics_svc.domain.scorecard import ChangeRequestFact, OpportunityVerdict, ProjectRecord, TripleConstraint
from metrics_svc.projection.reads import any_of, aware
from metrics_svc.projection.tables import FactTables


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


VERDICT_EVENTS = ("BenefitsRealized", "BenefitsNotRealized", "BenefitsInconclusive")


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
