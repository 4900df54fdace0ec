"""The load and fault profile: short in `make test`, long in `make soak` (RELIABILITY_SOAK=1)."""

from __future__ import annotations

import os
from dataclasses import dataclass

SOAK = os.environ.get("RELIABILITY_SOAK", "") not in ("", "0")


@dataclass(frozen=True)
class Profile:
    """How hard and how long the scenarios push."""

    workers: int
    warmup_s: float
    kill_rounds: int
    killed_for_s: float
    between_kills_s: float
    kafka_outages: int
    kafka_outage_s: float
    """Longer than a relay's publish timeout (3 x KafkaSettings.request_timeout_ms, 30 s by default), so every relay
    meets a failed send and starts its producer again; the scenario asserts it did (relays_failed_after)."""
    postgres_restarts: int
    postgres_down_s: float
    after_fault_s: float
    idempotency_kills: int
    drain_timeout_s: float
    """How long metrics-svc may take to catch up after the fault (the soak's backlog takes minutes)."""
    timeout_s: int


SHORT = Profile(workers=6, warmup_s=3, kill_rounds=1, killed_for_s=1, between_kills_s=1, kafka_outages=1,
                kafka_outage_s=40, postgres_restarts=1, postgres_down_s=5, after_fault_s=4, idempotency_kills=1,
                drain_timeout_s=240, timeout_s=600)
LONG = Profile(workers=16, warmup_s=10, kill_rounds=3, killed_for_s=5, between_kills_s=8, kafka_outages=2,
               kafka_outage_s=120, postgres_restarts=3, postgres_down_s=15, after_fault_s=15, idempotency_kills=3,
               drain_timeout_s=900, timeout_s=3600)


PROFILE = LONG if SOAK else SHORT
