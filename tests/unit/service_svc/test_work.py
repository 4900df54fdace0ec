"""Problem, Change and ServiceRequest rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from continuum.domain import DomainError

from service_svc.domain.change import Change
from service_svc.domain.problem import Problem
from service_svc.domain.service_request import ServiceRequest

AT = datetime(2026, 3, 1, 9, tzinfo=UTC)


def broken_rule(action) -> str:
    with pytest.raises(DomainError) as error:
        action()
    return error.value.rule


def test_a_problem_links_incidents_once_and_resolves_after_its_root_cause():
    first, second = uuid4(), uuid4()
    assert broken_rule(lambda: Problem.open(service_id=uuid4(), title="t", incident_ids=[], at=AT)) == \
        "problem-from-incidents"
    problem = Problem.open(service_id=uuid4(), title="relay", incident_ids=[first], at=AT)
    problem.link_incident(second, at=AT)
    assert broken_rule(lambda: problem.link_incident(first, at=AT)) == "incident-linked-once"
    assert broken_rule(lambda: problem.resolve("x", resolve_incidents=True, at=AT)) == "root-cause-before-resolution"
    problem.record_root_cause("pool too small", at=AT)
    problem.record_known_error("restart the relay", at=AT)
    assert problem.status == "known_error"
    problem.resolve("resized", resolve_incidents=True, at=AT)
    assert problem.status == "resolved" and problem.incident_ids == [first, second]
    assert broken_rule(lambda: problem.link_incident(uuid4(), at=AT)) == "problem-unresolved"


def change(kind: str = "normal") -> Change:
    return Change.request(service_id=uuid4(), kind=kind, title="resize", risk="medium", planned_start=AT,
                          planned_end=AT + timedelta(hours=2), at=AT)


def test_a_change_needs_a_sane_window_and_approval_before_implementation():
    assert broken_rule(lambda: Change.request(service_id=uuid4(), kind="normal", title="t", risk="low",
                                              planned_start=AT, planned_end=AT, at=AT)) == "planned-window-in-order"
    assert broken_rule(lambda: change(kind="whimsical")) == "change-kind-known"
    normal = change()
    assert broken_rule(lambda: normal.implement("successful", at=AT)) == "change-approved-before-implementation"
    normal.approve("alice", at=AT)
    assert broken_rule(lambda: normal.reject("alice", "late", at=AT)) == "decide-requested-change"
    normal.implement("failed", at=AT)
    assert (normal.status, normal.outcome) == ("implemented", "failed")


def test_a_rejected_change_is_never_implemented_and_a_standard_one_needs_no_approval():
    rejected = change()
    rejected.reject("alice", "no rollback plan", at=AT)
    assert broken_rule(lambda: rejected.implement("successful", at=AT)) == "change-approved-before-implementation"
    standard = change(kind="standard")
    standard.implement("successful", at=AT)
    assert standard.outcome == "successful"


def test_a_request_is_fulfilled_with_its_fulfilment_time_or_cancelled():
    request = ServiceRequest.submit(service_id=uuid4(), title="account", requested_by="carol", at=AT)
    assert broken_rule(lambda: request.fulfil(at=AT - timedelta(minutes=1))) == "time-in-order"
    request.fulfil(at=AT + timedelta(minutes=150))
    assert request.fulfilment_minutes == Decimal("150.00")
    assert broken_rule(lambda: request.cancel("late", at=AT + timedelta(days=1))) == "cancel-submitted-request"
    cancelled = ServiceRequest.submit(service_id=uuid4(), title="account", requested_by="carol", at=AT)
    cancelled.cancel("duplicate", at=AT)
    assert broken_rule(lambda: cancelled.fulfil(at=AT)) == "fulfil-submitted-request"
