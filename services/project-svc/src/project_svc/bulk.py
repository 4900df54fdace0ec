"""Bulk import of projects and their costs (docs/bulk-import.md): how an imported line proposes or moves a
Project; continuum.importers.batch groups, orders, batches and answers the lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from continuum.domain import NotAllowed
from continuum.eventstore.uow import UnitOfWork
from continuum.importers.batch import ImportRun, Line, run_import
from continuum.importers.ndjson import LineResult

from project_svc import service_catalog
from project_svc.domain.entities import Origin
from project_svc.domain.events import TeamMember
from project_svc.domain.project import Project
from project_svc.handlers import unknown_targets_problem

SCOPE = "project"
MILESTONES = uuid5(NAMESPACE_URL, "urn:continuum:project:imported-milestone")
IMPORTED_BY_THE_TEAM = "imported-by-the-projects-sponsor-or-manager"


def milestone_id(project_id: UUID, milestone: str) -> UUID:
    """The imported milestone's id: the same external milestone key names the same milestone on every run."""
    return uuid5(MILESTONES, f"{project_id}:{milestone}")


@dataclass(frozen=True)
class ProjectImporter:
    """`importer`: the caller's subject, who must be the project's sponsor or project manager (None: admin)."""

    importer: str | None
    aggregate: type = Project
    creates: frozenset[str] = frozenset({"propose"})

    async def begin(self, uow: UnitOfWork) -> UnitOfWork:
        return uow

    async def create(self, body: Any, uow: UnitOfWork) -> Project:
        unusable = await service_catalog.unusable_services(uow.connection, body.target_service_ids)
        if unusable:
            raise unknown_targets_problem(unusable)  # the 422 of POST /projects, field by field
        return Project.propose(uuid4(), title=body.title, problem_statement=body.problem_statement,
                               business_case=body.business_case, origin=Origin.manual, opportunity_id=None,
                               target_service_ids=body.target_service_ids, at=body.occurred_at)

    async def apply(self, project: Project, body: Any, uow: UnitOfWork) -> None:
        at = body.occurred_at
        match body.command:
            case "approve-charter":
                self._require_named(body.sponsor, body.project_manager, project)
                project.approve_charter(goal=body.goal, scope_statement=body.scope_statement,
                                        budget_at_completion=body.budget_at_completion,
                                        planned_start=body.planned_start, planned_end=body.planned_end,
                                        sponsor=body.sponsor, project_manager=body.project_manager,
                                        members=[TeamMember(name=m.name, role=m.role) for m in body.members], at=at)
                return
        self._require_named(project.team.sponsor, project.team.project_manager, project)
        match body.command:
            case "start-planning":
                project.start_planning(at=at)
            case "add-milestone":
                project.add_milestone(milestone_id(project.id, body.milestone), name=body.name,
                                      planned_date=body.planned_date, planned_value=body.planned_value, at=at)
            case "baseline":
                project.baseline(at=at)
            case "record-progress":
                project.record_progress(milestone_id(project.id, body.milestone),
                                        percent_complete=body.percent_complete, at=at)
            case "complete-milestone":
                project.complete_milestone(milestone_id(project.id, body.milestone), actual_date=body.actual_date,
                                           at=at)
            case "record-cost":
                project.record_cost(amount=body.amount, incurred_on=body.incurred_on, category=body.category, at=at)
            case other:
                raise AssertionError(f"no project command {other}")  # the line models list every command

    def _require_named(self, sponsor: str, project_manager: str, project: Project) -> None:
        """An integration imports only projects it is the sponsor or project manager of (admin: any)."""
        if self.importer is not None and self.importer not in (sponsor, project_manager):
            raise NotAllowed(IMPORTED_BY_THE_TEAM, f"{self.importer!r} is neither the sponsor ({sponsor or 'none'!r})"
                                                   f" nor the project manager of project {project.id}")


async def import_projects(platform: Any, lines: list[Line], *, importer: str | None,
                          dry_run: bool = False) -> list[LineResult]:
    """Apply project lines (or only say what would happen): one result per line."""
    run = ImportRun(engine=platform.engine, store=platform.store, scope=SCOPE, dry_run=dry_run)
    return await run_import(run, ProjectImporter(importer), lines)
