"""Incident rules: the life cycle, SLA clocks on the incident, breaches once, CSAT once, time in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from continuum.domain import DomainError

from service_svc.domain import events as ev
from service_svc.domain.incident import AppliedSla, Incident

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def opened(*, outage: bool = False, targets=(30, 240), priority: str = "P2") -> Incident:
    incident = Incident.open(service_id=uuid4(), priority=priority, category="network", title="down",
                             description="", outage=outage, detected_at=at(-5), sla=AppliedSla(*targets), at=T0)
    incident.pending.clear()
    return incident


def recorded(incident: Incident) -> list[type]:
    types = [type(pending.event) for pending in incident.pending]
    incident.pending.clear()
    return types


def broken_rule(action) -> str:
    with pytest.raises(DomainError) as error:
        action()
    return error.value.rule


def test_opening_records_the_incident_and_its_sla_targets():
    incident = Incident.open(service_id=uuid4(), priority="P1", category="db", title="t", description="d",
                             outage=True, detected_at=at(-5), sla=AppliedSla(15, 60), at=T0)
    assert recorded(incident) == [ev.IncidentOpened, ev.IncidentSlaApplied]
    assert (incident.response_target, incident.resolution_target) == (15, 60)
    without_sla = Incident.open(service_id=uuid4(), priority="P1", category="db", title="t", description="d",
                                outage=False, detected_at=T0, sla=AppliedSla(), at=T0)
    assert recorded(without_sla) == [ev.IncidentOpened]


def test_opening_refuses_an_unknown_priority_and_detection_after_opening():
    assert broken_rule(lambda: opened(priority="P7")) == "priority-known"
    assert broken_rule(lambda: Incident.open(service_id=uuid4(), priority="P1", category="c", title="t",
                                             description="", outage=False, detected_at=at(5), sla=AppliedSla(1, 2),
                                             at=T0)) == "detected-before-opened"


def test_the_whole_life_cycle_within_the_sla():
    incident = opened()
    incident.acknowledge(at=at(10))
    incident.assign("bob", at=at(11))
    incident.put_on_hold("awaiting customer", at=at(20))
    incident.resume(at=at(120))
    incident.resolve("fixed", downtime_minutes=None, at=at(200))
    resolved = incident.pending[-1].event
    assert (resolved.response_sla_met, resolved.resolution_sla_met) == (True, True)
    incident.close(at=at(300))
    clocks = incident.clocks(at(1000))
    assert clocks["response"].elapsed_minutes == 10
    assert (clocks["resolution"].elapsed_minutes, clocks["resolution"].paused_minutes) == (100, 100)
    assert incident.status == "closed" and incident.assignee == "bob"


def test_state_rules():
    incident = opened()
    assert broken_rule(lambda: incident.put_on_hold("x", at=at(1))) == "hold-acknowledged-incident"
    assert broken_rule(lambda: incident.resume(at=at(1))) == "resume-held-incident"
    assert broken_rule(lambda: incident.close(at=at(1))) == "close-resolved-incident"
    assert broken_rule(lambda: incident.reopen("x", at=at(1))) == "reopen-resolved-incident"
    assert broken_rule(lambda: incident.rate(5, None, at=at(1))) == "csat-after-resolution"
    incident.acknowledge(at=at(1))
    assert broken_rule(lambda: incident.acknowledge(at=at(2))) == "acknowledge-open-incident"
    incident.resolve("fixed", downtime_minutes=None, at=at(3))
    incident.close(at=at(4))
    assert broken_rule(lambda: incident.resolve("again", downtime_minutes=None, at=at(5))) == "resolve-open-incident"
    assert broken_rule(lambda: incident.assign("bob", at=at(5))) == "assign-open-incident"
    assert broken_rule(lambda: incident.reopen("x", at=at(5))) == "reopen-resolved-incident"


def test_commands_cannot_go_back_in_business_time():
    incident = opened()
    incident.acknowledge(at=at(30 - 1))
    assert broken_rule(lambda: incident.resolve("x", downtime_minutes=None, at=at(10))) == "time-in-order"


def test_an_outage_carries_its_downtime_and_only_an_outage_does():
    outage = opened(outage=True)
    assert broken_rule(lambda: outage.resolve("x", downtime_minutes=None, at=at(5))) == "outage-downtime-recorded"
    outage.resolve("x", downtime_minutes=Decimal("42.5"), at=at(5))
    assert outage.outage_minutes == Decimal("42.5")
    plain = opened()
    assert broken_rule(lambda: plain.resolve("x", downtime_minutes=Decimal(3), at=at(5))) == "downtime-only-for-outages"


def test_csat_is_rated_once_from_1_to_5():
    incident = opened()
    incident.resolve("fixed", downtime_minutes=None, at=at(5))
    assert broken_rule(lambda: incident.rate(9, None, at=at(6))) == "csat-score-1-to-5"
    incident.rate(4, "good", at=at(6))
    assert broken_rule(lambda: incident.rate(5, None, at=at(7))) == "csat-once"
    assert incident.csat == 4


def test_each_breach_is_recorded_once_at_its_deadline():
    incident = opened(targets=(30, 240))
    incident.record_breaches(now=at(29))
    assert recorded(incident) == []
    incident.record_breaches(now=at(31))
    incident.record_breaches(now=at(45))
    assert recorded(incident) == [ev.IncidentResponseSlaBreached]
    incident.record_breaches(now=at(500))
    events = [pending.event for pending in incident.pending]
    assert [type(e) for e in events] == [ev.IncidentResolutionSlaBreached]
    assert events[0].breached_at == at(240) and incident.pending[0].occurred_at == at(240)
    incident.pending.clear()
    incident.record_breaches(now=at(900))
    assert recorded(incident) == []


def test_a_late_acknowledgement_records_the_response_breach_and_the_resolution_says_not_met():
    incident = opened(targets=(30, 240))
    incident.acknowledge(at=at(45))
    assert recorded(incident) == [ev.IncidentResponseSlaBreached, ev.IncidentAcknowledged]
    incident.resolve("fixed", downtime_minutes=None, at=at(100))
    resolved = incident.pending[-1].event
    assert (resolved.response_sla_met, resolved.resolution_sla_met) == (False, True)


def test_the_hold_pauses_the_resolution_deadline():
    incident = opened(targets=(30, 60))
    incident.acknowledge(at=at(10))
    incident.put_on_hold("awaiting customer", at=at(20))
    recorded(incident)
    incident.record_breaches(now=at(500))
    assert recorded(incident) == []
    assert incident.summary()["resolution_due_at"] is None
    incident.resume(at=at(500))
    assert incident.summary()["resolution_due_at"] == at(540).isoformat()


def test_a_changed_sla_keeps_elapsed_and_paused_time_and_moves_the_deadline():
    incident = opened(targets=(30, 60))
    incident.acknowledge(at=at(10))
    incident.put_on_hold("awaiting customer", at=at(20))
    incident.resume(at=at(50))
    incident.apply_sla(AppliedSla(30, 120), at=at(55))
    clocks = incident.clocks(at(60))
    assert (clocks["resolution"].elapsed_minutes, clocks["resolution"].paused_minutes) == (30, 30)
    assert clocks["resolution"].due_at == at(150)
    incident.apply_sla(AppliedSla(30, 120), at=at(56))
    assert recorded(incident)[-1] == ev.IncidentSlaApplied  # once: the same targets again change nothing


def test_reopening_continues_the_resolution_clock():
    incident = opened(targets=(30, 100))
    incident.acknowledge(at=at(10))
    incident.resolve("fixed", downtime_minutes=None, at=at(60))
    incident.reopen("came back", at=at(1000))
    assert incident.status == "acknowledged"
    assert incident.summary()["resolution_due_at"] == at(1040).isoformat()
    incident.resolve("fixed again", downtime_minutes=None, at=at(1030))
    resolved = incident.pending[-1].event
    assert resolved.resolution_sla_met is True
    assert incident.clocks(at(2000))["resolution"].elapsed_minutes == 90
