"""Ownership as a domain rule: the project's sponsor decides, its project manager plans and executes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from continuum.contracts.service import ServiceRegisteredV1, ServiceStageChangedV1
from continuum.domain import NotAllowed

from project_svc.consumers import service_command
from project_svc.domain import commands as c
from project_svc.domain.entities import Actor, Authority
from project_svc.domain.ownership import DUTIES, Duty, authorize
from project_svc.handlers import HANDLERS
from tests.unit.project_svc.builders import AT, END, START, executing, proposed

FROM_OTHER_CONTEXTS = {c.ProposeFromOpportunity, c.RecordHandoverAcceptance, c.CancelForOpportunity, c.LearnService}


def test_every_command_on_an_existing_project_names_whose_it_is():
    on_a_project = set(HANDLERS) - FROM_OTHER_CONTEXTS - {c.ProposeProject}
    assert on_a_project == set(DUTIES)


def cost(actor: Actor, project_id) -> c.RecordActualCost:
    return c.RecordActualCost(project_id, Decimal(1), START, "labour", AT, actor=actor)


def test_only_the_projects_own_pm_records_costs_and_only_its_sponsor_holds_it():
    project, _ = executing()  # sponsor alice, project manager bob
    authorize(project, cost(Actor("bob"), project.id))
    with pytest.raises(NotAllowed) as refused:
        authorize(project, cost(Actor("pat"), project.id))
    assert refused.value.rule == Duty.plan_and_execute.value == "run-by-the-projects-manager"
    hold = c.PutOnHold(project.id, "review", AT, actor=Actor("bob"))
    with pytest.raises(NotAllowed) as refused:
        authorize(project, hold)
    assert refused.value.rule == "decided-by-the-projects-sponsor"


@pytest.mark.parametrize("authority", [Authority.admin, Authority.integration])
def test_admin_and_integration_act_on_any_project_and_say_so(authority):
    project, _ = executing()
    actor = Actor("root", authority)
    authorize(project, cost(actor, project.id))
    authorize(project, c.AssignTeam(project.id, c.Team("root", "root"), AT, actor=actor))
    assert actor.recorded_as == f"{authority.value}:root" and Actor("bob").recorded_as == "bob"


def test_the_team_changes_only_by_its_sponsor_who_may_hand_the_sponsorship_on():
    project, _ = executing()
    for who in ("mallory", "bob"):
        with pytest.raises(NotAllowed):
            authorize(project, c.AssignTeam(project.id, c.Team(who, "bob"), AT, actor=Actor(who)))
    authorize(project, c.AssignTeam(project.id, c.Team("zoe", "bob"), AT, actor=Actor("alice")))


def test_the_first_sponsor_is_whoever_approves_the_charter_naming_themselves():
    project = proposed()

    def charter(sponsor: str, by: str) -> c.ApproveCharter:
        return c.ApproveCharter(project.id, "g", "s", Decimal(10), START, END, c.Team(sponsor, "bob"), AT,
                                actor=Actor(by))

    authorize(project, charter("mallory", by="mallory"))
    with pytest.raises(NotAllowed):
        authorize(project, charter("alice", by="mallory"))
    authorize(project, c.CancelProject(project.id, "duplicate", AT, actor=Actor("anyone")))  # no sponsor yet


def test_service_events_teach_the_catalog_registrations_and_retirements_only():
    service_id, at = uuid4(), datetime(2026, 5, 1, tzinfo=UTC)
    registered = ServiceRegisteredV1(service_id=service_id, name="Gateway", description="d", stage="strategy")
    assert service_command(registered, at) == c.LearnService(service_id, "Gateway", retired=False, at=at)

    def moved(from_stage: str, to_stage: str) -> c.LearnService | None:
        return service_command(ServiceStageChangedV1(service_id=service_id, from_stage=from_stage,
                                                     to_stage=to_stage, reason="r"), at)

    assert moved("operation", "retired") == c.LearnService(service_id, None, retired=True, at=at)
    assert moved("retired", "operation") == c.LearnService(service_id, None, retired=False, at=at)
    assert moved("design", "transition") is None
