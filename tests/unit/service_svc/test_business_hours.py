"""Business-time arithmetic on calendars: properties (hypothesis), DST both ways, weekends and holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service_svc.domain.business_hours import (ALWAYS, WEEKDAYS, CalendarInvalid, Timeline, WorkingHours,
                                               holiday_ranges)

HOUR = timedelta(hours=1)
OFFICE = {day: [(8 * 60, 12 * 60), (13 * 60, 17 * 60)] for day in WEEKDAYS[:5]}  # 08–12, 13–17 weekdays
BERLIN = WorkingHours.of(time_zone="Europe/Berlin", week=OFFICE,
                         holidays=[(date(2026, 12, 24), date(2026, 12, 26)), (date(2026, 4, 3), date(2026, 4, 3))])
NEW_YORK = WorkingHours.of(time_zone="America/New_York", week=OFFICE, holidays=[(date(2026, 7, 3), date(2026, 7, 3))])
NIGHTS = WorkingHours.of(time_zone="Europe/Berlin", week={day: [(0, 4 * 60), (22 * 60, 24 * 60)] for day in WEEKDAYS})
CALENDARS = st.sampled_from([BERLIN, NEW_YORK, NIGHTS, ALWAYS])

T0 = datetime(2026, 1, 1, tzinfo=UTC)
# instants over a year and a half, so both DST changes of both zones fall inside many draws
instants = st.integers(min_value=0, max_value=550 * 24 * 60).map(lambda m: T0 + timedelta(minutes=m))
spans_of_minutes = st.integers(min_value=0, max_value=40 * 24 * 60).map(lambda m: timedelta(minutes=m))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(CALENDARS, instants, spans_of_minutes, spans_of_minutes)
def test_business_time_never_decreases_as_the_end_moves_on(hours, start, a, b):
    earlier, later = sorted((a, b))
    assert hours.between(start, start + earlier) <= hours.between(start, start + later)
    assert hours.between(start, start + later) - hours.between(start, start + earlier) <= later - earlier


@settings(max_examples=60, deadline=None)
@given(CALENDARS, instants, spans_of_minutes, spans_of_minutes)
def test_business_time_adds_up_over_any_split(hours, start, a, b):
    middle, end = start + min(a, b), start + max(a, b)
    assert hours.between(start, middle) + hours.between(middle, end) == hours.between(start, end)


@settings(max_examples=60, deadline=None)
@given(CALENDARS, instants, st.integers(min_value=0, max_value=20_000).map(lambda m: timedelta(minutes=m)))
def test_adding_business_time_then_measuring_it_gives_it_back(hours, start, business):
    deadline = hours.passes(start, business)
    assert deadline is not None and deadline >= start
    assert hours.between(start, deadline) == business
    assert hours.between(start, deadline + timedelta(seconds=1)) > business  # it passes the target right there
    assert hours.is_open(deadline)


@settings(max_examples=60, deadline=None)
@given(CALENDARS, instants, spans_of_minutes)
def test_measuring_then_adding_lands_at_the_next_working_moment(hours, start, span):
    measured = hours.between(start, start + span)
    deadline = hours.passes(start, measured)
    assert hours.between(start, deadline) == measured
    assert hours.between(start + span, deadline) == timedelta(0)  # only non-working time lies between the two


@settings(max_examples=60, deadline=None)
@given(CALENDARS, instants, spans_of_minutes, spans_of_minutes)
def test_a_timeline_of_one_calendar_measures_like_the_calendar(hours, start, cut, span):
    timeline = Timeline().from_on(start + cut, [(start + cut, hours)])
    later = start + cut
    assert timeline.between(later, later + span) == hours.between(later, later + span)
    assert timeline.passes(later, span) == hours.passes(later, span)


@settings(max_examples=60, deadline=None)
@given(CALENDARS, CALENDARS, instants, spans_of_minutes, st.integers(min_value=0, max_value=20_000))
def test_a_timeline_changed_mid_way_adds_the_pieces_and_round_trips(before, after, start, cut, target):
    change = start + cut
    timeline = Timeline().from_on(start, [(start, before)]).from_on(change, [(change, after)])
    end = change + timedelta(days=3)
    assert timeline.between(start, end) == before.between(start, change) + after.between(change, end)
    deadline = timeline.passes(start, timedelta(minutes=target))
    assert timeline.between(start, deadline) == timedelta(minutes=target)
    assert timeline.between(start, deadline + timedelta(seconds=1)) > timedelta(minutes=target)


def test_24x7_is_wall_time():
    assert ALWAYS.between(utc(2026, 3, 1), utc(2026, 3, 2)) == timedelta(days=1)
    assert ALWAYS.passes(utc(2026, 3, 1), timedelta(minutes=90)) == utc(2026, 3, 1, 1, 30)


def test_a_target_crosses_the_weekend_and_a_holiday():
    # Thursday 2026-04-02 16:00 Berlin (CEST): one working hour left that day, Good Friday off, then the weekend
    start = utc(2026, 4, 2, 14)
    assert BERLIN.passes(start, 2 * HOUR) == utc(2026, 4, 6, 7)  # Monday 09:00 CEST
    assert BERLIN.between(start, utc(2026, 4, 6, 7)) == 2 * HOUR
    # reached exactly at Thursday's end: the clock passes it at the next working moment, Monday 08:00
    assert BERLIN.passes(start, HOUR) == utc(2026, 4, 6, 6)
    # Christmas Eve to Boxing Day, then Sunday: Wednesday 23rd 16:00 CET + 2 h = Monday 28th 09:00 CET
    assert BERLIN.passes(utc(2026, 12, 23, 15), 2 * HOUR) == utc(2026, 12, 28, 8)


def test_europe_berlin_dst_both_ways():
    spring, autumn = date(2026, 3, 29), date(2026, 10, 25)  # both Sundays
    whole_sunday = WorkingHours.of(time_zone="Europe/Berlin", week={"sunday": [(0, 24 * 60)]})
    assert whole_sunday.between(utc(2026, 3, 28), utc(2026, 3, 30)) == 23 * HOUR
    assert whole_sunday.between(utc(2026, 10, 24), utc(2026, 10, 27)) == 25 * HOUR
    # an interval starting in the skipped hour starts at the jump (01:00 UTC); one over the repeated hour is longer
    small_hours = WorkingHours.of(time_zone="Europe/Berlin", week={"sunday": [(150, 240)]})  # 02:30–04:00
    assert list(small_hours.spans(utc(2026, 3, 28), utc(2026, 3, 30))) == [(utc(2026, 3, 29, 1), utc(2026, 3, 29, 2))]
    assert small_hours.between(utc(2026, 10, 24), utc(2026, 10, 27)) == timedelta(hours=2, minutes=30)
    # the short Sunday used up at its end: the clock passes its target as the next Sunday starts (CEST)
    assert whole_sunday.passes(utc(2026, 3, 28, 23), 23 * HOUR) == utc(2026, 4, 4, 22)
    assert whole_sunday.is_open(datetime.combine(spring, datetime.min.time(), UTC) + 2 * HOUR)
    assert not whole_sunday.is_open(datetime.combine(autumn, datetime.min.time(), UTC) + 23 * HOUR)  # Monday CET


def test_america_new_york_dst_both_ways():
    # 2026-03-08 spring forward, 2026-11-01 fall back; office hours keep their local times across both
    friday_before, monday_after = utc(2026, 3, 6, 21), utc(2026, 3, 9, 13)  # 16:00 EST, 09:00 EDT
    assert NEW_YORK.between(friday_before, monday_after) == 2 * HOUR
    assert NEW_YORK.passes(friday_before, HOUR) == utc(2026, 3, 9, 12)  # Monday 08:00 EDT
    assert NEW_YORK.passes(utc(2026, 10, 30, 20), 2 * HOUR) == utc(2026, 11, 2, 14)  # 16:00 EDT + 2 h = Mon 09:00 EST
    overnight = WorkingHours.of(time_zone="America/New_York", week={"sunday": [(0, 24 * 60)]})
    assert overnight.between(utc(2026, 3, 8), utc(2026, 3, 9, 6)) == 23 * HOUR
    assert overnight.between(utc(2026, 11, 1), utc(2026, 11, 2, 6)) == 25 * HOUR


def test_within_calendar_hours():
    assert BERLIN.is_open(utc(2026, 3, 2, 8)) and not BERLIN.is_open(utc(2026, 3, 2, 11, 30))  # lunch 12:30 CET
    assert not BERLIN.is_open(utc(2026, 4, 3, 9)) and not BERLIN.is_open(utc(2026, 3, 7, 9))  # Good Friday, Saturday


@pytest.mark.parametrize(("definition", "field"), [
    ({"time_zone": "Mars/Olympus", "week": OFFICE}, "time_zone"),
    ({"time_zone": "UTC", "week": {"monday": [(9 * 60, 8 * 60)]}}, "week.monday"),
    ({"time_zone": "UTC", "week": {"monday": [(8 * 60, 12 * 60), (11 * 60, 13 * 60)]}}, "week.monday"),
    ({"time_zone": "UTC", "week": {"friday": [(8 * 60, 25 * 60)]}}, "week.friday"),
    ({"time_zone": "UTC", "week": {}}, "week"),
    ({"time_zone": "UTC", "week": OFFICE, "holidays": [(date(2026, 1, 2), date(2026, 1, 1))]}, "holidays"),
    ({"time_zone": "UTC", "week": OFFICE, "holidays": [(date(1899, 12, 31), date(1900, 1, 1))]}, "holidays"),
])
def test_bad_definitions_name_their_field(definition, field):
    with pytest.raises(CalendarInvalid) as refused:
        WorkingHours.of(**definition)
    assert refused.value.field == field


def test_holidays_merge_and_bound_the_search():
    assert holiday_ranges([(date(2026, 1, 2), date(2026, 1, 3)), (date(2026, 1, 1), date(2026, 1, 1))]) == (
        (date(2026, 1, 1), date(2026, 1, 3)),)
    closed_forever = WorkingHours.of(time_zone="UTC", week=OFFICE, holidays=[(date(2026, 1, 1), date(2999, 12, 31))])
    assert closed_forever.passes(utc(2026, 1, 1), HOUR) is None
    assert closed_forever.between(utc(2026, 1, 1), utc(2999, 12, 31)) == timedelta(0)
