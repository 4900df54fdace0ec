"""SLA clocks as stopwatches folded from an incident's events: pure arithmetic on business time.

A stopwatch is the list of instants at which it started running, paused or stopped. Elapsed time is the sum
of its running spans, paused time the sum of its paused spans. The target is not part of the stopwatch, so a changed SLA changes only
the deadline, never the time already elapsed or paused; a reopened incident starts the same watch again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

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

    def time_in(self, state: str, now: datetime) -> timedelta:
        total = ZERO
        for start, end in self.spans(state):
            stop = now if end is None else min(end, now)
            total += max(stop - start, ZERO)
        return total

    def elapsed(self, now: datetime) -> timedelta:
        return self.time_in(RUNNING, now)

    def paused(self, now: datetime) -> timedelta:
        """Time on hold (awaiting the customer); a stopped (resolved) stretch is neither elapsed nor paused."""
        return self.time_in(PAUSED, now)

    def reached_at(self, target: timedelta) -> datetime | None:
        """The business-time instant from which elapsed time passes `target` (None if it never did / will not).

        A clock stopped exactly on its target has not passed it; if it runs again, it passes it as it restarts.
        """
        so_far = ZERO
        for start, end in self.spans():
            if end is None or so_far + (end - start) > target:
                return start + (target - so_far)
            so_far += end - start
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


def minutes(span: timedelta) -> Decimal:
    return (Decimal(span.total_seconds()) / 60).quantize(Decimal("0.01"))


def is_breached(watch: Stopwatch, target_minutes: int | None, now: datetime) -> bool:
    return target_minutes is not None and watch.elapsed(now) > timedelta(minutes=target_minutes)


def breach_instant(watch: Stopwatch, target_minutes: int) -> datetime | None:
    return watch.reached_at(timedelta(minutes=target_minutes))


def due_at(watch: Stopwatch, target_minutes: int | None) -> datetime | None:
    """When a running clock will pass its target; None while paused, stopped or without a target."""
    if target_minutes is None or not watch.running:
        return None
    return breach_instant(watch, target_minutes)


def clock_figures(watch: Stopwatch, target_minutes: int | None, now: datetime) -> ClockFigures:
    """The clock as a reader sees it at `now`."""
    elapsed = watch.elapsed(now)
    target = None if target_minutes is None else timedelta(minutes=target_minutes)
    return ClockFigures(
        state=watch.state,
        target_minutes=target_minutes,
        elapsed_minutes=minutes(elapsed),
        paused_minutes=minutes(watch.paused(now)),
        remaining_minutes=None if target is None else minutes(max(target - elapsed, ZERO)),
        due_at=due_at(watch, target_minutes),
        breached=is_breached(watch, target_minutes, now),
        met=None if target is None or watch.state != STOPPED else elapsed <= target,
    )
