"""Response models of /calendars."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from continuum.domain import EARLIEST_BUSINESS_TIME
from continuum.http.dates import UtcDateTime

from service_svc.domain import events as ev
from service_svc.domain.business_hours import WEEKDAYS
from service_svc.domain.calendar import BUILT_IN, Calendar, twenty_four_seven


CALENDAR_ID = Field(examples=["7f1c2d4e-0000-4000-8000-0000000000c1"],
                    description="A calendar's id, or `24x7` for the built-in calendar.")


class IntervalView(BaseModel):
    start: str = Field(examples=["08:00"])
    end: str = Field(examples=["17:00"])


class HolidayView(BaseModel):
    first_day: date = Field(examples=["2026-12-24"])
    last_day: date = Field(examples=["2026-12-26"])
    name: str = Field(examples=["Christmas"])


class CalendarRevisionView(BaseModel):
    revision: int = Field(examples=[2])
    effective_from: UtcDateTime = Field(examples=["2026-07-01T00:00:00Z"], description=(
        "In force from then until the next revision's effective_from (the first revision before its start too)."))
    time_zone: str = Field(examples=["Europe/Berlin"])
    week: dict[str, list[IntervalView]] = Field(examples=[{"monday": [{"start": "08:00", "end": "17:00"}]}])
    holidays: list[HolidayView]

    @classmethod
    def of(cls, hours: ev.CalendarHours) -> CalendarRevisionView:
        week = {day: [IntervalView(start=i.start, end=i.end) for i in hours.week.get(day, [])] for day in WEEKDAYS}
        holidays = [HolidayView(first_day=h.first_day, last_day=h.last_day, name=h.name) for h in hours.holidays]
        return cls(revision=hours.revision, effective_from=hours.effective_from, time_zone=hours.time_zone,
                   week=week, holidays=holidays)


class CalendarView(BaseModel):
    id: str = CALENDAR_ID
    name: str = Field(examples=["Berlin office hours"])
    owner: str | None = Field(examples=["alice"])
    deleted: bool = Field(examples=[False])
    current: CalendarRevisionView = Field(description="The latest revision (which may take effect later).")
    revisions: list[CalendarRevisionView]
    version: int = Field(examples=[2])

    @classmethod
    def of(cls, calendar: Calendar) -> CalendarView:
        return cls(id=str(calendar.id), name=calendar.name, owner=calendar.owner, deleted=calendar.deleted,
                   current=CalendarRevisionView.of(calendar.current),
                   revisions=[CalendarRevisionView.of(r) for r in calendar.revisions], version=calendar.version)

    @classmethod
    def built_in(cls) -> CalendarView:
        hours = CalendarRevisionView.of(twenty_four_seven(EARLIEST_BUSINESS_TIME))
        return cls(id=BUILT_IN, name="24x7 (built in)", owner=None, deleted=False, current=hours, revisions=[hours],
                   version=0)


class CalendarSummary(BaseModel):
    id: str = CALENDAR_ID
    name: str = Field(examples=["Berlin office hours"])
    owner: str | None = Field(examples=["alice"])
    deleted: bool = Field(examples=[False])
    time_zone: str = Field(examples=["Europe/Berlin"])
    revision: int = Field(examples=[2])


class HolidaysAdded(BaseModel):
    calendar: CalendarView
    added: int = Field(examples=[12], description="How many of the holidays given were new to the calendar.")
