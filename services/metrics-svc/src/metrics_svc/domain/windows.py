"""Windows of business time and the figures computed over them: every figure says its window and its basis."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from continuum.domain import (
    EARLIEST_BUSINESS_DATE,
    EARLIEST_BUSINESS_TIME,
    LATEST_BUSINESS_DATE,
    LATEST_BUSINESS_TIME,
    as_utc,
)

from metrics_svc.domain.facts import CostFact

WINDOW_DAYS = (7, 30, 90)
MINUTES_PER_DAY = Decimal(24 * 60)
# Business time lies within the platform's business calendar. A fact stored before the write side was bounded may
# lie outside it — PostgreSQL's ±infinity (year 1, 9999's last instant) comes back as naive datetime.min/max — and
# is then left out of the figures and reported, never compared or subtracted.
CALENDAR = f"the business calendar {EARLIEST_BUSINESS_DATE} to {LATEST_BUSINESS_DATE}"
# What computing one figure from odd but storable facts can raise (overflowing dates, decimal limits, NaN, a
# malformed id in a JSON column): caught per figure or per item, so that one item never fails a list.
COMPUTE_ERRORS = (ArithmeticError, AttributeError, LookupError, TypeError, ValueError)
T = TypeVar("T")


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


@dataclass(frozen=True)
class Problem:
    """Why one item's KPIs rest on less than its stored facts: a fact left out, or a figure left null."""

    reason: str
    figure: str | None = None  # the figure left null (None: the fact was left out of every figure)
    fact: str | None = None  # the stored fact left out, e.g. "incident <id> opened_at"


def usable_moment(moment: datetime | None) -> bool:
    """A moment a figure may use: absent, or within the business calendar (naive counts as UTC)."""
    return moment is None or EARLIEST_BUSINESS_TIME <= as_utc(moment) <= LATEST_BUSINESS_TIME


def usable_day(day: date | None) -> bool:
    return day is None or EARLIEST_BUSINESS_DATE <= day <= LATEST_BUSINESS_DATE


def usable_amount(amount: Decimal | None) -> bool:
    return amount is None or Decimal(amount).is_finite()


def unusable_fact(fact: str, field: str, value: object) -> Problem:
    """A stored fact left out of the figures, and why (`fact` names the item's fact, e.g. "incident <id>")."""
    if isinstance(value, datetime | date):
        naive = value.replace(tzinfo=None) if isinstance(value, datetime) else value
        shown = {datetime.max: "infinity", datetime.min: "-infinity", date.max: "infinity",
                 date.min: "-infinity"}.get(naive, value.isoformat())
        reason = f"{field} is {shown}, outside {CALENDAR}: left out of the figures"
    else:
        reason = f"{field} is {value}, not a finite number: left out of the figures"
    return Problem(reason, fact=f"{fact} {field}")


def computed(figure: str, compute: Callable[[], T], problems: list[Problem], fallback: T) -> T:
    """One figure, computed on its own: if the facts make it fail, the fallback and a problem naming it."""
    try:
        return compute()
    except COMPUTE_ERRORS as error:
        problems.append(Problem(f"could not be computed from the stored facts ({type(error).__name__})",
                                figure=figure))
        return fallback


def usable_costs(costs: Sequence[CostFact], problems: list[Problem], *, of: str) -> list[CostFact]:
    """The costs TCO (or AC) may use; each one left out (a date outside the business calendar, an amount not
    finite) is named in `problems`."""
    usable = []
    for cost in costs:
        bad = [] if usable_moment(cost.incurred_at) else [("incurred_at", cost.incurred_at)]
        bad += [] if usable_amount(cost.amount) else [("amount", cost.amount)]
        problems.extend(unusable_fact(f"{of} {cost.owner_id} cost", *field) for field in bad)
        if not bad:
            usable.append(cost)
    return usable
