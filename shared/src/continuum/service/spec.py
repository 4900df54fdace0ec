"""The fixed facts of a service: `ServiceSpec` (name, context, port, database, API title; its events' source and
topic) and `ServiceEntry`, how the launcher and `continuum migrate` find a service through its entry point."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from continuum.kafka.topics import events_topic


@dataclass(frozen=True)
class ServiceSpec:
    """The fixed facts of one service (DESIGN §1)."""

    name: str
    context: str
    port: int
    database: str
    title: str
    description: str
    version: str = "0.3.0"  # of the OpenAPI and AsyncAPI documents; README "API changes" says what changed

    @property
    def source(self) -> str:
        """The CloudEvents `source` of the service's events: `/continuum/<name>`."""
        return f"/continuum/{self.name}"

    @property
    def topic(self) -> str:
        """The topic the service publishes its events on: its context's events topic."""
        return events_topic(self.context)


@dataclass(frozen=True)
class ServiceEntry:
    """How the launcher and the `migrate` command find a service (entry point group `continuum.services`)."""

    spec: ServiceSpec
    app_factory: str
    migrations: Path
    rebuild: str | None = None
    """`module:function` of an async function that rebuilds the service's projections (`continuum rebuild`)."""
