"""Early life support's "SLA met" follows service-svc's business-time clocks (issue 16 item 5).

handover-svc does not judge SLAs itself: an early-life incident counts as breaching only by the breach events
service-svc publishes (IncidentResponseSlaBreached / IncidentResolutionSlaBreached, at the business-time deadline of
the SLA's calendar). Here the chain is run as the services run it, without I/O: service-svc's Incident on an office
calendar records its events, they are read as the published contracts, translated by handover-svc's consumer and
applied to an accepted handover, whose exit assessment then says whether the SLA was met. A Friday-evening P3
resolved on Monday morning is inside its business target (met) and far past it on 24x7 (not met)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from continuum.contracts import catalog
from continuum.contracts import service as sv
from handover_svc.consumers import TRANSLATORS
from handover_svc.domain.early_life import assess_exit
from handover_svc.domain.service_facts import apply_service_incident
from service_svc.domain import events as ev
from service_svc.domain.incident import AppliedSla, Incident
from tests.unit.handover_svc.fixtures import accepted

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = ev.CalendarHours(
    revision=1, effective_from=datetime(2020, 1, 1, tzinfo=UTC), time_zone="Europe/Berlin",
    week={day: [ev.WorkingInterval(start="08:00", end="17:00")] for day in ("monday", "tuesday", "wednesday",
                                                                            "thursday",
                                                                  "friday")},
    holidays=[])
OFFICE_ID = uuid4()
FRIDAY = datetime(2026, 3, 6, 16, 30, tzinfo=BERLIN)  # the handover fixture accepts on Sunday 2026-03-01
MONDAY = datetime(2026, 3, 9, 9, 0, tzinfo=BERLIN)


def published(incident: Incident) -> list[sv.ServiceEvent]:
    """The incident's recorded events as service-svc publishes them: their contracts, read back from the data."""
    events = [catalog.parse(type(p.event), catalog.dump(p.event)) for p in incident.pending]
    incident.pending.clear()
    return events


def early_life_sla_met(calendar: list[ev.CalendarHours] | None) -> tuple[bool, list[str]]:
    handover = accepted(days=28)
    incident = Incident.open(service_id=handover.service_id, priority="P3", category="payroll", title="late",
                             description="", outage=False, detected_at=FRIDAY,
                             sla=AppliedSla(60, 120, calendar_id=calendar and OFFICE_ID, calendar=calendar),
                             at=FRIDAY)
    incident.acknowledge(at=FRIDAY + timedelta(minutes=10))
    incident.resolve("fixed", downtime_minutes=None, at=MONDAY)
    events = published(incident)
    for event in events:
        if type(event) in TRANSLATORS:  # as handover-svc's consumer translates and applies them
            command = TRANSLATORS[type(event)](event, MONDAY)
            apply_service_incident(handover, kind=command.kind, incident_id=command.incident_id,
                                   priority=command.priority, at=command.at)
    [resolved] = [e for e in events if isinstance(e, sv.IncidentResolvedV1)]
    assessment = assess_exit(handover.early_life, MONDAY + timedelta(hours=1))
    assert assessment.incidents == 1
    assert assessment.sla_met is resolved.resolution_sla_met  # the same judgement as the resolution's
    return assessment.sla_met, [type(e).__name__ for e in events if "Breached" in type(e).__name__]


@pytest.mark.parametrize(("calendar", "met", "breaches"), [
    ([OFFICE], True, []),  # 30 business minutes on Friday, 60 on Monday: 90 of 120
    (None, False, ["IncidentResolutionSlaBreachedV1"]),  # 24x7: 3870 wall-clock minutes of 120
])
def test_early_life_sla_met_follows_the_clock_of_the_slas_calendar(calendar, met, breaches):
    assert early_life_sla_met(calendar) == (met, breaches)
