"""Ends early life support by itself: every interval, each handover in early life support is evaluated and
completes when its period has ended and its exit criteria hold (the same command as the evaluate route)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import partial
from uuid import UUID

from continuum.bus import MessageBus
from continuum.service import Platform
from continuum.sweeper import run_periodically, send_each

from handover_svc.domain import commands as c
from handover_svc.domain.handover import HandoverState
from handover_svc.read_model import handover_ids

log = logging.getLogger(__name__)


async def handovers_in_early_life(platform: Platform) -> list[UUID]:
    async with platform.engine.connect() as conn:
        return await handover_ids(conn, {"state": HandoverState.accepted.value})


async def complete_due_early_life_support(platform: Platform, bus: MessageBus) -> int:
    """Complete every handover whose early life support may end now; how many completed."""
    sweep = await send_each(bus=bus, due=await handovers_in_early_life(platform), name="early life watcher",
                            command_for=_complete, refusal_level=logging.DEBUG)
    if sweep.done:
        log.info("early life support completed for %d handover(s)", sweep.done)
    return sweep.done


def _complete(handover_id: UUID) -> c.CompleteEarlyLifeSupport:
    """Refused while the period runs on or an exit criterion does not hold yet; the platform's clock, for anyone."""
    return c.CompleteEarlyLifeSupport(handover_id=handover_id, at=datetime.now(UTC), acting_owner=None)


async def early_life_watcher(platform: Platform, *, interval_s: float) -> None:
    """Complete what is due every interval until cancelled."""
    await run_periodically(partial(complete_due_early_life_support, platform, platform.bus), interval_s=interval_s,
                           name="early life watcher")
