"""The Calendar aggregate: business hours that SLA targets are counted on, revised from an effective time on.

Each revision is a whole definition (zone, week, holidays) in force from its `effective_from` until the next
one's; the first is in force before its own start too, so a calendar always answers. A revision never applies
to the past (`effective_from` is not before its business time), so time already counted on a clock stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import dataclasses
from datetime import date, datetime, timedelta
from functools import singledispatchmethod
from typing import Any
from uuid import UUID, uuid4

from continuum.domain import EARLIEST_BUSINESS_TIME, Aggregate, DomainEvent, NotAllowed

from service_svc.domain import events as ev
from service_svc.domain.business_hours import ALWAYS, DAY_MINUTES, WEEKDAYS, Interval, WorkingHours
from service_svc.domain.rules import require

BUILT_IN = "24x7"
CALENDAR_OWNER_DECIDES = "decided-by-the-calendars-owner"
# Incident clocks carry the revisions they count on in their events (and on Kafka): these keep them small.
MAX_HOLIDAYS = 1_000
MAX_PENDING_REVISIONS = 5


def minute_of(text: str) -> int:
    """`HH:MM` as minutes of the day (`24:00` is the end of the day)."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def working_hours(hours: ev.CalendarHours) -> WorkingHours:
    """The arithmetic view of one revision."""
    week = {day: [(minute_of(i.start), minute_of(i.end)) for i in hours.week.get(day, [])] for day in WEEKDAYS}
    return WorkingHours.of(time_zone=hours.time_zone, week=week,
                           holidays=[(h.first_day, h.last_day) for h in hours.holidays])


def calendar_hours(*, revision: int, effective_from: datetime, time_zone: str, week: Mapping[str, Iterable[Interval]],
                   holidays: Iterable[ev.Holiday]) -> ev.CalendarHours:
    """A revision from minutes of the day, checked (CalendarInvalid names the field of what is wrong)."""
    holidays = sorted(set(holidays), key=lambda h: (h.first_day, h.last_day, h.name))
    require(len(holidays) <= MAX_HOLIDAYS, "holidays-at-most-1000",
            f"{len(holidays)} holidays: a calendar holds at most {MAX_HOLIDAYS} (drop years long past)")
    checked = WorkingHours.of(time_zone=time_zone, week=dict(week),
                              holidays=[(h.first_day, h.last_day) for h in holidays])
    days = {day: [ev.WorkingInterval(start=hhmm(s), end=hhmm(e)) for s, e in intervals]
            for day, intervals in zip(WEEKDAYS, checked.week, strict=True)}
    return ev.CalendarHours(revision=revision, effective_from=effective_from, time_zone=time_zone, week=days,
                            holidays=list(holidays))


def twenty_four_seven(at: datetime) -> ev.CalendarHours:
    return calendar_hours(revision=1, effective_from=at, time_zone="UTC",
                          week={day: [(0, DAY_MINUTES)] for day in WEEKDAYS}, holidays=())


def require_calendars_owner(owner: str | None, acting: str | None, *, calendar: object) -> None:
    """A calendar's owner revises and deletes it; admin and integration (acting None) any calendar."""
    if acting is not None and acting != owner:
        raise NotAllowed(CALENDAR_OWNER_DECIDES, f"{acting!r} is not the owner ({owner!r}) of calendar {calendar}")


class Calendar(Aggregate):
    stream_type = "Calendar"

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.name = ""
        self.owner: str | None = None
        self.revisions: list[ev.CalendarHours] = []
        self.deleted = False

    @classmethod
    def create(cls, *, name: str, owner: str | None, time_zone: str, week: Mapping[str, Iterable[Interval]],
               holidays: Iterable[ev.Holiday], by: str | None, at: datetime) -> Calendar:
        """A service owner creates a calendar for themselves; admin and integration name any owner (or none)."""
        if by is not None and owner not in (None, by):
            raise NotAllowed(CALENDAR_OWNER_DECIDES, f"{by!r} may create a calendar for themselves, not {owner!r}")
        calendar = cls(uuid4())
        hours = calendar_hours(revision=1, effective_from=at, time_zone=time_zone, week=week, holidays=holidays)
        calendar._record(ev.CalendarCreated(calendar_id=calendar.id, name=name, owner=owner if by is None else by,
                                            hours=hours), at=at)
        return calendar

    @property
    def current(self) -> ev.CalendarHours:
        return self.revisions[-1]

    def _require_changeable(self, by: str | None) -> None:
        require(not self.deleted, "calendar-not-deleted", f"calendar {self.id} is deleted")
        require_calendars_owner(self.owner, by, calendar=self.id)

    def revise(self, *, time_zone: str, week: Mapping[str, Iterable[Interval]], holidays: Iterable[ev.Holiday],
               effective_from: datetime, reason: str, by: str | None, at: datetime) -> None:
        """A new revision in force from `effective_from` (not before now: what clocks counted stays counted)."""
        self._require_changeable(by)
        require(effective_from >= at, "revision-not-retroactive",
                f"effective_from {effective_from.isoformat()} is before the revision's time {at.isoformat()}")
        require(effective_from >= self.current.effective_from, "revisions-in-order",
                f"effective_from is before revision {self.current.revision}'s "
                f"({self.current.effective_from.isoformat()})")
        pending = [r for r in self.revisions if r.effective_from > at]
        require(len(pending) < MAX_PENDING_REVISIONS, "revisions-pending-at-most-5",
                f"{len(pending)} revisions have yet to take effect")
        hours = calendar_hours(revision=self.current.revision + 1, effective_from=effective_from,
                               time_zone=time_zone, week=week, holidays=holidays)
        self._record(ev.CalendarRevised(calendar_id=self.id, hours=hours, reason=reason), at=at)

    def add_holidays(self, holidays: Iterable[ev.Holiday], *, effective_from: datetime, reason: str,
                     by: str | None, at: datetime) -> int:
        """Revise with these holidays added to the current ones; returns how many were new."""
        known = set(self.current.holidays)
        added = [holiday for holiday in holidays if holiday not in known]
        require(bool(added), "holidays-new", "every one of these holidays is already in the calendar")
        week = {day: [(minute_of(i.start), minute_of(i.end)) for i in self.current.week.get(day, [])]
                for day in WEEKDAYS}
        self.revise(time_zone=self.current.time_zone, week=week, holidays=[*known, *added],
                    effective_from=effective_from, reason=reason, by=by, at=at)
        return len(added)

    def delete(self, reason: str, *, used_by: list[UUID], by: str | None, at: datetime) -> None:
        self._require_changeable(by)
        require(not used_by, "calendar-not-in-use",
                "the SLAs of these services count on the calendar: " + ", ".join(str(s) for s in used_by))
        self._record(ev.CalendarDeleted(calendar_id=self.id, reason=reason), at=at)

    def in_force(self, at: datetime) -> ev.CalendarHours:
        """The revision in force at `at` (the first one before its start)."""
        found = self.revisions[0]
        for revision in self.revisions:
            if revision.effective_from <= at:
                found = revision
        return found

    def revisions_from(self, at: datetime) -> list[ev.CalendarHours]:
        """The revision in force at `at` and every later one, without the holidays already past (a day's margin
        for the zone): what a clock needs from `at` on, and all its events carry."""
        first = self.in_force(at)
        since = (at - timedelta(days=1)).date()
        return [dataclasses.replace(r, holidays=[h for h in r.holidays if h.last_day >= since])
                for r in [first, *(r for r in self.revisions if r.revision > first.revision)]]

    @singledispatchmethod
    def apply(self, event: DomainEvent) -> None:
        raise NotImplementedError(type(event).__name__)

    @apply.register
    def _(self, event: ev.CalendarCreated) -> None:
        self.name, self.owner, self.revisions = event.name, event.owner, [event.hours]

    @apply.register
    def _(self, event: ev.CalendarRevised) -> None:
        self.revisions = [*self.revisions, event.hours]

    @apply.register
    def _(self, event: ev.CalendarDeleted) -> None:
        self.deleted = True

    def summary(self) -> dict[str, Any]:
        return {"id": str(self.id), "name": self.name, "owner": self.owner, "deleted": self.deleted,
                "time_zone": self.current.time_zone, "revision": self.current.revision}


# A revision never changes once recorded and a clock's copy only drops its first (past) holidays, so (calendar
# id, revision, holidays kept) names its hours for good: incidents loaded again share them, with the business
# spans each has worked out (the cost of a deadline is paid once).
_KNOWN_HOURS: dict[tuple[UUID, int, int], WorkingHours] = {}
_KNOWN_HOURS_LIMIT = 512


def revision_hours(calendar_id: UUID, hours: ev.CalendarHours) -> WorkingHours:
    key = (calendar_id, hours.revision, len(hours.holidays))
    found = _KNOWN_HOURS.get(key)
    if found is None:
        if len(_KNOWN_HOURS) >= _KNOWN_HOURS_LIMIT:
            _KNOWN_HOURS.clear()
        found = _KNOWN_HOURS[key] = working_hours(hours)
    return found


def timeline_pieces(calendar_id: UUID | None,
                    revisions: list[ev.CalendarHours] | None) -> list[tuple[datetime, WorkingHours]]:
    """A clock's pieces from a calendar's revisions (None: the built-in 24x7)."""
    if calendar_id is None or not revisions:
        return [(EARLIEST_BUSINESS_TIME, ALWAYS)]
    return [(r.effective_from, revision_hours(calendar_id, r)) for r in revisions]


def holiday(first_day: date, last_day: date | None = None, name: str = "") -> ev.Holiday:
    return ev.Holiday(first_day=first_day, last_day=last_day or first_day, name=name)
