"""The projects' success scorecards (domain.success decides them) read from the facts as of a moment, and who
may read one (Reader: the project's sponsor or project manager, or admin)."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.domain import NotAllowed, NotFound

from metrics_svc.domain.benefits import BenefitsSettings
from metrics_svc.domain.scorecard import HORIZON_DAYS, ProjectRecord, Scorecard
from metrics_svc.domain.success import scorecard
from metrics_svc.domain.windows import COMPUTE_ERRORS
from metrics_svc.projection import reads
from metrics_svc.projection.tables import LIVE, FactTables
from metrics_svc.success.delivered import _delivered
from metrics_svc.success.records import _records, _verdicts

log = logging.getLogger("metrics_svc.success")  # the name it had before the split


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
