"""Configuration of handover-svc: the platform settings, read from the environment."""

from __future__ import annotations

from continuum.config import ServiceSettings


class Config(ServiceSettings):
    """Settings of handover-svc; see the README's configuration table."""

    early_life_check_interval_s: float = 300.0
    """How often handovers in early life support are checked for their exit (EARLY_LIFE_CHECK_INTERVAL_S)."""
