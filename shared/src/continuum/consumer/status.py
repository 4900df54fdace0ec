"""`ConsumerStatus`: what a running consumer reports of itself (running, retrying since when, its last error,
its counts by outcome and its lag), as the readiness check reads it."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass
class ConsumerStatus:
    running: bool = False
    retrying_since: float | None = None
    last_error: str | None = None
    handled: int = 0
    duplicates: int = 0
    ignored: int = 0
    dead_lettered: int = 0
    lag: int = 0

    def stuck(self, after_s: float) -> bool:
        """Whether the consumer has been retrying one batch for longer than `after_s` seconds."""
        return self.retrying_since is not None and time.monotonic() - self.retrying_since > after_s
