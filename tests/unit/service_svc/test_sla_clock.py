"""The SLA stopwatch arithmetic: pauses, a target changed mid-incident, reopening (property-based)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from service_svc.domain.sla_clock import (PAUSED, RUNNING, STOPPED, Stopwatch, breach_instant, clock_figures, due_at,
                                          is_breached)

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
moves = st.lists(st.tuples(st.integers(min_value=0, max_value=10_000), st.sampled_from([RUNNING, PAUSED, STOPPED])),
                 max_size=12)
minutes_later = st.integers(min_value=0, max_value=10_000)
targets = st.integers(min_value=1, max_value=20_000)


def watch_from(steps: list[tuple[int, str]]) -> tuple[Stopwatch, datetime, dict[str, timedelta]]:
    """Start at T0, then move to each state after its gap; also count, by hand, the time spent in each state."""
    watch, at, spent = Stopwatch().moved(T0, RUNNING), T0, {RUNNING: timedelta(0), PAUSED: timedelta(0),
                                                            STOPPED: timedelta(0)}
    for gap, state in steps:
        moved = watch.moved(at + timedelta(minutes=gap), state)
        if moved != watch:
            spent[watch.state] += timedelta(minutes=gap)
            watch, at = moved, at + timedelta(minutes=gap)
    return watch, at, spent


@given(moves, minutes_later)
def test_elapsed_and_paused_time_are_the_running_and_paused_spans(steps, later):
    watch, last, spent = watch_from(steps)
    now = last + timedelta(minutes=later)
    spent[watch.state] += now - last
    assert watch.elapsed(now) == spent[RUNNING]
    assert watch.paused(now) == spent[PAUSED]
    assert watch.elapsed(now) + watch.paused(now) + spent[STOPPED] == now - T0


@given(moves, minutes_later, minutes_later)
def test_elapsed_never_goes_backwards(steps, a, b):
    watch, last, _ = watch_from(steps)
    earlier, later = sorted((a, b))
    assert watch.elapsed(last + timedelta(minutes=earlier)) <= watch.elapsed(last + timedelta(minutes=later))


@given(moves, targets, targets, minutes_later)
def test_a_changed_target_keeps_elapsed_and_paused_time(steps, old_target, new_target, later):
    watch, last, _ = watch_from(steps)
    now = last + timedelta(minutes=later)
    before, after = clock_figures(watch, old_target, now), clock_figures(watch, new_target, now)
    assert (before.elapsed_minutes, before.paused_minutes) == (after.elapsed_minutes, after.paused_minutes)
    assert after.breached == (watch.elapsed(now) > timedelta(minutes=new_target))


@given(moves, targets)
def test_the_breach_instant_is_when_elapsed_time_passes_the_target(steps, target):
    watch, last, _ = watch_from(steps)
    instant = breach_instant(watch, target)
    if instant is None:
        assert not watch.running and not is_breached(watch, target, last + timedelta(days=365))
    else:
        assert watch.elapsed(instant) == timedelta(minutes=target)
        assert not is_breached(watch, target, instant)
        assert is_breached(watch, target, instant + timedelta(seconds=1))


@given(moves, targets)
def test_a_deadline_exists_only_while_running(steps, target):
    watch, _, _ = watch_from(steps)
    assert (due_at(watch, target) is not None) == watch.running
    assert due_at(watch, None) is None


@given(minutes_later, minutes_later, minutes_later, minutes_later)
def test_reopening_continues_the_clock_and_keeps_the_pauses(worked, held, resolved_for, worked_again):
    held_at = T0 + timedelta(minutes=worked)
    resolved = held_at + timedelta(minutes=held)
    reopened = resolved + timedelta(minutes=resolved_for)
    watch = (Stopwatch().moved(T0, RUNNING).moved(held_at, PAUSED).moved(resolved, STOPPED)
             .moved(reopened, RUNNING))
    now = reopened + timedelta(minutes=worked_again)
    assert watch.elapsed(now) == timedelta(minutes=worked + worked_again)
    assert watch.paused(now) == timedelta(minutes=held)


def test_moves_that_make_no_sense_change_nothing():
    watch = Stopwatch().moved(T0, RUNNING)
    later = T0 + timedelta(hours=1)
    assert watch.moved(later, RUNNING) == watch
    assert Stopwatch().moved(T0, STOPPED) == Stopwatch()
    stopped = watch.moved(later, STOPPED)
    assert stopped.moved(later, PAUSED) == stopped


def test_figures_of_a_paused_then_stopped_clock():
    watch = Stopwatch().moved(T0, RUNNING).moved(T0 + timedelta(minutes=20), PAUSED)
    paused = clock_figures(watch, 60, T0 + timedelta(minutes=90))
    assert (paused.state, paused.elapsed_minutes, paused.paused_minutes) == (PAUSED, 20, 70)
    assert paused.remaining_minutes == 40 and paused.due_at is None and not paused.breached and paused.met is None
    resumed = watch.moved(T0 + timedelta(minutes=90), RUNNING)
    assert clock_figures(resumed, 60, T0 + timedelta(minutes=90)).due_at == T0 + timedelta(minutes=130)
    stopped = clock_figures(resumed.moved(T0 + timedelta(minutes=150), STOPPED), 60, T0 + timedelta(days=3))
    assert (stopped.state, stopped.elapsed_minutes, stopped.breached, stopped.met) == (STOPPED, 80, True, False)
