"""A project's report: its earned value (domain.project_kpis) from its facts, for one or many projects."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.domain import NotFound

from metrics_svc.domain.facts import ProjectFact
from metrics_svc.domain.project_kpis import EarnedValue, project_kpis
from metrics_svc.domain.windows import COMPUTE_ERRORS, Problem
from metrics_svc.projection import reads
from metrics_svc.projection.tables import LIVE


async def project_report(conn: AsyncConnection, project_id: UUID, *, as_of: datetime) -> EarnedValue:
    project = (await reads.projects(conn, LIVE, [project_id])).get(project_id)
    if project is None:
        raise NotFound("Project", project_id)
    return project_kpis(project, as_of)


def unavailable_project(problem: Problem, *, as_of: datetime) -> EarnedValue:
    return EarnedValue(as_of=as_of, based_on=0, bac=None, pv=None, ev=None, ac=None, sv=None, cv=None, spi=None,
                       cpi=None, eac=None, vac=None, milestones_missed_pct=None, budget_deviation_pct=None,
                       milestones=[], problems=(problem,))


async def project_reports(conn: AsyncConnection, ids: list[UUID], *, as_of: datetime
                          ) -> list[tuple[UUID, ProjectFact | None, EarnedValue]]:
    """Each project's earned value, its facts read in four statements for any number of projects; one whose
    figures cannot be computed is reported with its problem (an id no longer known is left out)."""
    facts = await reads.projects(conn, LIVE, ids)
    found = []
    for project_id in (i for i in ids if i in facts):
        try:
            found.append((project_id, facts[project_id], project_kpis(facts[project_id], as_of)))
        except COMPUTE_ERRORS as error:
            found.append((project_id, None, unavailable_project(Problem(
                f"could not be computed from the stored facts ({type(error).__name__})"), as_of=as_of)))
    return found
