"""SLA clocks as stopwatches folded from an incident's events: pure arithmetic on business time.

A stopwatch is the list of instants at which it started or stopped running. Elapsed time is the sum of its
running spans; pauses are the gaps. The target is not part of the stopwatch, so a changed SLA changes only
the deadline, never the time already elapsed or paused; a reopened incident starts the same watch again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

ZERO = timedelta(0)


@dataclass(frozen=True)
class Stopwatch:
    toggles: tuple[tuple[datetime, bool], ...] = ()

    @property
    def started(self) -> bool:
        return bool(self.toggles)

    @property
    def running(self) -> bool:
        return bool(self.toggles) and self.toggles[-1][1]

    def toggled(self, at: datetime, *, running: bool) -> Stopwatch:
        """Start (running=True) or stop/pause (running=False); toggling to the current state changes nothing."""
        if running == self.running:
            return self
        return Stopwatch(self.toggles + ((at, running),))

    def spans(self) -> Iterator[tuple[datetime, datetime | None]]:
        """The running spans, the last one open (None) while the watch runs."""
        for index, (at, running) in enumerate(self.toggles):
            if running:
                following = self.toggles[index + 1][0] if index + 1 < len(self.toggles) else None
                yield at, following

    def elapsed(self, now: datetime) -> timedelta:
        total = ZERO
        for start, end in self.spans():
            stop = now if end is None else min(end, now)
            total += max(stop - start, ZERO)
        return total

    def paused(self, now: datetime) -> timedelta:
        """Time since the first start that the watch was not running (holds, and gaps before a reopen)."""
        if not self.toggles:
            return ZERO
        end = now if self.running else min(now, self.toggles[-1][0])
        return max(end - self.toggles[0][0], ZERO) - self.elapsed(end)

    def reached_at(self, target: timedelta) -> datetime | None:
        """The business-time instant at which elapsed time reaches `target` (None if it never did / will not)."""
        so_far = ZERO
        for start, end in self.spans():
            if end is None or so_far + (end - start) >= target:
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


def clock_figures(watch: Stopwatch, target_minutes: int | None, now: datetime, *, idle: str = "stopped") -> ClockFigures:
    """The clock as a reader sees it at `now`; `idle` names a watch that is not running (stopped or paused)."""
    elapsed = watch.elapsed(now)
    target = None if target_minutes is None else timedelta(minutes=target_minutes)
    state = "running" if watch.running else (idle if watch.started else "not_started")
    return ClockFigures(
        state=state,
        target_minutes=target_minutes,
        elapsed_minutes=minutes(elapsed),
        paused_minutes=minutes(watch.paused(now)),
        remaining_minutes=None if target is None else minutes(max(target - elapsed, ZERO)),
        due_at=due_at(watch, target_minutes),
        breached=is_breached(watch, target_minutes, now),
        met=None if target is None or watch.running else elapsed <= target,
    )
