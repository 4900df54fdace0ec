"""The facts the success scorecard (domain.success) needs beyond the KPI projections': what project-svc decided
(team, declared benefit, closing, acceptance, the triple constraint, change requests), service requests, and since
when a service is in operation. Fact tables like the others (projection.tables builds them per prefix, so a rebuild
replays them); their writers join the projector's (`joined`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert

from continuum.contracts import catalog as contract_catalog
from continuum.contracts import project as pr
from continuum.contracts import service as sv
from continuum.contracts.base import EventContract

if TYPE_CHECKING:
    from metrics_svc.projection.tables import FactTables

Writer = Callable[[Any, "FactTables", Any, str, datetime], Awaitable[None]]


def _ts(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True))


def success_tables(prefix: str, md: sa.MetaData, uid: Any) -> dict[str, sa.Table]:
    return {
        "project_outcomes": sa.Table(
            f"{prefix}project_outcomes", md,
            sa.Column("project_id", uid, primary_key=True), sa.Column("sponsor", sa.Text),
            sa.Column("project_manager", sa.Text), sa.Column("benefit_kpi", sa.Text),
            sa.Column("benefit_target", sa.Numeric), _ts("closing_at"), sa.Column("accepted_by", sa.Text),
            sa.Column("success", JSONB), _ts("success_at"),  # ProjectSuccessEvaluated's payload, and when
        ),
        "change_requests": sa.Table(
            f"{prefix}change_requests", md,
            sa.Column("change_request_id", uid, primary_key=True),
            sa.Column("project_id", uid, nullable=False, index=True), _ts("raised_at"),
            sa.Column("scope_delta", sa.Text, nullable=False, server_default=""),
            sa.Column("schedule_delta_days", sa.Integer, nullable=False, server_default="0"),
            sa.Column("budget_delta", sa.Numeric, nullable=False, server_default="0"), sa.Column("decision", sa.Text),
        ),
        "service_requests": sa.Table(
            f"{prefix}service_requests", md,
            sa.Column("request_id", uid, primary_key=True), sa.Column("service_id", uid, nullable=False),
            _ts("submitted_at"),
            sa.Index(f"ix_{prefix}service_requests_service_submitted", "service_id", "submitted_at"),
        ),
        "service_stages": sa.Table(  # since when a service is in operation (its first move there)
            f"{prefix}service_stages", md,
            sa.Column("service_id", uid, primary_key=True), _ts("operating_since"),
        ),
    }


async def _merge(conn, table: sa.Table, values: dict[str, Any], *, earliest: str | None = None) -> None:
    """Insert the row or set the given columns (`earliest`: that column keeps the earlier of both moments)."""
    key = table.primary_key.columns.keys()[0]
    statement = pg_insert(table).values(**values)
    changes = {c: statement.excluded[c] for c in values if c != key}
    if earliest is not None:
        changes[earliest] = sa.func.least(table.c[earliest], statement.excluded[earliest])
    if changes:
        await conn.execute(statement.on_conflict_do_update(index_elements=[key], set_=changes))
    else:
        await conn.execute(statement.on_conflict_do_nothing())


async def charter_approved(conn, t: FactTables, e: pr.CharterApprovedV1, event_id: str, at: datetime) -> None:
    await _merge(conn, t.project_outcomes, {"project_id": e.project_id, "sponsor": e.sponsor,
                                            "benefit_kpi": e.benefit_kpi, "benefit_target": e.benefit_target})


async def team_assigned(conn, t: FactTables, e: pr.TeamAssignedV1, event_id: str, at: datetime) -> None:
    await _merge(conn, t.project_outcomes, {"project_id": e.project_id, "sponsor": e.sponsor,
                                            "project_manager": e.project_manager})


async def closing_started(conn, t: FactTables, e: pr.ProjectClosingStartedV1, event_id: str, at: datetime) -> None:
    await _merge(conn, t.project_outcomes, {"project_id": e.project_id, "closing_at": at})


async def project_accepted(conn, t: FactTables, e: pr.ProjectAcceptedV1, event_id: str, at: datetime) -> None:
    await _merge(conn, t.project_outcomes, {"project_id": e.project_id, "accepted_by": e.accepted_by})


async def success_evaluated(conn, t: FactTables, e: pr.ProjectSuccessEvaluatedV1, event_id: str, at: datetime
                            ) -> None:
    await _merge(conn, t.project_outcomes, {"project_id": e.project_id, "success_at": at,
                                            "success": contract_catalog.dump(e)})


async def change_request_raised(conn, t: FactTables, e: pr.ChangeRequestRaisedV1, event_id: str, at: datetime
                                ) -> None:
    await _merge(conn, t.change_requests, {
        "change_request_id": e.change_request_id, "project_id": e.project_id, "raised_at": at,
        "scope_delta": e.scope_delta, "schedule_delta_days": e.schedule_delta_days, "budget_delta": e.budget_delta})


async def _decided(conn, t: FactTables, change_request_id: Any, decision: str) -> None:
    c = t.change_requests.c
    await conn.execute(sa.update(t.change_requests).where(c.change_request_id == change_request_id)
                       .values(decision=decision))


async def change_request_approved(conn, t: FactTables, e: pr.ChangeRequestApprovedV1, event_id: str, at: datetime
                                  ) -> None:
    await _decided(conn, t, e.change_request_id, "approved")


async def change_request_rejected(conn, t: FactTables, e: pr.ChangeRequestRejectedV1, event_id: str, at: datetime
                                  ) -> None:
    await _decided(conn, t, e.change_request_id, "rejected")


async def request_submitted(conn, t: FactTables, e: sv.ServiceRequestSubmittedV1, event_id: str, at: datetime
                            ) -> None:
    await _merge(conn, t.service_requests, {"request_id": e.request_id, "service_id": e.service_id,
                                            "submitted_at": e.submitted_at})


async def service_registered(conn, t: FactTables, e: sv.ServiceRegisteredV1, event_id: str, at: datetime) -> None:
    if e.stage == "operation":
        await _merge(conn, t.service_stages, {"service_id": e.service_id, "operating_since": at},
                     earliest="operating_since")


async def stage_changed(conn, t: FactTables, e: sv.ServiceStageChangedV1, event_id: str, at: datetime) -> None:
    if e.to_stage == "operation":
        await _merge(conn, t.service_stages, {"service_id": e.service_id, "operating_since": at},
                     earliest="operating_since")


SUCCESS_WRITERS: dict[type[EventContract], Writer] = {
    pr.CharterApprovedV1: charter_approved,
    pr.TeamAssignedV1: team_assigned,
    pr.ProjectClosingStartedV1: closing_started,
    pr.ProjectAcceptedV1: project_accepted,
    pr.ProjectSuccessEvaluatedV1: success_evaluated,
    pr.ChangeRequestRaisedV1: change_request_raised,
    pr.ChangeRequestApprovedV1: change_request_approved,
    pr.ChangeRequestRejectedV1: change_request_rejected,
    sv.ServiceRequestSubmittedV1: request_submitted,
    sv.ServiceRegisteredV1: service_registered,
    sv.ServiceStageChangedV1: stage_changed,
}


def _both(first: Writer, second: Writer) -> Writer:
    async def write(conn, t, e, event_id: str, at: datetime) -> None:
        await first(conn, t, e, event_id, at)
        await second(conn, t, e, event_id, at)

    return write


def joined(writers: Mapping[type[EventContract], Writer]) -> dict[type[EventContract], Writer]:
    """The projector's writers with the scorecard's: both, in that order, for a type they share."""
    merged = dict(writers)
    for contract, writer in SUCCESS_WRITERS.items():
        merged[contract] = _both(merged[contract], writer) if contract in merged else writer
    return merged
