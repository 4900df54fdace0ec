"""Projects in a given state, built through their commands (the only way state changes)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

from project_svc.domain.entities import Origin
from project_svc.domain.events import TeamMember
from project_svc.domain.project import Project

AT = datetime(2026, 3, 1, 9, tzinfo=UTC)
START, END = date(2026, 3, 1), date(2026, 6, 30)
SERVICE = UUID("5f0c8b1e-3c5d-4a8e-9f57-1f4f7e6a2b10")


def proposed(targets: list[UUID] | None = None) -> Project:
    return Project.propose(uuid4(), title="Stabilise the gateway", problem_statement="outages",
                           business_case="lost sales", origin=Origin.manual, opportunity_id=None,
                           target_service_ids=[SERVICE] if targets is None else targets, at=AT)


def chartered(bac: str = "100", **kwargs) -> Project:
    project = proposed(**kwargs)
    project.approve_charter(goal="fewer outages", scope_statement="failover", budget_at_completion=Decimal(bac),
                            planned_start=START, planned_end=END, sponsor="alice", project_manager="bob",
                            members=[TeamMember(name="carol", role="engineer")], at=AT)
    return project


def planning(**kwargs) -> Project:
    project = chartered(**kwargs)
    project.start_planning(at=AT)
    return project


def with_milestones(values: tuple[str, ...] = ("40", "60"), dates=(date(2026, 4, 1), date(2026, 6, 1)),
                    **kwargs) -> tuple[Project, list[UUID]]:
    project = planning(**kwargs)
    ids = []
    for index, (value, when) in enumerate(zip(values, dates, strict=True)):
        ids.append(uuid4())
        project.add_milestone(ids[-1], name=f"m{index}", planned_date=when, planned_value=Decimal(value), at=AT)
    return project, ids


def executing(**kwargs) -> tuple[Project, list[UUID]]:
    project, ids = with_milestones(**kwargs)
    project.baseline(at=AT)
    return project, ids


def closing(**kwargs) -> Project:
    project, ids = executing(**kwargs)
    done = datetime(2026, 6, 2, tzinfo=UTC)
    for milestone_id in ids:
        project.complete_milestone(milestone_id, actual_date=date(2026, 5, 30), at=done)
    project.enter_closing(at=done)
    return project
