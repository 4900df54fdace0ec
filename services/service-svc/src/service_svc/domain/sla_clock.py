"""SLA clocks as stopwatches folded from an incident's events: pure arithmetic on business time.

A stopwatch is the list of instants at which it started running, paused or stopped. Elapsed time is the
business time of its running spans, measured on a calendar timeline (wall-clock time on the built-in 24x7),
paused time the wall-clock time of its paused spans. Neither the target nor the calendar is part of the
stopwatch, so a changed SLA or calendar changes only the deadline and the time counted from the change on, never
the time already elapsed or paused; a reopened incident starts the same watch again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from service_svc.domain.business_hours import WALL_CLOCK, Timeline

ZERO = timedelta(0)


RUNNING, PAUSED, STOPPED, NOT_STARTED = "running", "paused", "stopped", "not_started"


@dataclass(frozen=True)
class Stopwatch:
    marks: tuple[tuple[datetime, str], ...] = ()

    @property
    def state(self) -> str:
        return self.marks[-1][1] if self.marks else NOT_STARTED

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    def moved(self, at: datetime, state: str) -> Stopwatch:
        """Run, pause (only a running watch) or stop from `at`; moving to the current state changes nothing."""
        if state == self.state or (state == PAUSED and not self.running) or (state != RUNNING and not self.marks):
            return self
        return Stopwatch(self.marks + ((at, state),))

    def spans(self, state: str = RUNNING) -> Iterator[tuple[datetime, datetime | None]]:
        """The spans spent in `state`, the last one open (None) while the watch is still in it."""
        for index, (at, current) in enumerate(self.marks):
            if current == state:
                following = self.marks[index + 1][0] if index + 1 < len(self.marks) else None
                yield at, following

    def time_in(self, state: str, now: datetime, on: Timeline = WALL_CLOCK) -> timedelta:
        total = ZERO
        for start, end in self.spans(state):
            stop = now if end is None else min(end, now)
            total += on.between(start, stop)
        return total

    def elapsed(self, now: datetime, on: Timeline = WALL_CLOCK) -> timedelta:
        """Business time spent running, on the calendar timeline `on`."""
        return self.time_in(RUNNING, now, on)

    def paused(self, now: datetime) -> timedelta:
        """Time on hold (awaiting the customer); a stopped (resolved) stretch is neither elapsed nor paused."""
        return self.time_in(PAUSED, now)

    def reached_at(self, target: timedelta, on: Timeline = WALL_CLOCK) -> datetime | None:
        """The instant from which elapsed time passes `target` (None if it never did / will not).

        A clock stopped exactly on its target has not passed it; if it runs again, it passes it at its first
        working moment; a target reached at the end of working hours is passed as the next working time starts.
        """
        so_far = ZERO
        for start, end in self.spans():
            spent = None if end is None else on.between(start, end)
            if spent is None or so_far + spent > target:
                return on.passes(start, target - so_far)
            so_far += spent
        return None


@dataclass(frozen=True)
class ClockFigures:
    state: str
    target_minutes: int | None
    elapsed_minutes: Decimal
    paused_minutes: Decimal
    remaining_minutes: Decimal | None
    due_at: datetime | None
    breached: bool
    met: bool | None
    within_calendar_hours: bool


def minutes(span: timedelta) -> Decimal:
    return (Decimal(span.total_seconds()) / 60).quantize(Decimal("0.01"))


def is_breached(watch: Stopwatch, target_minutes: int | None, now: datetime, on: Timeline = WALL_CLOCK) -> bool:
    return target_minutes is not None and watch.elapsed(now, on) > timedelta(minutes=target_minutes)


def breach_instant(watch: Stopwatch, target_minutes: int, on: Timeline = WALL_CLOCK) -> datetime | None:
    return watch.reached_at(timedelta(minutes=target_minutes), on)


def due_at(watch: Stopwatch, target_minutes: int | None, on: Timeline = WALL_CLOCK) -> datetime | None:
    """The wall-clock instant a running clock will pass its business target; None while paused, stopped or
    without a target (or when that lies beyond the business calendar)."""
    if target_minutes is None or not watch.running:
        return None
    return breach_instant(watch, target_minutes, on)


def clock_figures(watch: Stopwatch, target_minutes: int | None, now: datetime,
                  on: Timeline = WALL_CLOCK) -> ClockFigures:
    """The clock as a reader sees it at `now`, in business minutes of the timeline `on`."""
    elapsed = watch.elapsed(now, on)
    target = None if target_minutes is None else timedelta(minutes=target_minutes)
    return ClockFigures(
        state=watch.state,
        target_minutes=target_minutes,
        elapsed_minutes=minutes(elapsed),
        paused_minutes=minutes(watch.paused(now)),
        remaining_minutes=None if target is None else minutes(max(target - elapsed, ZERO)),
        due_at=due_at(watch, target_minutes, on),
        breached=is_breached(watch, target_minutes, now, on),
        met=None if target is None or watch.state != STOPPED else elapsed <= target,
        within_calendar_hours=on.is_open(now),
    )
