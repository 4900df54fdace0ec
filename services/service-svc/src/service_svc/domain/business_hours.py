"""Business hours and the arithmetic of business time on them (pure: instants are timezone-aware datetimes).

`WorkingHours` is one calendar definition: an IANA time zone, working intervals per weekday (minutes of the
local day, several a day) and holidays (inclusive date ranges). An interval runs from the first instant the
local clock shows its start to the first instant it shows its end, so business time is real elapsed time: a
working day over a spring-forward night is an hour shorter, one over a fall-back night an hour longer, and a
boundary inside a skipped hour is the instant of the jump. `Timeline` says which working hours apply from when
(a calendar revised, an SLA changed): business time is measured on each piece with the hours of that piece.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, cached_property
from zoneinfo import ZoneInfo, available_timezones

from continuum.domain import (EARLIEST_BUSINESS_DATE, EARLIEST_BUSINESS_TIME, LATEST_BUSINESS_DATE,
                              LATEST_BUSINESS_TIME)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_MINUTES = 24 * 60
ZERO = timedelta(0)
_LAST_LOCAL_DAY = LATEST_BUSINESS_DATE + timedelta(days=1)  # a zone east of UTC is a day ahead at the end
_SPAN_CACHE_LIMIT = 20_000

Interval = tuple[int, int]
DateRange = tuple[date, date]


class CalendarInvalid(ValueError):
    """A calendar definition that cannot be used; `field` names the part (`time_zone`, `week.monday`, …)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zone(name: str) -> ZoneInfo:
    """The IANA zone of that name (`Europe/Berlin`, `UTC`), or CalendarInvalid."""
    if name not in _zone_names():
        raise CalendarInvalid("time_zone", f"{name!r} is not an IANA time zone (e.g. Europe/Berlin)")
    return ZoneInfo(name)


def working_day(day: str, intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """One weekday's intervals, sorted; inverted, empty, out-of-day or overlapping ones are CalendarInvalid."""
    ordered = tuple(sorted(intervals))
    for start, end in ordered:
        if not 0 <= start < end <= DAY_MINUTES:
            raise CalendarInvalid(f"week.{day}", f"{_hhmm(start)}–{_hhmm(end)} is not an interval of one day "
                                                 "(start before end, within 00:00–24:00)")
    for (_, end), (start, next_end) in zip(ordered, ordered[1:], strict=False):
        if start < end:
            raise CalendarInvalid(f"week.{day}", f"{_hhmm(start)}–{_hhmm(next_end)} overlaps the interval "
                                                 f"ending {_hhmm(end)}")
    return ordered


def holiday_ranges(ranges: Iterable[DateRange]) -> tuple[DateRange, ...]:
    """Holidays as sorted, merged inclusive ranges within the business calendar."""
    merged: list[DateRange] = []
    for first, last in sorted(ranges):
        if first > last:
            raise CalendarInvalid("holidays", f"{first} to {last}: a holiday range ends on or after its start")
        if first < EARLIEST_BUSINESS_DATE or last > LATEST_BUSINESS_DATE:
            raise CalendarInvalid("holidays", f"{first} to {last} is not within {EARLIEST_BUSINESS_DATE} to "
                                              f"{LATEST_BUSINESS_DATE}")
        if merged and first <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return tuple(merged)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True)
class WorkingHours:
    time_zone: str
    week: tuple[tuple[Interval, ...], ...]  # Monday first
    holidays: tuple[DateRange, ...] = ()
    _spans: dict[date, tuple[tuple[datetime, datetime], ...]] = field(default_factory=dict, compare=False,
                                                                       repr=False, hash=False)

    @classmethod
    def of(cls, *, time_zone: str, week: dict[str, Iterable[Interval]] | Iterable[Iterable[Interval]],
           holidays: Iterable[DateRange] = ()) -> WorkingHours:
        """Checked and normalised hours (CalendarInvalid names the field of what is wrong)."""
        days = [week.get(day, ()) for day in WEEKDAYS] if isinstance(week, dict) else list(week)
        if len(days) != len(WEEKDAYS):
            raise CalendarInvalid("week", "a week has seven days, Monday first")
        checked = tuple(working_day(name, intervals) for name, intervals in zip(WEEKDAYS, days, strict=True))
        if not any(checked):
            raise CalendarInvalid("week", "a calendar needs some working time in its week")
        hours = cls(time_zone, checked, holiday_ranges(holidays))
        hours.zone  # noqa: B018 (the zone is checked here, not at first use)
        return hours

    @cached_property
    def zone(self) -> ZoneInfo:
        return time_zone(self.time_zone)

    @cached_property
    def always(self) -> bool:
        """Every instant is business time (24×7): business time is wall time, whatever the zone."""
        return not self.holidays and all(day == ((0, DAY_MINUTES),) for day in self.week)

    @cached_property
    def _holiday_starts(self) -> list[date]:
        return [first for first, _ in self.holidays]

    def holiday_until(self, day: date) -> date | None:
        """The last day of the holiday range that `day` is in, if it is in one."""
        index = bisect_right(self._holiday_starts, day) - 1
        return self.holidays[index][1] if index >= 0 and day <= self.holidays[index][1] else None

    def instant(self, day: date, minute: int) -> datetime:
        """The first instant the local clock shows `minute` of `day` (24:00 is the next midnight), in UTC."""
        if minute == DAY_MINUTES:
            day, minute = day + timedelta(days=1), 0
        wall = datetime.combine(day, time(minute // 60, minute % 60))
        moment = wall.replace(tzinfo=self.zone).astimezone(UTC)
        if moment.astimezone(self.zone).replace(tzinfo=None) == wall:
            return moment
        return self._jump(wall)

    def _jump(self, wall: datetime) -> datetime:
        """The instant the clock jumped over `wall` (a skipped hour): between its two readings of it."""
        later = wall.replace(tzinfo=self.zone).astimezone(UTC)
        earlier = wall.replace(tzinfo=self.zone, fold=1).astimezone(UTC)
        offset_after = later.astimezone(self.zone).utcoffset()
        while later - earlier > timedelta(seconds=1):
            middle = earlier + (later - earlier) // 2
            if middle.astimezone(self.zone).utcoffset() == offset_after:
                later = middle
            else:
                earlier = middle
        return later

    def day_spans(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The business spans of one local day (none on a holiday), as UTC instants."""
        spans = self._spans.get(day)
        if spans is None:
            if len(self._spans) > _SPAN_CACHE_LIMIT:
                self._spans.clear()
            idle = not self.week[day.weekday()] or self.holiday_until(day) is not None
            spans = () if idle else self._compute_day(day)
            self._spans[day] = spans
        return spans

    def _compute_day(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        midnight, next_midnight = self.instant(day, 0), self.instant(day, DAY_MINUTES)
        steady = (next_midnight - midnight == timedelta(days=1)
                  and midnight.astimezone(self.zone).utcoffset() == next_midnight.astimezone(self.zone).utcoffset())
        if steady:  # no clock change that day: minutes of the day are minutes after midnight
            return tuple((midnight + timedelta(minutes=s), midnight + timedelta(minutes=e))
                         for s, e in self.week[day.weekday()])
        return tuple((self.instant(day, s), self.instant(day, e)) for s, e in self.week[day.weekday()])

    def spans(self, start: datetime, end: datetime | None = None) -> Iterator[tuple[datetime, datetime]]:
        """The business spans within [start, end) (to the end of the business calendar when `end` is None)."""
        if self.always:
            if end is None or start < end:
                yield start, end if end is not None else self.instant(_LAST_LOCAL_DAY, 0)
            return
        day = start.astimezone(self.zone).date()
        last_day = _LAST_LOCAL_DAY if end is None else min(end.astimezone(self.zone).date(), _LAST_LOCAL_DAY)
        while day <= last_day:
            holiday_end = self.holiday_until(day)
            if holiday_end is not None:
                day = holiday_end + timedelta(days=1)
                continue
            for first, last in self.day_spans(day):
                if end is not None and first >= end:
                    return
                first, last = max(first, start), last if end is None else min(last, end)
                if first < last:
                    yield first, last
            day += timedelta(days=1)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time in [start, end) (zero if end is not after start)."""
        if self.always:
            return max(end - start, ZERO)
        return sum((last - first for first, last in self.spans(start, end)), ZERO)

    def passes(self, start: datetime, business: timedelta) -> datetime | None:
        """The instant from which more than `business` has elapsed since `start` (the next working moment once it
        is reached at the end of a working span); None if that lies beyond the business calendar."""
        remaining = business
        for first, last in self.spans(start):
            if remaining < last - first:
                return first + remaining if first + remaining <= LATEST_BUSINESS_TIME else None
            remaining -= last - first
        return None

    def is_open(self, at: datetime) -> bool:
        """Whether `at` is business time."""
        if self.always:
            return True
        day = at.astimezone(self.zone).date()
        return any(first <= at < last for first, last in self.day_spans(day))


ALWAYS = WorkingHours("UTC", tuple(((0, DAY_MINUTES),) for _ in WEEKDAYS))
"""The built-in `24x7` calendar: every instant is business time."""


@dataclass(frozen=True)
class Timeline:
    """Working hours by the instant they apply from; the first applies before its start too."""

    pieces: tuple[tuple[datetime, WorkingHours], ...] = ((EARLIEST_BUSINESS_TIME, ALWAYS),)

    def from_on(self, at: datetime, pieces: Iterable[tuple[datetime, WorkingHours]]) -> Timeline:
        """This timeline up to `at`, then `pieces` (the first of them from `at`, the others from their start)."""
        kept = tuple(piece for piece in self.pieces if piece[0] < at)
        new = sorted(pieces, key=lambda piece: piece[0])
        return Timeline(kept + ((at, new[0][1]),) + tuple(piece for piece in new[1:] if piece[0] > at))

    def _segments(self, start: datetime) -> Iterator[tuple[datetime, datetime | None, WorkingHours]]:
        starts = [begin for begin, _ in self.pieces]
        index = max(bisect_right(starts, start) - 1, 0)
        for position in range(index, len(self.pieces)):
            following = self.pieces[position + 1][0] if position + 1 < len(self.pieces) else None
            yield start if position == index else self.pieces[position][0], following, self.pieces[position][1]

    @cached_property
    def always(self) -> bool:
        """Every piece is 24×7: business time is wall time (the built-in calendar, most SLAs)."""
        return all(hours.always for _, hours in self.pieces)

    def between(self, start: datetime, end: datetime) -> timedelta:
        if self.always:  # a tenth of a bulk import's CPU went to walking the pieces of the 24×7 timeline
            return max(end - start, ZERO)
        total = ZERO
        for first, following, hours in self._segments(start):
            if first >= end:
                break
            total += hours.between(first, end if following is None else min(end, following))
        return total

    def passes(self, start: datetime, business: timedelta) -> datetime | None:
        """The instant from which more than `business` has elapsed since `start`, across the pieces."""
        remaining = business
        for first, following, hours in self._segments(start):
            if following is None:
                return hours.passes(first, remaining)
            within = hours.between(first, following)
            if remaining < within:
                return hours.passes(first, remaining)
            remaining -= within
        return None

    def is_open(self, at: datetime) -> bool:
        return next(self._segments(at))[2].is_open(at)


WALL_CLOCK = Timeline()
