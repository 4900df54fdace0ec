"""Request DTOs of /calendars: each part checked by the domain's own rules, so a 422 names the field."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from continuum.http.dates import BusinessDate, BusinessDateTime

from service_svc.api.schemas import Command
from service_svc.domain import business_hours as bh
from service_svc.domain.calendar import MAX_HOLIDAYS, holiday, minute_of
from service_svc.domain.events import Holiday

HHMM = Annotated[str, Field(pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$", examples=["08:00"],
                            description="Local time of the calendar's zone, `HH:MM`; `24:00` ends the day.")]
OFFICE_WEEK = {day: [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
               for day in bh.WEEKDAYS[:5]}


class IntervalBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: HHMM
    end: HHMM = Field(examples=["17:00"])

    @model_validator(mode="after")
    def _in_order(self) -> IntervalBody:
        if minute_of(self.start) >= minute_of(self.end):
            raise ValueError(f"{self.start}–{self.end} is inverted: an interval starts before it ends")
        return self

    def minutes(self) -> tuple[int, int]:
        return minute_of(self.start), minute_of(self.end)


Day = Annotated[list[IntervalBody], Field(default_factory=list, max_length=48)]


class WeekBody(BaseModel):
    """Working intervals per weekday (several a day; a day left out has none)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [OFFICE_WEEK]})
    monday: Day
    tuesday: Day
    wednesday: Day
    thursday: Day
    friday: Day
    saturday: Day
    sunday: Day

    @field_validator(*bh.WEEKDAYS)
    @classmethod
    def _no_overlap(cls, intervals: list[IntervalBody], info: ValidationInfo) -> list[IntervalBody]:
        try:
            bh.working_day(info.field_name, [interval.minutes() for interval in intervals])
        except bh.CalendarInvalid as invalid:
            raise ValueError(invalid.message) from None
        return intervals

    @model_validator(mode="after")
    def _some_working_time(self) -> WeekBody:
        if not any(getattr(self, day) for day in bh.WEEKDAYS):
            raise ValueError("a calendar needs some working time in its week")
        return self

    def minutes(self) -> dict[str, list[tuple[int, int]]]:
        return {day: [interval.minutes() for interval in getattr(self, day)] for day in bh.WEEKDAYS}


class HolidayBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_day: BusinessDate = Field(examples=["2026-12-24"])
    last_day: BusinessDate | None = Field(default=None, examples=["2026-12-26"],
                                          description="The last day of a range (default: first_day alone).")
    name: str = Field(default="", max_length=200, examples=["Christmas"])

    @model_validator(mode="after")
    def _in_order(self) -> HolidayBody:
        if self.last_day is not None and self.last_day < self.first_day:
            raise ValueError("last_day is before first_day")
        return self

    def holiday(self) -> Holiday:
        return holiday(self.first_day, self.last_day, self.name)


Holidays = Annotated[list[HolidayBody], Field(default_factory=list, max_length=MAX_HOLIDAYS)]


class _Hours(Command):
    time_zone: str = Field(min_length=1, max_length=64, examples=["Europe/Berlin"],
                           description="An IANA time zone.")
    week: WeekBody
    holidays: Holidays

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            bh.time_zone(name)
        except bh.CalendarInvalid as invalid:
            raise ValueError(invalid.message) from None
        return name


class CreateCalendarBody(_Hours):
    name: str = Field(min_length=1, max_length=200, examples=["Berlin office hours"])
    owner: str | None = Field(default=None, max_length=200, examples=[None], description=(
        "Who revises and deletes it; a service owner creates calendars for themselves (default), admin and "
        "integration name anyone."))


class ReviseCalendarBody(_Hours):
    effective_from: BusinessDateTime | None = Field(default=None, examples=["2026-07-01T00:00:00+02:00"],
                                                    description="When the revision takes effect (default: now).")
    reason: str = Field(min_length=1, max_length=2000, examples=["summer opening hours"])


class AddHolidaysBody(Command):
    holidays: Annotated[list[HolidayBody], Field(min_length=1, max_length=MAX_HOLIDAYS)]
    effective_from: BusinessDateTime | None = Field(default=None, examples=[None])
    reason: str = Field(default="holidays added", min_length=1, max_length=2000)


class GenerateHolidaysBody(Command):
    country: str = Field(pattern=r"^[A-Z]{2}$", examples=["DE"], description="ISO 3166-1 alpha-2 country code.")
    subdivision: str | None = Field(default=None, pattern=r"^[A-Z0-9]{1,3}$", examples=["BE"],
                                    description="A state or province code the `holidays` package knows.")
    years: Annotated[list[Annotated[int, Field(ge=1900, le=2999)]], Field(min_length=1, max_length=50,
                                                                         examples=[[2026, 2027]])]
    effective_from: BusinessDateTime | None = Field(default=None, examples=[None])
    reason: str = Field(default="public holidays", min_length=1, max_length=2000)


def as_problem_errors(invalid: bh.CalendarInvalid) -> list[dict[str, Any]]:
    """The field as request validation names it: `body` itself, or a field of it."""
    field = invalid.field if invalid.field == "body" else f"body.{invalid.field}"
    return [{"field": field, "message": invalid.message, "type": "calendar_invalid"}]
