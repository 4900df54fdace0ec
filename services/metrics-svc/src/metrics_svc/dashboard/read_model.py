"""Lists and time series for the dashboard, computed with the KPI functions over the projected facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.domain import NotFound

from metrics_svc import queries
from metrics_svc.domain.facts import HandoverFact, ProjectFact
from metrics_svc.domain.handover_kpis import HandoverKpis
from metrics_svc.domain.project_kpis import EarnedValue, project_kpis, usable_project
from metrics_svc.domain.service_kpis import availability, mttr, opened_in, sla_compliance, usable_incidents
from metrics_svc.domain.windows import Figure, Problem, Window, computed
from metrics_svc.projection import reads, rollup_reads
from metrics_svc.projection.projector import midnight
from metrics_svc.projection.tables import LIVE

MAX_SERIES_POINTS = 60
RankingKpi = Literal["incident_rate", "mttr", "sla_compliance", "availability", "csat"]
WORST_IS_HIGHEST = {"incident_rate": True, "mttr": True, "sla_compliance": False, "availability": False,
                    "csat": False}


@dataclass(frozen=True)
class ServiceWeek:
    week: Window
    incidents: int
    mttr_minutes: Figure
    sla_compliance_pct: Figure
    availability_pct: Figure
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class ProjectEntry:
    fact: ProjectFact
    earned: EarnedValue
    title: str | None = None


@dataclass(frozen=True)
class EarnedValuePoint:
    at: datetime
    pv: Decimal
    ev: Decimal | None  # None after as_of: nothing is earned or spent in the future
    ac: Decimal | None


@dataclass(frozen=True)
class EarnedValueSeries:
    bac: Decimal | None
    points: list[EarnedValuePoint]
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class HandoverEntry:
    fact: HandoverFact
    kpis: HandoverKpis


def page_of(ids: list[UUID], *, after: str | None, limit: int) -> tuple[list[UUID], str | None]:
    """One page of ids in a stable order, and the id to continue after (None on the last page)."""
    ordered = sorted(ids, key=str)
    rest = [i for i in ordered if after is None or str(i) > after]
    page = rest[:limit]
    return page, (str(page[-1]) if len(rest) > limit else None)


async def service_ids(conn: AsyncConnection, *, after: str | None, limit: int) -> tuple[list[UUID], str | None]:
    """One page of the services known here, in id order, and the id to continue after (None on the last page)."""
    ids = await reads.service_ids(conn, LIVE, after=_uuid(after), limit=limit + 1)
    return ids[:limit], (str(ids[limit - 1]) if len(ids) > limit else None)


def _uuid(after: str | None) -> UUID | None:
    try:
        return None if after is None else UUID(after)
    except ValueError:
        return None


async def service_weeks(conn: AsyncConnection, service_id: UUID, *, weeks: int, as_of: datetime
                        ) -> tuple[list[ServiceWeek], list[Problem]]:
    """Weekly incidents, MTTR, SLA compliance and availability for the whole weeks ending at `as_of`, each figure
    on its own, from the rollups (a constant number of statements whatever the history); the incidents no figure
    may use are named once in the problems."""
    series = Window.ending(as_of, days=7 * weeks).weeks()
    answers = await rollup_reads.answer(conn, LIVE, [rollup_reads.Ask(service_id, w, availability=True)
                                                     for w in series])
    unusable = (await reads.unusable_incidents(conn, LIVE, [service_id])).get(service_id, [])
    if not any(a.sums.opened for a in answers) and not unusable \
            and not await reads.services_with_facts(conn, LIVE, [service_id]) \
            and await reads.sla_of(conn, LIVE, service_id) is None \
            and service_id not in await reads.names_of(conn, LIVE, [service_id]):
        raise NotFound("Service", service_id)
    problems: list[Problem] = []
    usable_incidents(unusable, problems)
    return [week_from(week, answer) for week, answer in zip(series, answers)], problems


def week_of(week: Window, incidents: list) -> ServiceWeek:
    """One week's figures by the pure functions over the incidents (the definition week_from equals)."""
    problems: list[Problem] = []

    def figure(name: str, compute) -> Figure:
        return computed(name, lambda: compute(week, incidents), problems, Figure(None, 0))

    count = computed("incidents", lambda: len(opened_in(week, incidents)), problems, 0)
    return ServiceWeek(week, count, figure("mttr_minutes", mttr), figure("sla_compliance_pct", sla_compliance),
                       figure("availability_pct", availability), tuple(problems))


def week_from(week: Window, answer: rollup_reads.Answer) -> ServiceWeek:
    """week_of over the rollups' sums of one week."""
    s = answer.sums
    return ServiceWeek(week, s.opened, s.mttr(), s.sla_compliance(), answer.availability,
                       () if answer.problem is None else (answer.problem,))


@dataclass(frozen=True)
class Ranking:
    """Services in order of one KPI over a window (worst or best first; those without the figure last), one page of
    them with their full reports, and how many were ranked."""

    by: RankingKpi
    worst_first: bool
    window: Window
    ranked: int
    reports: list[queries.ServiceReport]
    figures: list[Figure]
    first_rank: int
    next_offset: int | None


def ranking_figure(by: RankingKpi, answer: rollup_reads.Answer) -> Figure:
    """The figure a ranking orders by, as the service's report computes it over the same window."""
    s = answer.sums
    figures = {"incident_rate": s.incident_count, "mttr": s.mttr, "sla_compliance": s.sla_compliance,
               "csat": s.csat, "availability": lambda: answer.availability or Figure(None, 0)}
    return computed(by, figures[by], [], Figure(None, 0))  # one that cannot be computed is ranked last


async def _ranking_figures(conn: AsyncConnection, by: RankingKpi, ids: list[UUID], window: Window
                           ) -> dict[UUID, Figure]:
    """Each service's figure for the ranking, reading only what that figure needs: the incident rate as the
    portfolio sums it, the other sums grouped by service, availability without the incident sums."""
    if by == "incident_rate":
        counts = await rollup_reads.opened_counts(conn, LIVE, ids, window)
        return {s: Figure(Decimal(counts.get(s, 0)), counts.get(s, 0)) for s in ids}
    if by == "availability":
        answers = await rollup_reads.answer(conn, LIVE, [rollup_reads.Ask(s, window, availability=True, sums=False)
                                                         for s in ids])
    else:
        sums = await rollup_reads.window_sums(conn, LIVE, ids, window)
        answers = [rollup_reads.Answer(sums.get(s) or rollup_reads.Sums()) for s in ids]
    return {s: ranking_figure(by, a) for s, a in zip(ids, answers)}


async def ranked_services(conn: AsyncConnection, *, by: RankingKpi, worst_first: bool, offset: int, limit: int,
                          days: int, as_of: datetime) -> Ranking:
    """Every service's figure from the rollups in a constant number of statements (one ask a service), ordered,
    then the full reports of one page of them."""
    ids = await reads.service_ids(conn, LIVE)
    window = Window.ending(as_of, days=days)
    figures = await _ranking_figures(conn, by, ids, window)
    highest_first = WORST_IS_HIGHEST[by] == worst_first
    present = sorted((s for s in ids if figures[s].value is not None),
                     key=lambda s: (-figures[s].value if highest_first else figures[s].value, str(s)))
    order = present + sorted((s for s in ids if figures[s].value is None), key=str)
    page = order[offset:offset + limit]
    reports = await queries.service_reports(conn, page, days=days, as_of=as_of)
    return Ranking(by, worst_first, window, len(order), reports, [figures[s] for s in page], offset + 1,
                   offset + limit if offset + limit < len(order) else None)


async def project_ids(conn: AsyncConnection, *, after: str | None, limit: int) -> tuple[list[UUID], str | None]:
    ids = await reads.project_ids(conn, LIVE, after=_uuid(after), limit=limit + 1)
    return ids[:limit], (str(ids[limit - 1]) if len(ids) > limit else None)


async def project_entries(conn: AsyncConnection, ids: list[UUID], *, as_of: datetime) -> list[ProjectEntry]:
    """Each project on its own, in a constant number of statements: one whose facts cannot be computed is listed
    with its problem."""
    titles = await reads.names_of(conn, LIVE, ids)
    return [ProjectEntry(fact or ProjectFact(project_id, "unknown", None, ()), earned, titles.get(project_id))
            for project_id, fact, earned in await queries.project_reports(conn, ids, as_of=as_of)]


def series_moments(fact: ProjectFact, as_of: datetime) -> list[datetime]:
    """From the first fact to the last planned date (or as_of), weekly or coarser, with as_of itself among them."""
    known = ([midnight(m.planned_date) for m in fact.milestones] + [p.recorded_at for p in fact.progress]
             + [c.incurred_at for c in fact.costs])
    if not known:
        return [as_of]
    start, end = min(min(known), as_of), max(max(known), as_of)
    step = max(timedelta(days=7), (end - start) / (MAX_SERIES_POINTS - 3))
    regular = [start + step * k for k in range(int((end - start) / step) + 1)]
    return sorted({*regular, as_of, end})  # as_of among them: the last EV and AC shown are the project's KPIs


async def earned_value_series(conn: AsyncConnection, project_id: UUID, *, as_of: datetime) -> EarnedValueSeries:
    """The project's BAC, and PV over the whole plan with EV and AC up to as_of, from the facts a figure may use
    (those left out, and a series that cannot be drawn, are named in the problems)."""
    fact = await reads.project(conn, LIVE, project_id)
    if fact is None:
        raise NotFound("Project", project_id)
    problems: list[Problem] = []
    fact = usable_project(fact, problems)
    points = computed("points", lambda: [point_of(fact, moment, as_of) for moment in series_moments(fact, as_of)],
                      problems, [])
    return EarnedValueSeries(fact.budget_at_completion, [p for p in points if p.pv is not None], problems)


def point_of(fact: ProjectFact, moment: datetime, as_of: datetime) -> EarnedValuePoint:
    earned = project_kpis(fact, moment)
    past = moment <= as_of
    return EarnedValuePoint(moment, earned.pv, earned.ev if past else None, earned.ac if past else None)


async def handover_entries(conn: AsyncConnection, *, after: str | None, limit: int, as_of: datetime
                           ) -> tuple[list[HandoverEntry], str | None]:
    """One page of handovers in id order with their KPIs (computed for that page only)."""
    every = {h.handover_id: h for h in await reads.handover_rows(conn, LIVE)}
    ids, after = page_of(list(every), after=after, limit=limit)
    facts = [every[i] for i in ids]
    return [HandoverEntry(f, k) for f, k in await queries.handovers_with_kpis(conn, facts, as_of=as_of)], after
