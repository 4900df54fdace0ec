"""Commands on a calendar (business hours and holidays): create, revise, add holidays, delete; given by the
calendar's owner (`ByTheCalendarsOwner`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from service_svc.domain.business_hours import Interval
from service_svc.domain.events import Holiday


@dataclass(frozen=True, kw_only=True)
class ByTheCalendarsOwner:
    """`acting_owner` gives the command in person (None when admin or integration act, for any calendar)."""

    acting_owner: str | None


@dataclass(frozen=True)
class CreateCalendar(ByTheCalendarsOwner):
    name: str
    owner: str | None
    time_zone: str
    week: dict[str, list[Interval]]
    holidays: list[Holiday]
    at: datetime


@dataclass(frozen=True)
class ReviseCalendar(ByTheCalendarsOwner):
    calendar_id: UUID
    time_zone: str
    week: dict[str, list[Interval]]
    holidays: list[Holiday]
    effective_from: datetime | None
    reason: str
    at: datetime


@dataclass(frozen=True)
class AddHolidays(ByTheCalendarsOwner):
    calendar_id: UUID
    holidays: list[Holiday]
    effective_from: datetime | None
    reason: str
    at: datetime


@dataclass(frozen=True)
class DeleteCalendar(ByTheCalendarsOwner):
    calendar_id: UUID
    reason: str
    at: datetime
