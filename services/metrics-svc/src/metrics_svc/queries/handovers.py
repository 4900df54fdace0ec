"""A handover's report: its KPIs (domain.handover_kpis) over the incidents of its early life and those no
figure may use, in a constant number of statements for any number of handovers."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.domain import NotFound

from metrics_svc.domain.facts import HandoverFact
from metrics_svc.domain.handover_kpis import HandoverKpis, early_life, handover_kpis
from metrics_svc.domain.windows import COMPUTE_ERRORS, Figure, Problem, Window, usable_moment
from metrics_svc.projection import reads
from metrics_svc.projection.tables import LIVE


async def handover_report(conn: AsyncConnection, handover_id: UUID, *, as_of: datetime) -> HandoverKpis:
    handover = await reads.handover(conn, LIVE, handover_id)
    if handover is None:
        raise NotFound("Handover", handover_id)
    return (await handovers_with_kpis(conn, [handover], as_of=as_of))[0][1]


def unavailable_handover(fact: HandoverFact, problem: Problem, *, as_of: datetime) -> HandoverKpis:
    return HandoverKpis(as_of=as_of, accepted=False, readiness_score=None, days_in_transition=None,
                        early_life_incidents=Figure(None, 0), early_life_incident_rate_per_week=Figure(None, 0),
                        rejections=fact.rejections, problems=(problem,))


def _early_life(handover: HandoverFact, as_of: datetime) -> Window | None:
    """The early-life period handover_kpis counts incidents in (None where it counts none)."""
    if not (usable_moment(handover.opened_at) and usable_moment(handover.accepted_at)):
        return None
    try:
        return early_life(handover, as_of)
    except COMPUTE_ERRORS:
        return None


async def handovers_with_kpis(conn: AsyncConnection, handovers: list[HandoverFact], *, as_of: datetime
                              ) -> list[tuple[HandoverFact, HandoverKpis]]:
    """Each handover's KPIs in a constant number of statements: handover_kpis over the incidents of its service
    opened in its early life and those no figure may use (the ones it names), never the whole history."""
    periods = {h.handover_id: (h.service_id, period) for h in handovers
               if (period := _early_life(h, as_of)) is not None}
    early = await reads.incidents_opened_within(conn, LIVE, periods)
    unusable = await reads.unusable_incidents(conn, LIVE, {h.service_id for h in handovers})
    found = []
    for h in handovers:
        try:
            incidents = [*unusable.get(h.service_id, []), *early.get(h.handover_id, [])]
            found.append((h, handover_kpis(h, incidents, as_of)))
        except COMPUTE_ERRORS as error:
            found.append((h, unavailable_handover(h, Problem(
                f"could not be computed from the stored facts ({type(error).__name__})"), as_of=as_of)))
    return found


async def handover_reports(conn: AsyncConnection, *, as_of: datetime) -> list[tuple[HandoverFact, HandoverKpis]]:
    """Every handover with its KPIs, each computed on its own."""
    return await handovers_with_kpis(conn, await reads.handover_rows(conn, LIVE), as_of=as_of)
