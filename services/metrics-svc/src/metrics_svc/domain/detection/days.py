"""Business days as the rules judge them: a test is judged at a UTC midnight (a day end) and reads whole UTC days
before it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

DAY = timedelta(days=1)


def day_end(moment: datetime) -> datetime:
    """The midnight (UTC) that ends the day holding `moment`."""
    return datetime.combine(moment.astimezone(UTC).date() + DAY, time(), tzinfo=UTC)


def day_ends(after: datetime, through: datetime) -> list[datetime]:
    """The midnights in (after, through]."""
    first = day_end(after) if after.astimezone(UTC).time() != time() else after + DAY
    count = max(0, int((through - first) / DAY) + 1)
    return [first + DAY * i for i in range(count)]


def _days_before(end: datetime, count: int, offset: int = 0) -> list[date]:
    """`count` days ending `offset` days before the day end `end`, newest first."""
    last = end.astimezone(UTC).date() - DAY
    return [last - DAY * (offset + i) for i in range(count)]
