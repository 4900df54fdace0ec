"""Every domain event of service-svc, encoded by its codec, is exactly the published contract of its type."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from continuum.contracts import catalog
from continuum.contracts import service as contracts
from continuum.eventstore.codec import EventCodec

from service_svc.domain import events as ev

AT = datetime(2026, 3, 1, 9, tzinfo=UTC)
S, I, X = uuid4(), uuid4(), uuid4()
HOURS = ev.CalendarHours(revision=2, effective_from=AT, time_zone="Europe/Berlin",
                         week={"monday": [ev.WorkingInterval(start="08:00", end="12:00"),
                                          ev.WorkingInterval(start="13:00", end="24:00")], "sunday": []},
                         holidays=[ev.Holiday(first_day=date(2026, 12, 24), last_day=date(2026, 12, 26),
                                              name="Christmas")])
SAMPLES = [
    ev.ServiceRegistered(service_id=S, name="Payroll", description="runs", owner="alice", stage="strategy",
                         demanded_by="HR", expected_volume="3000/month"),
    ev.ServiceOwnerAssigned(service_id=S, owner="bob"),
    ev.ServiceStageChanged(service_id=S, from_stage="transition", to_stage="operation", reason="handover accepted",
                           handover_id=X),
    ev.SlaDefined(service_id=S, availability_target_pct=Decimal("99.9"), csat_target_pct=Decimal(85),
                  targets={p: ev.SlaTarget(response_minutes=15, resolution_minutes=240, calendar_id=X,
                                           calendar_revision=2) for p in ("P1", "P2", "P3", "P4")}),
    ev.SlaCalendarRevised(service_id=S, calendar_id=X, calendar_revision=3),
    ev.SlaWithdrawn(service_id=S, reason="contract ended"),
    ev.OperatingCostRecorded(service_id=S, amount=Decimal("12.50"), incurred_on=AT, category="hosting"),
    ev.ImprovementPlanned(service_id=S, improvement_id=X, title="automate", project_id=None),
    ev.ImprovementImplemented(service_id=S, improvement_id=X, implemented_at=AT, project_id=uuid4()),
    ev.CalendarCreated(calendar_id=X, name="Berlin office", owner="alice", hours=HOURS),
    ev.CalendarRevised(calendar_id=X, hours=HOURS, reason="new opening hours"),
    ev.CalendarDeleted(calendar_id=X, reason="office closed"),
    ev.IncidentOpened(service_id=S, incident_id=I, priority="P2", category="network", title="down", outage=True,
                      detected_at=AT, opened_at=AT, description="relay"),
    ev.IncidentSlaApplied(service_id=S, incident_id=I, priority="P2", response_minutes=30, resolution_minutes=480,
                          applied_at=AT, calendar_id=X, calendar=[HOURS]),
    ev.IncidentAcknowledged(service_id=S, incident_id=I, acknowledged_at=AT),
    ev.IncidentAssigned(service_id=S, incident_id=I, assignee="bob"),
    ev.IncidentPutOnHold(service_id=S, incident_id=I, held_at=AT, reason="awaiting customer"),
    ev.IncidentResumed(service_id=S, incident_id=I, resumed_at=AT),
    ev.IncidentResolved(service_id=S, incident_id=I, resolved_at=AT, resolution_code="fixed",
                        outage_minutes=Decimal("12.5"), response_sla_met=True, resolution_sla_met=False),
    ev.IncidentReopened(service_id=S, incident_id=I, reason="came back", reopened_at=AT),
    ev.IncidentClosed(service_id=S, incident_id=I, closed_at=AT),
    ev.IncidentResponseSlaBreached(service_id=S, incident_id=I, priority="P2", target_minutes=30, breached_at=AT),
    ev.IncidentResolutionSlaBreached(service_id=S, incident_id=I, priority="P2", target_minutes=480, breached_at=AT),
    ev.IncidentCsatRated(service_id=S, incident_id=I, score=4, comment="good"),
    ev.ProblemOpened(service_id=S, problem_id=X, title="relay", incident_ids=[I]),
    ev.ProblemIncidentLinked(service_id=S, problem_id=X, incident_id=I),
    ev.ProblemRootCauseRecorded(service_id=S, problem_id=X, root_cause="pool"),
    ev.ProblemKnownErrorRecorded(service_id=S, problem_id=X, workaround="restart"),
    ev.ProblemResolved(service_id=S, problem_id=X, resolution="resized", resolved_at=AT, resolves_incidents=True),
    ev.ChangeRequested(service_id=S, change_id=X, kind="normal", title="resize", risk="medium", planned_start=AT,
                       planned_end=AT),
    ev.ChangeApproved(service_id=S, change_id=X, approved_by="alice"),
    ev.ChangeRejected(service_id=S, change_id=X, rejected_by="alice", reason="no plan"),
    ev.ChangeImplemented(service_id=S, change_id=X, outcome="successful", implemented_at=AT),
    ev.ServiceRequestSubmitted(service_id=S, request_id=X, title="account", requested_by="carol", submitted_at=AT),
    ev.ServiceRequestFulfilled(service_id=S, request_id=X, fulfilled_at=AT, fulfilment_minutes=Decimal("30.00")),
    ev.ServiceRequestCancelled(service_id=S, request_id=X, reason="duplicate"),
]
def test_every_event_type_has_a_sample_and_is_a_published_contract():
    assert {type(event) for event in SAMPLES} == set(ev.EVENT_TYPES) == set(contracts.PUBLISHED)


@pytest.mark.parametrize("event", SAMPLES, ids=lambda event: event.event_type())
def test_every_recorded_event_passes_the_validation_its_consumers_apply(event):
    codec = EventCodec(ev.EVENT_TYPES)
    payload = codec.encode(event)
    assert catalog.parse(type(event), payload) == event
    assert catalog.dump(event) == payload
    assert codec.decode(event.event_type(), 1, payload) == event


def test_sla_events_from_before_calendars_read_as_24x7():
    """Events stored before calendars lack the new optional fields: they decode to the built-in 24x7."""
    codec = EventCodec(ev.EVENT_TYPES)
    applied = codec.decode("IncidentSlaApplied", 1, {"service_id": str(S), "incident_id": str(I), "priority": "P2",
                                                      "response_minutes": 30, "resolution_minutes": 480,
                                                      "applied_at": AT.isoformat()})
    assert (applied.calendar_id, applied.calendar) == (None, None)
    defined = codec.decode("SlaDefined", 1, {"service_id": str(S), "availability_target_pct": "99.9",
                                              "targets": {"P1": {"response_minutes": 15, "resolution_minutes": 60}},
                                              "csat_target_pct": "85"})
    assert defined.targets["P1"] == ev.SlaTarget(response_minutes=15, resolution_minutes=60, calendar_id=None)
