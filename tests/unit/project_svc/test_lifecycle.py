"""Every state rule of the Project aggregate: a command in the wrong state breaks a named rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from continuum.domain import DomainError, NotFound

from project_svc.domain import events as ev
from project_svc.domain.entities import Origin, State
from project_svc.domain.project import Project
from tests.unit.project_svc.builders import (
    AT, END, SERVICE, START, chartered, closing, executing, planning, proposed, with_milestones,
)


def rule_of(action) -> str:
    with pytest.raises(DomainError) as error:
        action()
    return error.value.rule


def recorded(project: Project) -> list[str]:
    return [p.event.event_type() for p in project.pending]


def test_a_proposal_records_its_origin_and_targets():
    project = proposed()
    assert project.state is State.proposed and project.target_service_ids == [SERVICE]
    assert recorded(project) == ["ProjectProposed"]


def test_an_opportunity_id_goes_with_the_opportunity_origin_only():
    def propose(origin, opportunity_id):
        return lambda: Project.propose(uuid4(), title="t", problem_statement="", business_case="", origin=origin,
                                       opportunity_id=opportunity_id, target_service_ids=[], at=AT)

    assert rule_of(propose(Origin.manual, uuid4())) == "opportunity-id-matches-origin"
    assert rule_of(propose(Origin.improvement_opportunity, None)) == "opportunity-id-matches-origin"
    assert rule_of(lambda: Project.propose(uuid4(), title=" ", problem_statement="", business_case="",
                                           origin=Origin.manual, opportunity_id=None, target_service_ids=[],
                                           at=AT)) == "title-required"


def test_nothing_but_charter_or_cancel_before_authorization():
    project = proposed()
    assert rule_of(lambda: project.start_planning(at=AT)) == "start-planning-requires-chartered"
    assert rule_of(lambda: project.identify_risk(uuid4(), title="r", probability=1, impact=1, owner="o",
                                                 mitigation="", at=AT)) == "identify-risk-requires-planning-or-executing"
    assert rule_of(lambda: project.assign_team(sponsor="a", project_manager="b", members=[], at=AT)).startswith(
        "assign-team-requires-")
    assert rule_of(lambda: project.baseline(at=AT)) == "baseline-requires-planning"
    assert rule_of(lambda: project.enter_closing(at=AT)) == "enter-closing-requires-executing"
    assert rule_of(lambda: project.close(at=AT)) == "close-requires-closing"


def test_the_charter_names_the_team_and_authorizes():
    project = chartered()
    assert project.state is State.chartered and project.budget_at_completion == Decimal(100)
    assert project.team.sponsor == "alice" and project.team.project_manager == "bob"
    assert recorded(project)[-2:] == ["CharterApproved", "TeamAssigned"]
    assert rule_of(lambda: chartered().approve_charter(
        goal="g", scope_statement="", budget_at_completion=Decimal(1), planned_start=START, planned_end=END,
        sponsor="a", project_manager="b", members=[], at=AT)) == "approve-charter-requires-proposed"


@pytest.mark.parametrize(("bac", "start", "end", "rule"), [
    ("0", START, END, "budget-positive"),
    ("-5", START, END, "budget-positive"),
    ("10", END, START, "planned-end-not-before-start"),
])
def test_a_charter_needs_a_budget_and_dates_in_order(bac, start, end, rule):
    project = proposed()
    assert rule_of(lambda: project.approve_charter(
        goal="g", scope_statement="", budget_at_completion=Decimal(bac), planned_start=start, planned_end=end,
        sponsor="a", project_manager="b", members=[], at=AT)) == rule
    assert project.state is State.proposed and len(project.pending) == 1


def test_milestones_lie_within_the_charter_and_are_not_negative():
    project = planning()
    add = project.add_milestone
    assert rule_of(lambda: add(uuid4(), name="m", planned_date=END + timedelta(days=1), planned_value=Decimal(1),
                               at=AT)) == "milestone-date-within-schedule"
    assert rule_of(lambda: add(uuid4(), name="m", planned_date=END, planned_value=Decimal(-1),
                               at=AT)) == "planned-value-not-negative"
    assert rule_of(lambda: chartered().add_milestone(uuid4(), name="m", planned_date=END, planned_value=Decimal(1),
                                                     at=AT)) == "add-milestone-requires-planning"


def test_a_baseline_needs_milestones_summing_to_bac_and_starts_execution():
    assert rule_of(lambda: planning().baseline(at=AT)) == "baseline-needs-milestones"
    short, _ = with_milestones(values=("40", "50"))
    assert rule_of(lambda: short.baseline(at=AT)) == "planned-values-sum-to-bac"
    project, ids = executing()
    assert project.state is State.executing and project.baselines == 1
    assert recorded(project)[-2:] == ["PlanBaselined", "ExecutionStarted"]
    assert rule_of(lambda: project.add_milestone(uuid4(), name="late", planned_date=END, planned_value=Decimal(0),
                                                 at=AT)) == "add-milestone-requires-planning"


def test_risks_score_probability_times_impact_and_close():
    project = planning()
    risk_id = uuid4()
    project.identify_risk(risk_id, title="vendor", probability=3, impact=4, owner="bob", mitigation="", at=AT)
    assert project.risks[risk_id].score == 12
    assert rule_of(lambda: project.identify_risk(uuid4(), title="x", probability=6, impact=1, owner="o",
                                                 mitigation="", at=AT)) == "risk-scale-1-to-5"
    from project_svc.domain.entities import RiskStatus
    project.reassess_risk(risk_id, probability=1, impact=4, mitigation="second vendor", status=RiskStatus.closed,
                          at=AT)
    assert project.risks[risk_id].score == 4 and project.risks[risk_id].status is RiskStatus.closed
    assert rule_of(lambda: project.reassess_risk(risk_id, probability=1, impact=1, mitigation="",
                                                 status=RiskStatus.open, at=AT)) == "risk-closed"
    with pytest.raises(NotFound):
        project.reassess_risk(uuid4(), probability=1, impact=1, mitigation="", status=RiskStatus.open, at=AT)


def test_progress_and_completion_of_milestones():
    project, (first, second) = executing()
    project.record_progress(first, percent_complete=Decimal(50), at=AT)
    assert project.milestones[first].percent_complete == 50
    assert rule_of(lambda: project.record_progress(first, percent_complete=Decimal(101), at=AT)) == \
        "percent-complete-0-to-100"
    assert rule_of(lambda: project.complete_milestone(first, actual_date=AT.date() + timedelta(days=1), at=AT)) == \
        "actual-date-not-in-future"
    assert rule_of(lambda: project.complete_milestone(first, actual_date=START - timedelta(days=1), at=AT)) == \
        "actual-date-not-before-start"
    project.complete_milestone(first, actual_date=AT.date(), at=AT)
    assert project.milestones[first].percent_complete == 100
    assert rule_of(lambda: project.record_progress(first, percent_complete=Decimal(1), at=AT)) == \
        "milestone-already-completed"
    with pytest.raises(NotFound):
        project.record_progress(uuid4(), percent_complete=Decimal(1), at=AT)


def test_actual_costs_are_positive_and_not_in_the_future():
    project, _ = executing()
    project.record_cost(amount=Decimal("10.5"), incurred_on=AT.date(), category="labour", at=AT)
    assert project.costs[0].amount == Decimal("10.5")
    assert rule_of(lambda: project.record_cost(amount=Decimal(0), incurred_on=AT.date(), category="x",
                                               at=AT)) == "cost-positive"
    assert rule_of(lambda: project.record_cost(amount=Decimal(1), incurred_on=AT.date() + timedelta(days=1),
                                               category="x", at=AT)) == "cost-date-not-in-future"


def test_on_hold_stops_execution_until_resumed():
    project, (first, _) = executing()
    assert rule_of(lambda: project.resume(at=AT)) == "project-not-on-hold"
    project.put_on_hold(reason="vendor contract", at=AT)
    assert project.on_hold
    assert rule_of(lambda: project.put_on_hold(reason="again", at=AT)) == "project-on-hold"
    assert rule_of(lambda: project.record_progress(first, percent_complete=Decimal(5), at=AT)) == "project-on-hold"
    assert rule_of(lambda: project.enter_closing(at=AT)) == "project-on-hold"
    project.resume(at=AT)
    project.record_progress(first, percent_complete=Decimal(5), at=AT)
    assert rule_of(lambda: planning().put_on_hold(reason="x", at=AT)) == "put-on-hold-requires-executing"


def test_closing_needs_every_milestone_done_or_descoped():
    project, (first, _) = executing()
    project.complete_milestone(first, actual_date=AT.date(), at=AT)
    assert rule_of(lambda: project.enter_closing(at=AT)) == "milestones-completed-or-descoped"
    project = closing()
    assert project.state is State.closing
    assert recorded(project)[-1] == "ProjectClosingStarted"
    assert project.pending[-1].event.target_service_ids == [SERVICE]


def test_close_waits_for_acceptance_and_every_handover():
    other = uuid4()
    project = closing(targets=[SERVICE, other])
    now = datetime(2026, 6, 20, tzinfo=UTC)
    assert rule_of(lambda: project.close(at=now)) == "sponsor-acceptance-required"
    project.accept(by="alice", at=now)
    assert rule_of(lambda: project.accept(by="alice", at=now)) == "project-not-yet-accepted"
    assert rule_of(lambda: project.close(at=now)) == "handovers-accepted"
    project.record_handover_acceptance(handover_id=uuid4(), service_id=SERVICE, accepted_by="sam", accepted_at=now,
                                       at=now)
    project.record_handover_acceptance(handover_id=uuid4(), service_id=SERVICE, accepted_by="sam", accepted_at=now,
                                       at=now)  # the same fact again: nothing new
    project.record_handover_acceptance(handover_id=uuid4(), service_id=uuid4(), accepted_by="x", accepted_at=now,
                                       at=now)  # not a target service: ignored
    assert recorded(project).count("HandoverAcceptanceRecorded") == 1
    assert rule_of(lambda: project.close(at=now)) == "handovers-accepted"
    project.record_handover_acceptance(handover_id=uuid4(), service_id=other, accepted_by="sam", accepted_at=now,
                                       at=now)
    project.close(at=now)
    assert project.state is State.closed and project.closed_on == now.date()
    assert recorded(project)[-3:] == ["ProjectSuccessEvaluated", "ProjectClosed", "TeamDisbanded"]
    assert project.team.disbanded


def test_success_evaluation_holds_the_triple_constraint():
    project = closing(bac="100")
    project.accept(by="alice", at=AT)
    project.record_handover_acceptance(handover_id=uuid4(), service_id=SERVICE, accepted_by="s", accepted_at=AT,
                                       at=AT)
    late = datetime.combine(END + timedelta(days=3), datetime.min.time(), UTC)
    project.close(at=late)
    success = project.success
    assert success.scope_delivered and success.within_budget and not success.on_time
    assert success.schedule_slip_days == 3 and success.milestones_completed == 2
    assert success.actual_cost == 0 and success.earned_value == 100 and success.cost_performance_index is None


def test_a_project_without_target_services_closes_after_acceptance():
    project = closing(targets=[])
    project.accept(by="alice", at=AT)
    project.close(at=AT)
    assert project.state is State.closed


@pytest.mark.parametrize("build", [proposed, chartered, planning, lambda: executing()[0], closing])
def test_cancel_from_any_open_state_with_a_reason(build):
    project = build()
    assert rule_of(lambda: project.cancel(reason="  ", at=AT)) == "reason-required"
    project.cancel(reason="no longer needed", at=AT)
    assert project.state is State.cancelled and project.cancel_reason == "no longer needed"
    assert rule_of(lambda: project.cancel(reason="again", at=AT)).startswith("cancel-requires-")
    assert rule_of(lambda: project.start_planning(at=AT)) == "start-planning-requires-chartered"


def test_handover_facts_are_ignored_once_the_project_is_over():
    project = proposed()
    project.cancel(reason="x", at=AT)
    project.record_handover_acceptance(handover_id=uuid4(), service_id=SERVICE, accepted_by="s", accepted_at=AT,
                                       at=AT)
    assert "HandoverAcceptanceRecorded" not in recorded(project)


def test_folding_the_recorded_events_gives_the_same_state():
    project = closing()
    replayed = Project(project.id)
    for version, pending in enumerate(project.pending, start=1):
        replayed.replay(pending.event, version=version)
    assert replayed.summary() == project.summary()
    assert replayed.milestones == project.milestones and replayed.state is State.closing
    assert isinstance(project.pending[0].event, ev.ProjectProposed)
