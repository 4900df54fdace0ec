"""Seeded incident histories for the improvement loop's tests: a few categories at steady daily rates (Poisson
counts), a rise in one of them from a known day, a one-day burst, a return to base — as an importer would
replay them, in business-time order."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from uuid import UUID, uuid4

from continuum.contracts import service as sv

DAY = timedelta(days=1)
CALM = {"db": 1.0, "network": 1.0, "auth": 0.8}  # ~2.8 incidents a day in three categories


def monday_before(moment: datetime, days: int) -> datetime:
    """The UTC midnight starting the Monday on or before `days` days before `moment`: histories start on a Monday,
    so that a seed gives the same weekday pattern, and the same verdicts, whatever day the tests run."""
    day = moment.astimezone(UTC).date() - DAY * days
    return datetime.combine(day - DAY * day.weekday(), time(), tzinfo=UTC)


def _poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


Rates = Callable[[int], dict[str, float]]


def steady(**changes: Callable[[int], float]) -> Rates:
    """CALM, with some categories' daily rate a function of the day index."""
    return lambda day: CALM | {category: rate(day) for category, rate in changes.items()}


def rise(category: str, *, from_day: int, to: float, until_day: int | None = None) -> dict[str, Callable[[int], float]]:
    """`category` at `to` a day on days [from_day, until_day), at its calm rate otherwise."""
    base = CALM.get(category, 0.0)
    return {category: lambda day: to if from_day <= day < (until_day or 10**6) else base}


@dataclass(frozen=True)
class Incident:
    service_id: UUID
    incident_id: UUID
    category: str
    opened_at: datetime


@dataclass(frozen=True)
class History:
    """One service's incidents, day by day from `start` (a UTC midnight)."""

    service_id: UUID
    start: datetime
    incidents: tuple[Incident, ...]

    def day(self, index: int, hours: float = 0) -> datetime:
        return self.start + DAY * index + timedelta(hours=hours)

    def between(self, first_day: int, end_day: int) -> list[Incident]:
        """The incidents of days [first_day, end_day)."""
        return [i for i in self.incidents if self.day(first_day) <= i.opened_at < self.day(end_day)]

    def of(self, category: str) -> set[str]:
        return {str(i.incident_id) for i in self.incidents if i.category == category}


def history(start: datetime, days: int, rates: Rates, *, seed: int, service_id: UUID | None = None) -> History:
    """`days` days of incidents from the midnight `start`: each day's count per category is Poisson with the
    day's rate, its incidents spread evenly over the day."""
    rng, service_id = random.Random(seed), service_id or uuid4()
    incidents = []
    for day in range(days):
        today = [category for category, rate in sorted(rates(day).items()) for _ in range(_poisson(rng, rate))]
        rng.shuffle(today)
        incidents += [Incident(service_id, uuid4(), category, start + DAY * day + DAY * (n + 0.5) / len(today))
                      for n, category in enumerate(today)]
    return History(service_id, start, tuple(incidents))


def in_business_time_order(*batches: Iterable[Incident]) -> list[Incident]:
    return sorted((i for batch in batches for i in batch), key=lambda i: i.opened_at)


def opened(incidents: Iterable[Incident]) -> list[tuple[sv.IncidentOpenedV1, datetime, UUID]]:
    """IncidentOpened CloudEvents for Publisher.many (the loop counts incidents by the moment they opened)."""
    return [(sv.IncidentOpenedV1(service_id=i.service_id, incident_id=i.incident_id, priority="P3",
                                 category=i.category, title=f"{i.category} alert", outage=False,
                                 detected_at=i.opened_at), i.opened_at, i.incident_id) for i in incidents]


def shifted(source: History, by: timedelta) -> History:
    """The same history for another service, `by` later (a whole number of weeks keeps its weekday pattern)."""
    service_id = uuid4()
    return History(service_id, source.start + by, tuple(Incident(service_id, uuid4(), i.category, i.opened_at + by)
                                                        for i in source.incidents))


def probe(at: datetime) -> list[Incident]:
    """One incident of a service of its own at `at`: business time moves on to it."""
    return [Incident(uuid4(), uuid4(), "probe", at)]
