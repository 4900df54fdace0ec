"""The platform sweeper: refusals skipped, version clashes retried, a failed round does not end the loop."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest
from continuum.domain import DomainError
from continuum.eventstore.store import ConcurrencyError
from continuum.sweeper import Sweep, run_periodically, send_each


class FakeBus:
    """Answers each command with the next scripted outcome for its item: None (taken) or an exception."""

    def __init__(self, script: dict[str, list[Exception | None]]) -> None:
        self.script, self.taken, self.sent = script, [], []

    async def handle(self, command: str) -> None:
        self.sent.append(command)
        outcomes = self.script.get(command, [])
        outcome = outcomes.pop(0) if outcomes else None
        if outcome is not None:
            raise outcome
        self.taken.append(command)


def sweep(bus: FakeBus, due: list[str], **options) -> Sweep:
    return asyncio.run(send_each(bus=bus, due=due, command_for=lambda item: item, name="test", **options))


def clash() -> ConcurrencyError:
    return ConcurrencyError(uuid4(), 1)


def test_a_refusal_is_skipped_and_the_others_still_go() -> None:
    bus = FakeBus({"b": [DomainError("not-due-yet", "the period runs on")]})
    assert sweep(bus, ["a", "b", "c"]) == Sweep(done=2, refused=1, clashed=0)
    assert bus.taken == ["a", "c"] and bus.sent == ["a", "b", "c"]


def test_a_version_clash_is_sent_again_and_the_sweep_goes_on() -> None:
    bus = FakeBus({"a": [clash(), clash()]})
    assert sweep(bus, ["a", "b"]) == Sweep(done=2, refused=0, clashed=0)
    assert bus.sent == ["a", "a", "a", "b"]


def test_a_refusal_after_a_clash_counts_as_refused() -> None:
    bus = FakeBus({"a": [clash(), DomainError("already-done", "someone else did it")]})
    assert sweep(bus, ["a"]) == Sweep(done=0, refused=1, clashed=0)


def test_endless_clashes_give_up_on_that_item_only() -> None:
    bus = FakeBus({"a": [clash()] * 10})
    assert sweep(bus, ["a", "b"], clash_retries=2) == Sweep(done=1, refused=0, clashed=1)
    assert bus.sent == ["a", "a", "a", "b"]


def test_another_error_ends_the_round() -> None:
    bus = FakeBus({"a": [RuntimeError("database away")]})
    with pytest.raises(RuntimeError):
        sweep(bus, ["a", "b"])
    assert bus.sent == ["a"]


def test_a_failed_round_is_followed_by_the_next() -> None:
    rounds: list[int] = []

    async def flaky() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise RuntimeError("database away")
        if len(rounds) == 3:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(run_periodically(flaky, interval_s=0, name="test"))
    assert rounds == [0, 1, 2]
