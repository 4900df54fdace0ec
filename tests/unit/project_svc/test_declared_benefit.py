"""A charter may declare the benefit the project is for (a KPI and its target): recorded on CharterApproved, both or
neither, and kept on the project."""

from __future__ import annotations

from decimal import Decimal

from continuum.contracts import catalog
from continuum.contracts import project as contracts
from continuum.eventstore.codec import EventCodec

from project_svc.domain.events import EVENT_TYPES
from tests.unit.project_svc.builders import AT, END, START, proposed
from tests.unit.project_svc.test_lifecycle import rule_of

CHARTER = {"goal": "g", "scope_statement": "", "budget_at_completion": Decimal(10), "planned_start": START,
           "planned_end": END, "sponsor": "alice", "project_manager": "bob", "members": [], "at": AT}


def test_a_declared_benefit_travels_on_charter_approved_and_stays_on_the_project():
    project = proposed()
    project.approve_charter(**CHARTER, benefit_kpi="availability_pct", benefit_target=Decimal("99.9"))
    event = project.pending[1].event
    payload = catalog.parse(contracts.CharterApprovedV1, EventCodec(EVENT_TYPES).encode(event))
    assert (payload.benefit_kpi, payload.benefit_target) == ("availability_pct", Decimal("99.9"))
    assert (project.benefit_kpi, project.benefit_target) == ("availability_pct", Decimal("99.9"))


def test_a_charter_without_a_benefit_declares_none_and_half_a_benefit_is_refused():
    project = proposed()
    assert rule_of(lambda: project.approve_charter(**CHARTER, benefit_kpi="csat_pct")) == \
        "declared-benefit-names-kpi-and-target"
    project.approve_charter(**CHARTER)
    assert project.benefit_kpi is None and project.pending[1].event.benefit_kpi is None
