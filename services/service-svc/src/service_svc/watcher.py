"""The deadline watcher: records SLA breaches of running clocks whose deadline passed, on business time.

It keeps no state of its own: each sweep asks the incidents' read model which deadlines are past, and the
Incident aggregate records each breach once (a second sweep, a restarted or a concurrent watcher find it
recorded and change nothing). A deadline in the read model is the wall-clock instant at which the clock passes
its target in business minutes of the incident's calendar (kept current by every incident event, and by SLA and
calendar changes); the breach is recorded at that instant, whenever the sweep finds it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from continuum.bus import MessageBus
from continuum.sweeper import run_periodically, send_each

from service_svc.config import DeadlineWatchSettings
from service_svc.domain.commands import RecordSlaBreaches
from service_svc.read_model import overdue_incident_ids


class DeadlineWatcher:
    def __init__(self, *, engine: AsyncEngine, bus: MessageBus, settings: DeadlineWatchSettings) -> None:
        self._engine = engine
        self._bus = bus
        self._settings = settings
        self.sweeps = 0

    async def sweep(self, now: datetime | None = None) -> int:
        """Record the breaches due by `now`; returns how many incidents were overdue."""
        now = now or datetime.now(UTC)
        async with self._engine.connect() as conn:
            overdue = await overdue_incident_ids(conn, now, limit=self._settings.batch,
                                                 settle_s=self._settings.settle_s)
        await send_each(bus=self._bus, due=overdue, name="deadline watcher", refusal_level=logging.WARNING,
                        command_for=lambda incident_id: RecordSlaBreaches(incident_id, now))
        self.sweeps += 1
        return len(overdue)

    async def run(self) -> None:
        """Sweep every interval until cancelled."""
        await run_periodically(self.sweep, interval_s=self._settings.interval_s, name="deadline watcher")
