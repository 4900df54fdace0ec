"""Service rules: demand case, lifecycle stages, handover into operation, owner, SLA, cost, improvements."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from continuum.domain import DomainError, NotAllowed

from service_svc.domain import events as ev
from service_svc.domain.service import Service, Sla

AT = datetime(2026, 3, 1, 9, tzinfo=UTC)
TARGETS = {p: ev.SlaTarget(response_minutes=15 * n, resolution_minutes=240 * n) for n, p in enumerate(("P1", "P2", "P3",
                                                                                                       "P4"), start=1)}


def registered() -> Service:
    service = Service.register(name="Payroll", description="runs", owner=None, demanded_by="HR",
                               expected_volume="3000 payslips a month", by=None, at=AT)
    service.pending.clear()
    return service


def broken_rule(action) -> str:
    with pytest.raises(DomainError) as error:
        action()
    return error.value.rule


def test_a_new_service_is_in_strategy_with_its_demand_case():
    service = registered()
    assert (service.stage, service.demanded_by) == ("strategy", "HR")
    assert broken_rule(lambda: Service.register(name="x", description="", owner=None, demanded_by=" ",
                                                expected_volume="1", by=None, at=AT)) == "demand-case-stated"


def test_stages_move_forward_one_at_a_time_and_operation_needs_a_handover():
    service = registered()
    assert broken_rule(lambda: service.change_stage("transition", "skip", by_admin=False, at=AT)) == "stage-order"
    service.change_stage("design", "approved", by_admin=False, at=AT)
    service.change_stage("transition", "built", by_admin=False, at=AT)
    assert broken_rule(lambda: service.change_stage("operation", "go", by_admin=False, at=AT)) == \
        "operation-needs-handover"
    assert broken_rule(lambda: service.change_stage("operation", " ", by_admin=True, at=AT)) == \
        "operation-needs-handover"
    service.change_stage("operation", "emergency go-live", by_admin=True, at=AT)
    service.change_stage("retired", "replaced", by_admin=False, at=AT)
    assert broken_rule(lambda: service.assign_owner("bob", by=None, at=AT)) == "service-not-retired"
    assert broken_rule(lambda: service.change_stage("design", "again", by_admin=True, at=AT)) == "service-not-retired"


def test_an_accepted_handover_enters_operation_once():
    service = registered()
    handover = uuid4()
    service.accept_handover(handover, at=AT)
    service.accept_handover(handover, at=AT)
    service.accept_handover(uuid4(), at=AT)
    events = [pending.event for pending in service.pending]
    assert len(events) == 1 and events[0].handover_id == handover and events[0].to_stage == "operation"
    assert service.stage == "operation"


def test_owner_is_assigned_and_a_same_owner_changes_nothing():
    service = registered()
    service.assign_owner("alice", by=None, at=AT)
    assert service.owner == "alice"
    assert broken_rule(lambda: service.assign_owner("alice", by=None, at=AT)) == "owner-changes"


def test_an_sla_covers_every_priority_with_response_within_resolution():
    service = registered()
    partial = Sla(Decimal("99.9"), {"P1": ev.SlaTarget(response_minutes=15, resolution_minutes=60)}, Decimal(85))
    assert broken_rule(lambda: service.define_sla(partial, at=AT)) == "sla-covers-every-priority"
    inverted = Sla(Decimal("99.9"), {**TARGETS, "P2": ev.SlaTarget(response_minutes=500, resolution_minutes=60)},
                   Decimal(85))
    assert broken_rule(lambda: service.define_sla(inverted, at=AT)) == "response-within-resolution"
    assert broken_rule(lambda: service.withdraw_sla("none", at=AT)) == "sla-defined"
    service.define_sla(Sla(Decimal("99.9"), TARGETS, Decimal(85)), at=AT)
    assert service.sla.target_for("P2") == ev.SlaTarget(response_minutes=30, resolution_minutes=480)
    service.withdraw_sla("renegotiating", at=AT)
    assert service.sla is None


def test_operating_costs_add_up_and_must_be_positive():
    service = registered()
    service.record_operating_cost(Decimal("10.50"), incurred_on=AT, category="hosting", at=AT)
    service.record_operating_cost(Decimal("4.50"), incurred_on=AT, category="licences", at=AT)
    assert service.operating_cost == Decimal(15)
    assert broken_rule(lambda: service.record_operating_cost(Decimal(0), incurred_on=AT, category="x", at=AT)) == \
        "cost-positive"


def test_improvements_go_from_planned_to_implemented_once():
    service = registered()
    project = uuid4()
    item = service.plan_improvement("automate", None, at=AT)
    service.implement_improvement(item, project, at=AT)
    assert service.improvements[item].status == "implemented" and service.improvements[item].project_id == project
    assert broken_rule(lambda: service.implement_improvement(item, None, at=AT)) == "improvement-implemented-once"
    assert broken_rule(lambda: service.implement_improvement(uuid4(), None, at=AT)) == "improvement-known"


def refused_to(action) -> str:
    with pytest.raises(NotAllowed) as error:
        action()
    return error.value.rule


def test_a_service_with_no_owner_is_claimed_by_a_service_owner_for_themselves():
    service = registered()
    assert refused_to(lambda: service.assign_owner("bob", by="alice", at=AT)) == "unowned-service-claimed-for-oneself"
    assert refused_to(lambda: service.require_owner("alice")) == "decided-by-the-services-owner"
    service.assign_owner("alice", by="alice", at=AT)
    service.require_owner("alice")
    assert refused_to(lambda: Service.register(name="x", description="", owner="bob", demanded_by="HR",
                                               expected_volume="1", by="alice", at=AT)) == \
        "unowned-service-claimed-for-oneself"


def test_only_the_owner_hands_the_service_on_and_admin_or_integration_act_for_anyone():
    service = registered()
    service.assign_owner("alice", by="alice", at=AT)
    assert refused_to(lambda: service.assign_owner("mallory", by="mallory", at=AT)) == \
        "decided-by-the-services-owner"
    assert refused_to(lambda: service.require_owner("mallory")) == "decided-by-the-services-owner"
    service.assign_owner("bob", by="alice", at=AT)
    service.require_owner(None)  # admin or integration
    service.assign_owner("carol", by=None, at=AT)
    assert service.owner == "carol"
