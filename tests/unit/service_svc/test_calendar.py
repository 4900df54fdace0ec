"""The Calendar aggregate (revisions, ownership, holidays, deletion) and incident clocks counting business time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from continuum.domain import DomainError, NotAllowed

from service_svc.domain import events as ev
from service_svc.domain.business_hours import WEEKDAYS, Timeline, WorkingHours
from service_svc.domain.calendar import Calendar, holiday
from service_svc.domain.incident import AppliedSla, Incident

OFFICE = {day: [(8 * 60, 12 * 60), (13 * 60, 17 * 60)] for day in WEEKDAYS[:5]}  # Berlin, 8 working hours a day
LATE_SHIFT = {day: [(8 * 60, 20 * 60)] for day in WEEKDAYS[:5]}
MONDAY = datetime(2026, 3, 2, 7, tzinfo=UTC)  # 08:00 CET
EASTER = [holiday(date(2026, 4, 3), name="Good Friday"), holiday(date(2026, 4, 6), name="Easter Monday")]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def office(at: datetime = MONDAY - timedelta(days=30), *, by: str | None = "alice") -> Calendar:
    calendar = Calendar.create(name="Berlin office", owner=None, time_zone="Europe/Berlin", week=OFFICE,
                               holidays=EASTER, by=by, at=at)
    calendar.pending.clear()
    return calendar


def incident_on(calendar: Calendar, *, opened: datetime, targets=(60, 480)) -> Incident:
    sla = AppliedSla(*targets, calendar.id, calendar.revisions_from(opened))
    incident = Incident.open(service_id=uuid4(), priority="P3", category="app", title="slow", description="",
                             outage=False, detected_at=opened, sla=sla, at=opened)
    incident.pending.clear()
    return incident


def test_a_service_owner_creates_a_calendar_for_themselves_and_only_they_revise_it():
    calendar = office()
    assert calendar.owner == "alice" and calendar.current.revision == 1
    with pytest.raises(NotAllowed) as refused:
        calendar.revise(time_zone="Europe/Berlin", week=LATE_SHIFT, holidays=[], effective_from=MONDAY,
                        reason="late shift", by="mallory", at=MONDAY)
    assert refused.value.rule == "decided-by-the-calendars-owner"
    with pytest.raises(NotAllowed):
        Calendar.create(name="x", owner="bob", time_zone="UTC", week=OFFICE, holidays=[], by="alice", at=MONDAY)
    imported = Calendar.create(name="x", owner="bob", time_zone="UTC", week=OFFICE, holidays=[], by=None, at=MONDAY)
    assert imported.owner == "bob"


def test_revisions_apply_from_their_effective_time_never_to_the_past():
    calendar = office()
    with pytest.raises(DomainError) as refused:
        calendar.revise(time_zone="Europe/Berlin", week=LATE_SHIFT, holidays=[], effective_from=MONDAY - timedelta(1),
                        reason="late shift", by="alice", at=MONDAY)
    assert refused.value.rule == "revision-not-retroactive"
    calendar.revise(time_zone="Europe/Berlin", week=LATE_SHIFT, holidays=[], effective_from=MONDAY + timedelta(7),
                    reason="late shift", by="alice", at=MONDAY)
    assert calendar.in_force(MONDAY).revision == 1 and calendar.in_force(MONDAY + timedelta(7)).revision == 2
    assert [r.revision for r in calendar.revisions_from(MONDAY)] == [1, 2]
    assert [r.revision for r in calendar.revisions_from(MONDAY + timedelta(8))] == [2]


def test_holidays_are_added_once_in_a_new_revision():
    calendar = office()
    added = calendar.add_holidays([holiday(date(2026, 5, 1), name="Labour Day"), *EASTER], effective_from=MONDAY,
                                  reason="public holidays", by="alice", at=MONDAY)
    assert added == 1 and calendar.current.revision == 2 and len(calendar.current.holidays) == 3
    assert calendar.current.week == calendar.revisions[0].week
    with pytest.raises(DomainError) as refused:
        calendar.add_holidays(EASTER, effective_from=MONDAY, reason="again", by="alice", at=MONDAY)
    assert refused.value.rule == "holidays-new"


def test_a_calendar_in_use_is_not_deleted():
    calendar, service = office(), uuid4()
    with pytest.raises(DomainError) as refused:
        calendar.delete("closed", used_by=[service], by="alice", at=MONDAY)
    assert refused.value.rule == "calendar-not-in-use" and str(service) in refused.value.detail
    calendar.delete("closed", used_by=[], by="alice", at=MONDAY)
    assert calendar.deleted
    with pytest.raises(DomainError):
        calendar.revise(time_zone="UTC", week=OFFICE, holidays=[], effective_from=MONDAY, reason="x", by="alice",
                        at=MONDAY)


def test_the_clocks_count_business_minutes_and_the_deadline_is_on_the_wall_clock():
    friday_afternoon = utc(2026, 4, 2, 14)  # Thursday 16:00 CEST; Good Friday, the weekend, Easter Monday off
    incident = incident_on(office(), opened=friday_afternoon)
    clocks = incident.clocks(utc(2026, 4, 7, 7))  # Tuesday 09:00 CEST
    assert clocks["response"].elapsed_minutes == 120 and clocks["response"].breached
    assert clocks["response"].within_calendar_hours
    assert clocks["resolution"].remaining_minutes == 360
    assert clocks["resolution"].due_at == utc(2026, 4, 7, 14)  # Tuesday 16:00 CEST, lunch counted out
    incident.record_breaches(now=utc(2026, 4, 7, 7))
    breach = incident.pending[-1]
    assert isinstance(breach.event, ev.IncidentResponseSlaBreached)
    assert breach.occurred_at == breach.event.breached_at == utc(2026, 4, 7, 6)  # Tuesday 08:00, not Thursday 17:00
    assert not incident.clocks(utc(2026, 4, 4, 10))["resolution"].within_calendar_hours  # Saturday


def test_a_calendar_revised_mid_incident_keeps_the_business_time_counted():
    calendar = office()
    incident = incident_on(calendar, opened=MONDAY, targets=(60, 16 * 60))
    wednesday = MONDAY + timedelta(days=2)
    calendar.revise(time_zone="Europe/Berlin", week=LATE_SHIFT, holidays=[], effective_from=wednesday,
                    reason="late shift", by="alice", at=MONDAY + timedelta(hours=1))
    incident.apply_sla(AppliedSla(60, 16 * 60, calendar.id, calendar.revisions_from(MONDAY + timedelta(hours=1))),
                       at=MONDAY + timedelta(hours=1))
    # Monday and Tuesday on office hours (8 h each) use the 16 h up: Tuesday 17:00 → passed Wednesday 08:00
    assert incident.clocks(wednesday)["resolution"].elapsed_minutes == 16 * 60
    assert incident.clocks(wednesday)["resolution"].due_at == wednesday
    incident.acknowledge(at=MONDAY + timedelta(hours=2))
    incident.put_on_hold("customer", at=MONDAY + timedelta(days=1, hours=1))  # Tuesday 09:00
    incident.resume(at=wednesday + timedelta(hours=10))  # Wednesday 18:00 (late shift)
    # 8 h Monday + 1 h Tuesday; from Wednesday 18:00 the late shift counts: 2 h Wednesday, 5 h Thursday to 13:00
    assert incident.clocks(utc(2026, 3, 5, 12))["resolution"].elapsed_minutes == (8 + 1 + 2 + 5) * 60


def test_an_sla_moved_to_a_calendar_mid_incident_and_reopen_continue_the_count():
    incident = Incident.open(service_id=uuid4(), priority="P3", category="app", title="slow", description="",
                             outage=False, detected_at=MONDAY, sla=AppliedSla(60, 600), at=MONDAY)
    calendar = office()
    later = MONDAY + timedelta(hours=4)  # 4 wall-clock hours on 24x7 so far
    incident.apply_sla(AppliedSla(60, 600, calendar.id, calendar.revisions_from(later)), at=later)
    incident.acknowledge(at=later)
    incident.resolve("fixed", downtime_minutes=None, at=utc(2026, 3, 2, 14))  # 15:00 CET: 2 more business hours
    assert incident.clocks(utc(2026, 3, 9))["resolution"].elapsed_minutes == 6 * 60
    incident.reopen("back", at=utc(2026, 3, 6, 15))  # Friday 16:00 CET
    assert incident.summary()["resolution_due_at"] == utc(2026, 3, 9, 10).isoformat()  # 1 h Fri + 3 h Mon → 12:00
    assert incident.clocks(utc(2026, 3, 9, 8))["resolution"].elapsed_minutes == (6 + 1 + 1) * 60


pauses = st.lists(st.integers(min_value=0, max_value=60 * 24 * 14), min_size=2, max_size=8)


@settings(max_examples=40, deadline=None)
@given(pauses)
def test_pauses_outside_working_hours_change_nothing(moments):
    """Holding and resuming only within non-working time leaves the business time counted as it was."""
    calendar = office()
    start = utc(2026, 3, 6, 16)  # Friday 17:00 CET: the weekend begins
    weekend = [start + timedelta(minutes=m % (60 * 62)) for m in sorted(moments)]  # within Fri 17:00 – Mon 07:00
    weekend = sorted(set(weekend))
    held = incident_on(calendar, opened=utc(2026, 3, 6, 10))
    plain = incident_on(calendar, opened=utc(2026, 3, 6, 10))
    for incident in (held, plain):
        incident.acknowledge(at=utc(2026, 3, 6, 11))
    for hold, resume in zip(weekend[::2], weekend[1::2], strict=False):
        held.put_on_hold("customer", at=hold)
        held.resume(at=resume)
    monday_noon = utc(2026, 3, 9, 11)
    held_clock, plain_clock = held.clocks(monday_noon)["resolution"], plain.clocks(monday_noon)["resolution"]
    assert (held_clock.elapsed_minutes, held_clock.due_at) == (plain_clock.elapsed_minutes, plain_clock.due_at)


def test_a_calendar_keeps_what_clocks_carry_small():
    calendar = office()
    many = [holiday(date(2000, 1, 1) + timedelta(days=2 * n)) for n in range(1_001)]
    with pytest.raises(DomainError) as refused:
        calendar.add_holidays(many, effective_from=MONDAY, reason="decades", by="alice", at=MONDAY)
    assert refused.value.rule == "holidays-at-most-1000"
    for weeks in range(1, 6):
        calendar.revise(time_zone="UTC", week=OFFICE, holidays=[], effective_from=MONDAY + timedelta(weeks=weeks),
                        reason="planned", by="alice", at=MONDAY)
    with pytest.raises(DomainError) as refused:
        calendar.revise(time_zone="UTC", week=OFFICE, holidays=[], effective_from=MONDAY + timedelta(weeks=9),
                        reason="planned", by="alice", at=MONDAY)
    assert refused.value.rule == "revisions-pending-at-most-5"


def test_a_timeline_applies_its_first_piece_before_its_start_too():
    timeline = Timeline(((MONDAY, WorkingHours.of(time_zone="UTC", week=OFFICE)),))
    assert timeline.between(MONDAY - timedelta(days=7), MONDAY) == timedelta(hours=40)


def test_a_service_notes_new_revisions_of_the_calendars_its_sla_counts_on():
    from decimal import Decimal

    from service_svc.domain.service import Service, Sla

    calendar_id, other = uuid4(), uuid4()
    service = Service.register(name="Payroll", description="", owner="alice", demanded_by="HR",
                               expected_volume="many", by="alice", at=MONDAY)
    targets = {p: ev.SlaTarget(response_minutes=60, resolution_minutes=480,
                               calendar_id=calendar_id if p == "P3" else None,
                               calendar_revision=1 if p == "P3" else None)
               for p in ("P1", "P2", "P3", "P4")}
    service.define_sla(Sla(Decimal("99.9"), targets, Decimal(80)), at=MONDAY)
    service.pending.clear()
    service.calendar_revised(calendar_id, 2, at=MONDAY)
    service.calendar_revised(calendar_id, 2, at=MONDAY)  # heard of already
    service.calendar_revised(other, 5, at=MONDAY)  # not a calendar of its SLA
    assert [type(p.event) for p in service.pending] == [ev.SlaCalendarRevised]
    assert service.sla.known_revision(calendar_id) == 2 and service.sla.target_for("P3").calendar_revision == 2
    assert service.sla.known_revision(other) is None


def test_acknowledgement_and_resolution_carry_the_business_minutes_of_their_clocks():
    """Issue 16 item 5: MTTA/MTTR in business minutes come from the clocks themselves (on hold left out)."""
    friday_afternoon = utc(2026, 4, 2, 14)  # Thursday 16:00 CEST; Good Friday, the weekend, Easter Monday off
    incident = incident_on(office(), opened=friday_afternoon)
    incident.acknowledge(at=utc(2026, 4, 7, 7))  # Tuesday 09:00 CEST: 1 h Thursday + 1 h Tuesday
    incident.put_on_hold("customer", at=utc(2026, 4, 7, 8))
    incident.resume(at=utc(2026, 4, 7, 12))  # 14:00 CEST: 3 working hours on hold (lunch is not working time)
    incident.resolve("fixed", downtime_minutes=None, at=utc(2026, 4, 7, 13))
    acknowledged, resolved = (e.event for e in incident.pending
                              if isinstance(e.event, ev.IncidentAcknowledged | ev.IncidentResolved))
    assert acknowledged.business_minutes == 120
    assert resolved.business_minutes == (1 + 2 + 1) * 60  # Thu 16–17, Tue 08–10, 14–15 (hold 10–14 out)
    assert (resolved.resolved_at - friday_afternoon) / timedelta(minutes=1) == 5 * 24 * 60 - 60  # the wall clock
