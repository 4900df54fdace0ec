"""A window [lo, hi) of business time cut at UTC midnights into whole days and partial days (split), and a
partial day cut at whole UTC hours (split_hours): what the bounded reads read each part from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from metrics_svc.projection.rollups import midnight, utc_day

ONE_DAY = timedelta(days=1)

ONE_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Split:
    """[lo, hi) as whole UTC days (first..last, inclusive; none when first > last) and partial ranges."""

    first: date
    last: date
    partials: tuple[tuple[datetime, datetime], ...]


@lru_cache(maxsize=8192)  # the same windows for every service of a list
def split(lo: datetime, hi: datetime) -> Split:
    if hi <= lo:
        return Split(date.max, date.min, ())
    start_day, end_day = utc_day(lo), utc_day(hi)
    first = start_day if midnight(start_day) == lo else start_day + ONE_DAY
    last = end_day - ONE_DAY
    if first > last:  # no whole day: at most two partial ranges around one midnight
        cut = midnight(end_day)
        parts = ((lo, hi),) if start_day == end_day else tuple((a, b) for a, b in ((lo, cut), (cut, hi)) if a < b)
        return Split(date.max, date.min, parts)
    parts = tuple(part for part in ((lo, midnight(first)), (midnight(last + ONE_DAY), hi)) if part[0] < part[1])
    return Split(first, last, parts)


@lru_cache(maxsize=8192)
def split_hours(lo: datetime, hi: datetime) -> tuple[tuple[datetime, datetime] | None, list[tuple[datetime, datetime]]]:
    """A partial day [lo, hi) as whole UTC hours (a range, or None) and the partial hours at its edges."""
    first = lo.replace(minute=0, second=0, microsecond=0)
    first = first if first == lo else first + ONE_HOUR
    last = hi.replace(minute=0, second=0, microsecond=0)
    if first >= last:
        return None, [(lo, hi)]
    return (first, last), [part for part in ((lo, first), (last, hi)) if part[0] < part[1]]
