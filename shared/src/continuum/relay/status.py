"""`RelayStatus`: what a relay reports of itself (whether it is the active relay, Kafka's availability, its
latest errors, how much it published, its checkpoint and when it last made progress)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class RelayStatus:
    leader: bool = False
    kafka_available: bool = False
    restart_error: str | None = None
    """What made the relay start over (a lost database connection, say); cleared once it is connected again."""
    kafka_error: str | None = None
    """Why Kafka did not take the last batch; cleared by the next batch it acknowledges."""
    published: int = 0
    checkpoint: tuple[int, int] = (0, 0)
    last_progress: float = field(default_factory=time.monotonic)

    @property
    def last_error(self) -> str | None:
        """The relay's latest error, Kafka's or its restart's; None while it is well."""
        return self.kafka_error or self.restart_error
