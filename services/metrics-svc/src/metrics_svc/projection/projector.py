"""Writes each consumed event as compact facts (on the consumer's connection, in its transaction)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.contracts import handover as ho
from continuum.contracts import project as pr
from continuum.contracts import service as sv
from continuum.contracts.base import EventContract

from metrics_svc.projection import rollups
from metrics_svc.projection.batch import FactBatch
from metrics_svc.projection.success_facts import joined
from metrics_svc.projection.statements import (
    insert_statement,
    update_parameters,
    update_statement,
    upsert_statement,
)
from metrics_svc.projection.tables import FactTables

Writer = Callable[[AsyncConnection, FactTables, Any, str, datetime], Awaitable[None]]


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


async def _upsert(conn: AsyncConnection | FactBatch, table: sa.Table, key: str, values: dict[str, Any]) -> None:
    if isinstance(conn, FactBatch):
        await _gather(conn, "upsert", table, key, values)
        return
    await conn.execute(upsert_statement(table, key, tuple(values)), values)


async def _insert(conn: AsyncConnection | FactBatch, table: sa.Table, values: dict[str, Any]) -> None:
    key = table.primary_key.columns.keys()[0]
    if isinstance(conn, FactBatch):
        await _gather(conn, "insert", table, key, values)
        return
    await conn.execute(insert_statement(table, tuple(values)), values)


async def _gather(batch: FactBatch, kind: str, table: sa.Table, key: str, values: dict[str, Any]) -> None:
    """Into the batch; when it must follow what the batch holds, after sending that — still gathered, so that the
    rollups of an incident it writes follow it at the next flush."""
    if not batch.create(kind, table, key, values):
        await batch.flush()
        batch.create(kind, table, key, values)


async def _update(conn: AsyncConnection | FactBatch, table: sa.Table, key: str, key_value: Any, **values: Any) -> None:
    if isinstance(conn, FactBatch):
        conn.update(table, key, key_value, values)
        return
    await conn.execute(update_statement(table, key, tuple(values)), update_parameters(key_value, values))


async def _incident_update(conn: AsyncConnection | FactBatch, t: FactTables, incident_id: Any, **values: Any) -> None:
    await _incident_write(conn, t, incident_id, _update(conn, t.incidents, "incident_id", incident_id, **values))


async def _incident_write(conn: AsyncConnection | FactBatch, t: FactTables, incident_id: Any,
                          write: Awaitable[None]) -> None:
    """An incident's fact changes, and its daily rollups with it (at the batch's flush, or right away)."""
    if isinstance(conn, FactBatch):
        conn.touch_incident(t, incident_id)
        await write
        conn.touch_incident(t, incident_id)  # again: the write may have flushed the batch (and its touches) first
        return
    await rollups.leave(conn, t, [incident_id])
    await write
    await rollups.arrive(conn, t, [incident_id])


async def incident_opened(conn, t: FactTables, e: sv.IncidentOpenedV1, event_id: str, at: datetime) -> None:
    await _incident_write(conn, t, e.incident_id, _insert(conn, t.incidents, {
        "incident_id": e.incident_id, "service_id": e.service_id, "priority": e.priority, "category": e.category,
        "outage": e.outage, "opened_at": e.detected_at}))


async def incident_acknowledged(conn, t, e: sv.IncidentAcknowledgedV1, event_id: str, at: datetime) -> None:
    await _incident_update(conn, t, e.incident_id, acknowledged_at=e.acknowledged_at,
                           ack_business_minutes=e.business_minutes)


async def incident_resolved(conn, t, e: sv.IncidentResolvedV1, event_id: str, at: datetime) -> None:
    await _incident_update(conn, t, e.incident_id, resolved_at=e.resolved_at, outage_minutes=e.outage_minutes,
                           response_sla_met=e.response_sla_met, resolution_sla_met=e.resolution_sla_met,
                           resolve_business_minutes=e.business_minutes)


async def incident_reopened(conn, t, e: sv.IncidentReopenedV1, event_id: str, at: datetime) -> None:
    await _incident_update(conn, t, e.incident_id, resolved_at=None, resolve_business_minutes=None)


async def response_breached(conn, t, e: sv.IncidentResponseSlaBreachedV1, event_id: str, at: datetime) -> None:
    await _incident_update(conn, t, e.incident_id, response_breached=True)


async def resolution_breached(conn, t, e: sv.IncidentResolutionSlaBreachedV1, event_id: str, at: datetime) -> None:
    await _incident_update(conn, t, e.incident_id, resolution_breached=True)


async def csat_rated(conn, t, e: sv.IncidentCsatRatedV1, event_id: str, at: datetime) -> None:
    await _incident_update(conn, t, e.incident_id, csat=e.score, csat_at=at)


async def sla_defined(conn, t, e: sv.SlaDefinedV1, event_id: str, at: datetime) -> None:
    await _upsert(conn, t.slas, "service_id", {"service_id": e.service_id, "defined_at": at,
                                               "availability_target_pct": e.availability_target_pct,
                                               "csat_target_pct": e.csat_target_pct})


async def sla_withdrawn(conn, t, e: sv.SlaWithdrawnV1, event_id: str, at: datetime) -> None:
    await conn.execute(sa.delete(t.slas).where(t.slas.c.service_id == e.service_id))


async def operating_cost(conn, t, e: sv.OperatingCostRecordedV1, event_id: str, at: datetime) -> None:
    await _insert(conn, t.operating_costs, {"event_id": event_id, "service_id": e.service_id, "amount": e.amount,
                                            "incurred_at": e.incurred_on})


async def change_implemented(conn, t, e: sv.ChangeImplementedV1, event_id: str, at: datetime) -> None:
    await _upsert(conn, t.changes, "change_id", {"change_id": e.change_id, "service_id": e.service_id,
                                                 "successful": e.outcome == "successful", "implemented_at": at})


async def service_registered(conn, t, e: sv.ServiceRegisteredV1, event_id: str, at: datetime) -> None:
    await _upsert(conn, t.names, "id", {"id": e.service_id, "name": e.name})
    if e.owner:
        await _upsert(conn, t.owners, "service_id", {"service_id": e.service_id, "owner": e.owner})


async def owner_assigned(conn, t, e: sv.ServiceOwnerAssignedV1, event_id: str, at: datetime) -> None:
    await _upsert(conn, t.owners, "service_id", {"service_id": e.service_id, "owner": e.owner})


async def improvement_planned(conn, t, e: sv.ImprovementPlannedV1, event_id: str, at: datetime) -> None:
    await _upsert(conn, t.improvements, "improvement_id", {"improvement_id": e.improvement_id,
                                                           "service_id": e.service_id, "planned_at": at})


async def improvement_implemented(conn, t, e: sv.ImprovementImplementedV1, event_id: str, at: datetime) -> None:
    await _upsert(conn, t.improvements, "improvement_id", {"improvement_id": e.improvement_id,
                                                           "service_id": e.service_id,
                                                           "implemented_at": e.implemented_at})


async def project_cancelled(conn, t, e: pr.ProjectCancelledV1, event_id: str, at: datetime) -> None:
    """No fact: the loop reacts to it (an opportunity whose project is cancelled is abandoned)."""


async def project_proposed(conn, t, e: pr.ProjectProposedV1, event_id: str, at: datetime) -> None:
    await _upsert(conn, t.names, "id", {"id": e.project_id, "name": e.title})
    await _insert(conn, t.projects, {"project_id": e.project_id, "origin": e.origin,
                                     "opportunity_id": e.opportunity_id,
                                     "target_service_ids": [str(s) for s in e.target_service_ids]})


async def charter_approved(conn, t, e: pr.CharterApprovedV1, event_id: str, at: datetime) -> None:
    await _update(conn, t.projects, "project_id", e.project_id, budget_at_completion=e.budget_at_completion)


async def plan_baselined(conn, t, e: pr.PlanBaselinedV1, event_id: str, at: datetime) -> None:
    """A (re-)baseline replaces the PV curve: the milestones it names, with their planned values and dates."""
    await _update(conn, t.projects, "project_id", e.project_id, budget_at_completion=e.budget_at_completion,
                  baselined=True)
    kept = [m.milestone_id for m in e.milestones]
    await conn.execute(sa.delete(t.milestones).where(t.milestones.c.project_id == e.project_id,
                                                     t.milestones.c.milestone_id.not_in(kept)))
    for m in e.milestones:
        await _upsert(conn, t.milestones, "milestone_id", {"milestone_id": m.milestone_id, "project_id": e.project_id,
                                                           "planned_date": m.planned_date,
                                                           "planned_value": m.planned_value})


async def progress_recorded(conn, t, e: pr.MilestoneProgressRecordedV1, event_id: str, at: datetime) -> None:
    await _insert(conn, t.progress, {"event_id": event_id, "project_id": e.project_id, "milestone_id": e.milestone_id,
                                     "percent_complete": e.percent_complete, "recorded_at": at})


async def milestone_completed(conn, t, e: pr.MilestoneCompletedV1, event_id: str, at: datetime) -> None:
    await _update(conn, t.milestones, "milestone_id", e.milestone_id, actual_date=e.actual_date)


async def actual_cost(conn, t, e: pr.ActualCostRecordedV1, event_id: str, at: datetime) -> None:
    await _insert(conn, t.project_costs, {"event_id": event_id, "project_id": e.project_id, "amount": e.amount,
                                          "incurred_at": midnight(e.incurred_on)})


async def handover_opened(conn, t, e: ho.HandoverOpenedV1, event_id: str, at: datetime) -> None:
    await _insert(conn, t.handovers, {"handover_id": e.handover_id, "service_id": e.service_id,
                                      "project_id": e.project_id, "opened_at": e.opened_at})


async def handover_accepted(conn, t, e: ho.HandoverAcceptedV1, event_id: str, at: datetime) -> None:
    await _upsert(conn, t.handovers, "handover_id", {
        "handover_id": e.handover_id, "service_id": e.service_id, "project_id": e.project_id,
        "opened_at": await _opened_at(conn, t, e, e.accepted_at), "accepted_at": e.accepted_at,
        "readiness_score": e.readiness_score, "early_life_support_days": e.early_life_support_days})


async def handover_rejected(conn, t, e: ho.HandoverRejectedV1, event_id: str, at: datetime) -> None:
    values = {"handover_id": e.handover_id, "service_id": e.service_id, "project_id": e.project_id,
              "opened_at": await _opened_at(conn, t, e, at), "rejections": 1}
    statement = pg_insert(t.handovers).values(**values)
    await conn.execute(statement.on_conflict_do_update(index_elements=["handover_id"],
                                                       set_={"rejections": t.handovers.c.rejections + 1}))


async def early_life_support_extended(conn, t, e: ho.EarlyLifeSupportExtendedV1, event_id: str, at: datetime) -> None:
    """An extension lengthens the early-life period its incident rate is judged over."""
    days = sa.func.coalesce(t.handovers.c.early_life_support_days, 0) + e.days
    await conn.execute(sa.update(t.handovers).where(t.handovers.c.handover_id == e.handover_id)
                       .values(early_life_support_days=days))


async def handover_completed(conn, t, e: ho.HandoverCompletedV1, event_id: str, at: datetime) -> None:
    await _update(conn, t.handovers, "handover_id", e.handover_id, completed_at=e.completed_at)


def _criterion(e: ho.HandoverEvent, key: str) -> str:
    return f"{e.handover_id}/{key}"


async def criterion_added(conn, t, e: ho.CriterionAddedV1, event_id: str, at: datetime) -> None:
    await _insert(conn, t.criteria, {"criterion_id": _criterion(e, e.key), "handover_id": e.handover_id,
                                     "key": e.key, "mandatory": e.mandatory, "added_at": at})


async def criterion_met(conn, t, e: ho.CriterionMetV1, event_id: str, at: datetime) -> None:
    await _update(conn, t.criteria, "criterion_id", _criterion(e, e.key), settled_at=e.confirmed_at)


async def criterion_waived(conn, t, e: ho.CriterionWaivedV1, event_id: str, at: datetime) -> None:
    await _update(conn, t.criteria, "criterion_id", _criterion(e, e.key), settled_at=e.waived_at)


async def criterion_reset(conn, t, e: ho.CriterionResetV1, event_id: str, at: datetime) -> None:
    await _update(conn, t.criteria, "criterion_id", _criterion(e, e.key), settled_at=None)


async def _opened_at(conn, t: FactTables, e: ho.HandoverEvent, fallback: datetime) -> datetime:
    """A handover seen first by a later event (its opening not yet projected) starts when that event happened."""
    query = sa.select(t.handovers.c.opened_at).where(t.handovers.c.handover_id == e.handover_id)
    return (await conn.execute(query)).scalar() or fallback


WRITERS: dict[type[EventContract], Writer] = joined({
    sv.IncidentOpenedV1: incident_opened,
    sv.IncidentAcknowledgedV1: incident_acknowledged,
    sv.IncidentResolvedV1: incident_resolved,
    sv.IncidentReopenedV1: incident_reopened,
    sv.IncidentResponseSlaBreachedV1: response_breached,
    sv.IncidentResolutionSlaBreachedV1: resolution_breached,
    sv.IncidentCsatRatedV1: csat_rated,
    sv.SlaDefinedV1: sla_defined,
    sv.SlaWithdrawnV1: sla_withdrawn,
    sv.OperatingCostRecordedV1: operating_cost,
    sv.ChangeImplementedV1: change_implemented,
    sv.ServiceRegisteredV1: service_registered,
    sv.ServiceOwnerAssignedV1: owner_assigned,
    sv.ImprovementPlannedV1: improvement_planned,
    sv.ImprovementImplementedV1: improvement_implemented,
    pr.ProjectProposedV1: project_proposed,
    pr.CharterApprovedV1: charter_approved,
    pr.PlanBaselinedV1: plan_baselined,
    pr.MilestoneProgressRecordedV1: progress_recorded,
    pr.MilestoneCompletedV1: milestone_completed,
    pr.ActualCostRecordedV1: actual_cost,
    pr.ProjectCancelledV1: project_cancelled,
    ho.HandoverOpenedV1: handover_opened,
    ho.HandoverAcceptedV1: handover_accepted,
    ho.HandoverRejectedV1: handover_rejected,
    ho.HandoverCompletedV1: handover_completed,
    ho.EarlyLifeSupportExtendedV1: early_life_support_extended,
    ho.CriterionAddedV1: criterion_added,
    ho.CriterionMetV1: criterion_met,
    ho.CriterionWaivedV1: criterion_waived,
    ho.CriterionResetV1: criterion_reset,
})
