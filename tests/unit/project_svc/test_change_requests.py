"""Change requests: scope, schedule and budget deltas; approval re-baselines, rejection changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from continuum.domain import DomainError, NotFound

from project_svc.domain.entities import ChangeRequest, Decision, State
from project_svc.domain.events import PlanBaselined, PlannedMilestone
from tests.unit.project_svc.builders import AT, END, executing


def change(*, budget="0", days=0, descope=(), add=()) -> ChangeRequest:
    return ChangeRequest(uuid4(), "regulator", "second site", days, Decimal(budget), list(descope), list(add))


def rule_of(action) -> str:
    with pytest.raises(DomainError) as error:
        action()
    return error.value.rule


def test_approval_descopes_adds_and_rebaselines():
    project, (first, second) = executing()
    added = PlannedMilestone(milestone_id=uuid4(), name="second site", planned_date=END + timedelta(days=20),
                             planned_value=Decimal(80))
    request = change(budget="20", days=30, descope=[second], add=[added])
    project.raise_change_request(request, at=AT)
    assert project.change_requests[request.id].decision is Decision.pending
    project.approve_change_request(request.id, by="alice", at=AT)
    assert project.milestones[second].descoped and added.milestone_id in project.milestones
    assert project.budget_at_completion == Decimal(120) and project.planned_end == END + timedelta(days=30)
    baseline = project.pending[-1].event
    assert isinstance(baseline, PlanBaselined) and project.baselines == 2
    assert {m.milestone_id for m in baseline.milestones} == {first, added.milestone_id}
    assert rule_of(lambda: project.approve_change_request(request.id, by="alice", at=AT)) == "change-request-pending"


def test_a_change_must_keep_planned_values_summing_to_the_new_budget():
    project, (_, second) = executing()
    assert rule_of(lambda: project.raise_change_request(change(budget="10"), at=AT)) == "planned-values-sum-to-bac"
    assert rule_of(lambda: project.raise_change_request(change(descope=[second]), at=AT)) == \
        "planned-values-sum-to-bac"
    project.raise_change_request(change(budget="-60", descope=[second]), at=AT)


def test_a_change_cannot_descope_what_is_done_or_unknown_nor_end_before_start():
    project, (first, _) = executing()
    project.complete_milestone(first, actual_date=AT.date(), at=AT)
    assert rule_of(lambda: project.raise_change_request(change(budget="-40", descope=[first]), at=AT)) == \
        "descoped-milestone-open"
    with pytest.raises(NotFound):
        project.raise_change_request(change(descope=[uuid4()]), at=AT)
    assert rule_of(lambda: project.raise_change_request(change(days=-1000), at=AT)) == \
        "planned-end-not-before-start"


def test_rejection_keeps_the_plan_and_pending_requests_block_closing():
    project, (first, second) = executing()
    request = change(budget="-60", descope=[second])
    project.raise_change_request(request, at=AT)
    project.complete_milestone(first, actual_date=AT.date(), at=AT)
    project.complete_milestone(second, actual_date=AT.date(), at=AT)
    assert rule_of(lambda: project.enter_closing(at=AT)) == "no-pending-change-requests"
    assert rule_of(lambda: project.reject_change_request(request.id, by="alice", reason=" ", at=AT)) == \
        "reason-required"
    project.reject_change_request(request.id, by="alice", reason="too late", at=AT)
    assert project.budget_at_completion == Decimal(100) and not project.milestones[second].descoped
    project.enter_closing(at=AT)
    assert project.state is State.closing


def test_an_approval_rechecks_the_change_against_the_current_plan():
    project, (first, second) = executing()
    request = change(budget="-60", descope=[second])
    project.raise_change_request(request, at=AT)
    project.complete_milestone(second, actual_date=AT.date(), at=AT)
    assert rule_of(lambda: project.approve_change_request(request.id, by="alice", at=AT)) == "descoped-milestone-open"
    with pytest.raises(NotFound):
        project.approve_change_request(uuid4(), by="alice", at=AT)


def test_descoped_milestones_count_as_done_for_closing():
    project, (first, second) = executing()
    request = change(budget="-60", descope=[second])
    project.raise_change_request(request, at=AT)
    project.approve_change_request(request.id, by="alice", at=AT)
    project.complete_milestone(first, actual_date=date(2026, 3, 1), at=AT)
    project.enter_closing(at=AT)
    project.accept(by="alice", at=AT)
    project.record_handover_acceptance(handover_id=uuid4(), service_id=project.target_service_ids[0],
                                       accepted_by="s", accepted_at=AT, at=AT)
    project.close(at=AT)
    assert not project.success.scope_delivered and project.success.milestones_descoped == 1


def test_a_schedule_delta_leaving_the_calendar_is_a_rule_not_a_crash():
    project, _ = executing()
    assert rule_of(lambda: project.raise_change_request(change(days=10**7), at=AT)) == "planned-end-in-calendar"
