"""The one sweeper: every few seconds, find what is due and send one command each.

A rule refusal is that item's answer for now (logged, the others go on); a version clash means someone else
changed the aggregate meanwhile, so the command is sent again on the fresh state, a few times at the most.
A failed round (the database away) is logged and the next round tries again: nothing due is lost, only later.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from continuum.domain import DomainError
from continuum.eventstore.store import ConcurrencyError

log = logging.getLogger(__name__)

T = TypeVar("T")


class CommandBus(Protocol):
    """What a sweep needs of the message bus."""

    async def handle(self, command: Any) -> Any:
        """Run the command's handler in its own unit of work."""


@dataclass(frozen=True, kw_only=True)
class Sweep:
    """How one round went: commands taken, refused by a rule, and given up after repeated clashes."""

    done: int = 0
    refused: int = 0
    clashed: int = 0


async def send_each(*, bus: CommandBus, due: Iterable[T], command_for: Callable[[T], Any], name: str,
                    clash_retries: int = 3, refusal_level: int = logging.INFO) -> Sweep:
    """Send one command per due item: refusals are logged and skipped, version clashes retried; how it went."""
    outcomes: Counter[str] = Counter()
    for item in due:
        outcomes[await _send(bus, item, command_for, name=name, clash_retries=clash_retries,
                             refusal_level=refusal_level)] += 1
    return Sweep(done=outcomes["done"], refused=outcomes["refused"], clashed=outcomes["clashed"])


async def _send(bus: CommandBus, item: Any, command_for: Callable[[Any], Any], *, name: str,
                clash_retries: int, refusal_level: int) -> str:
    for attempt in range(clash_retries + 1):
        try:
            await bus.handle(command_for(item))
            return "done"
        except ConcurrencyError:  # changed meanwhile: decide again on the fresh state
            log.info("%s: %s changed during the sweep (attempt %d)", name, item, attempt + 1)
        except DomainError as refusal:  # this one cannot be done now; the others still are
            log.log(refusal_level, "%s: %s refused (%s: %s)", name, item, refusal.rule, refusal.detail)
            return "refused"
    log.warning("%s: %s kept changing; the next sweep looks again", name, item)
    return "clashed"


async def run_periodically(sweep: Callable[[], Awaitable[Any]], *, interval_s: float, name: str,
                           wait_first: bool = False) -> None:
    """Run `sweep` every `interval_s` seconds until cancelled; a failed round is logged and the next goes on."""
    if wait_first:
        await asyncio.sleep(interval_s)
    while True:
        try:
            await sweep()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - the database is away: the next round tries again
            log.warning("%s: sweep failed: %r", name, error)
        await asyncio.sleep(interval_s)
