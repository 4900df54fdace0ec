"""Windows of business time and the figures computed over them: every figure says its window and its basis."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

WINDOW_DAYS = (7, 30, 90)
MINUTES_PER_DAY = Decimal(24 * 60)


@dataclass(frozen=True)
class Window:
    """The half-open interval [start, end) of business time."""

    start: datetime
    end: datetime

    @classmethod
    def ending(cls, as_of: datetime, *, days: int) -> Window:
        return cls(as_of - timedelta(days=days), as_of)

    @property
    def days(self) -> Decimal:
        return Decimal((self.end - self.start).total_seconds()) / Decimal(86_400)

    @property
    def minutes(self) -> Decimal:
        return self.days * MINUTES_PER_DAY

    def holds(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end

    def before(self) -> Window:
        """The window of the same length just before this one (a trailing baseline)."""
        return Window(self.start - (self.end - self.start), self.start)

    def weeks(self) -> list[Window]:
        """Consecutive weeks ending at `end`, oldest first (a partial first week is dropped)."""
        count = int((self.end - self.start) / timedelta(days=7))
        return [Window(self.end - timedelta(days=7 * (i + 1)), self.end - timedelta(days=7 * i))
                for i in reversed(range(count))]


@dataclass(frozen=True)
class Figure:
    """A KPI value (None when undefined, e.g. a ratio over nothing) and how many events it rests on."""

    value: Decimal | None
    based_on: int


def ratio_pct(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part / whole as a percentage; None when the whole is zero (undefined, not 0)."""
    return None if not whole else Decimal(part) * 100 / Decimal(whole)


def ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if not whole else Decimal(part) / Decimal(whole)


def mean(values: Sequence[Decimal]) -> Decimal | None:
    return None if not values else sum(values, Decimal(0)) / len(values)


def minutes_between(start: datetime, end: datetime) -> Decimal:
    return Decimal((end - start).total_seconds()) / 60


def count_in(window: Window, moments: Iterable[datetime | None]) -> int:
    return sum(1 for moment in moments if window.holds(moment))
