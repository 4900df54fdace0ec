"""Every event project-svc records is a published contract, and reads back through it as its consumers read it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

from continuum.contracts import project as contracts

from project_svc.domain.entities import ChangeRequest, RiskStatus
from project_svc.domain.events import EVENT_TYPES, PlannedMilestone
from tests.support.contracts import assert_read_back_as_consumers_read_them
from tests.unit.project_svc.builders import AT, SERVICE, START, executing


def test_the_domain_records_exactly_the_published_contracts():
    assert set(contracts.PUBLISHED) == set(EVENT_TYPES)


def every_kind_of_event():
    """A project through every step that records an event, and a second one cancelled."""
    project, (first, second) = executing()
    project.identify_risk(uuid4(), title="vendor late", probability=2, impact=4, owner="bob", mitigation="escalate",
                          at=AT)
    project.reassess_risk(next(iter(project.risks)), probability=1, impact=4, mitigation="signed",
                          status=RiskStatus.mitigated,
                          at=AT)
    project.record_progress(first, percent_complete=Decimal(50), at=AT)
    project.record_cost(amount=Decimal("12.50"), incurred_on=START, category="labour", at=AT)
    project.put_on_hold(reason="budget review", at=AT)
    project.resume(at=AT)
    added = PlannedMilestone(milestone_id=uuid4(), name="m2", planned_date=date(2026, 6, 15), planned_value=Decimal(60))
    for change in (ChangeRequest(uuid4(), "regulator", "second site", 0, Decimal(0), [second], [added]),
                   ChangeRequest(uuid4(), "wish", "more", 5, Decimal(0), [], [])):
        project.raise_change_request(change, at=AT)
    project.approve_change_request(next(iter(project.change_requests)), by="alice", at=AT)
    project.reject_change_request(list(project.change_requests)[1], by="alice", reason="no budget", at=AT)
    for milestone_id in (first, added.milestone_id):
        project.complete_milestone(milestone_id, actual_date=START, at=AT)
    project.enter_closing(at=AT)
    project.record_handover_acceptance(handover_id=uuid4(), service_id=SERVICE, accepted_by="owner", accepted_at=AT,
                                       at=AT)
    project.accept(by="alice", at=AT)
    project.close(at=AT)
    cancelled, _ = executing()
    cancelled.cancel(reason="no longer needed", at=AT)
    return [p.event for recorded in (project, cancelled) for p in recorded.pending]


def test_every_recorded_event_passes_the_validation_its_consumers_apply():
    assert_read_back_as_consumers_read_them(EVENT_TYPES, every_kind_of_event())
