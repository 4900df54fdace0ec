"""Configuration of metrics-svc: the platform settings, read from the environment."""

from __future__ import annotations

from continuum.config import ServiceSettings


class Config(ServiceSettings):
    """Settings of metrics-svc; see the README's configuration table."""
