"""Every domain event of service-svc, encoded by its codec, is exactly the published contract of its type."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from continuum.contracts import service as contracts
from continuum.eventstore.codec import EventCodec

from service_svc.domain import events as ev

AT = datetime(2026, 3, 1, 9, tzinfo=UTC)
S, I, X = uuid4(), uuid4(), uuid4()
HOURS = ev.CalendarHours(2, AT, "Europe/Berlin", {"monday": [ev.WorkingInterval("08:00", "12:00"),
                                                             ev.WorkingInterval("13:00", "24:00")], "sunday": []},
                         [ev.Holiday(date(2026, 12, 24), date(2026, 12, 26), "Christmas")])
SAMPLES = [
    ev.ServiceRegistered(S, "Payroll", "runs", "alice", "strategy", "HR", "3000/month"),
    ev.ServiceOwnerAssigned(S, "bob"),
    ev.ServiceStageChanged(S, "transition", "operation", "handover accepted", X),
    ev.SlaDefined(S, Decimal("99.9"), {p: ev.SlaTarget(15, 240, X, 2) for p in ("P1", "P2", "P3", "P4")}, Decimal(85)),
    ev.SlaCalendarRevised(S, X, 3),
    ev.SlaWithdrawn(S, "contract ended"),
    ev.OperatingCostRecorded(S, Decimal("12.50"), AT, "hosting"),
    ev.ImprovementPlanned(S, X, "automate", None),
    ev.ImprovementImplemented(S, X, AT, uuid4()),
    ev.CalendarCreated(X, "Berlin office", "alice", HOURS),
    ev.CalendarRevised(X, HOURS, "new opening hours"),
    ev.CalendarDeleted(X, "office closed"),
    ev.IncidentOpened(S, I, "P2", "network", "down", True, AT, AT, "relay"),
    ev.IncidentSlaApplied(S, I, "P2", 30, 480, AT, X, [HOURS]),
    ev.IncidentAcknowledged(S, I, AT),
    ev.IncidentAssigned(S, I, "bob"),
    ev.IncidentPutOnHold(S, I, AT, "awaiting customer"),
    ev.IncidentResumed(S, I, AT),
    ev.IncidentResolved(S, I, AT, "fixed", Decimal("12.5"), True, False),
    ev.IncidentReopened(S, I, "came back", AT),
    ev.IncidentClosed(S, I, AT),
    ev.IncidentResponseSlaBreached(S, I, "P2", 30, AT),
    ev.IncidentResolutionSlaBreached(S, I, "P2", 480, AT),
    ev.IncidentCsatRated(S, I, 4, "good"),
    ev.ProblemOpened(S, X, "relay", [I]),
    ev.ProblemIncidentLinked(S, X, I),
    ev.ProblemRootCauseRecorded(S, X, "pool"),
    ev.ProblemKnownErrorRecorded(S, X, "restart"),
    ev.ProblemResolved(S, X, "resized", AT, True),
    ev.ChangeRequested(S, X, "normal", "resize", "medium", AT, AT),
    ev.ChangeApproved(S, X, "alice"),
    ev.ChangeRejected(S, X, "alice", "no plan"),
    ev.ChangeImplemented(S, X, "successful", AT),
    ev.ServiceRequestSubmitted(S, X, "account", "carol", AT),
    ev.ServiceRequestFulfilled(S, X, AT, Decimal("30.00")),
    ev.ServiceRequestCancelled(S, X, "duplicate"),
]
CONTRACTS = {contract.event_name: contract for contract in contracts.PUBLISHED}


def test_every_event_type_has_a_sample_and_a_contract():
    assert {type(event) for event in SAMPLES} == set(ev.EVENT_TYPES)
    assert {cls.event_type() for cls in ev.EVENT_TYPES} == set(CONTRACTS)


@pytest.mark.parametrize("event", SAMPLES, ids=lambda event: type(event).__name__)
def test_the_encoded_event_validates_against_its_contract_field_for_field(event):
    codec = EventCodec(ev.EVENT_TYPES)
    contract = CONTRACTS[event.event_type()]
    encoded = codec.encode(event)
    assert contract.model_validate(encoded)
    assert {field.name for field in dataclasses.fields(event)} == set(contract.model_fields)
    assert codec.decode(event.event_type(), 1, encoded) == event


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
    assert defined.targets["P1"] == ev.SlaTarget(15, 60, None)
