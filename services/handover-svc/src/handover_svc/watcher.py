"""Ends early life support by itself: every interval, each handover in early life support is evaluated and
completes when its period has ended and its exit criteria hold (the same command as the evaluate route)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from uuid import UUID

from continuum.bus import MessageBus
from continuum.domain import DomainError
from continuum.service import Platform

from handover_svc.domain import commands as c
from handover_svc.domain.handover import HandoverState
from handover_svc.read_models import handover_ids

log = logging.getLogger(__name__)


async def handovers_in_early_life(platform: Platform) -> list[UUID]:
    async with platform.engine.connect() as conn:
        return await handover_ids(conn, {"state": HandoverState.accepted.value})


async def complete_due_early_life_support(platform: Platform, bus: MessageBus) -> int:
    """Complete every handover whose early life support may end now; how many completed."""
    completed = 0
    for handover_id in await handovers_in_early_life(platform):
        try:
            await bus.handle(c.CompleteEarlyLifeSupport(handover_id=handover_id, at=datetime.now(UTC),
                                                        acting_owner=None))  # the platform's clock, for anyone
            completed += 1
        except DomainError:
            continue  # the period runs on, or an exit criterion does not hold yet
    return completed


async def early_life_watcher(platform: Platform, *, interval_s: float) -> None:
    bus = platform.bus
    while True:
        try:
            completed = await complete_due_early_life_support(platform, bus)
            if completed:
                log.info("early life support completed for %d handover(s)", completed)
        except Exception as error:  # the database is away: try again next round
            log.warning("early life check failed: %s", error)
        await asyncio.sleep(interval_s)

