"""Configuration of service-svc: the platform settings, read from the environment."""

from __future__ import annotations

from pydantic import BaseModel, Field

from continuum.config import ServiceSettings


class DeadlineWatchSettings(BaseModel):
    enabled: bool = True
    interval_s: float = Field(default=5.0, gt=0, le=3600, description="How often overdue SLA clocks are checked.")
    batch: int = Field(default=100, ge=1, le=10_000, description="Incidents handled per check at most.")
    settle_s: float = Field(default=10.0, ge=0, le=3600, description=(
        "Incidents changed less than this long ago are left to the next check, so an imported incident's "
        "resolution (sent right after its backdated opening) is not beaten by a breach of its long-past deadline."))


class Config(ServiceSettings):
    """Settings of service-svc; see the README's configuration table."""

    deadline_watch: DeadlineWatchSettings = DeadlineWatchSettings()
