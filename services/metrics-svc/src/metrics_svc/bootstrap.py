"""The composition root of metrics-svc: what it adds to the platform, and how the launcher finds it."""

from __future__ import annotations

from pathlib import Path

from continuum.contracts import metrics as contracts
from continuum.eventstore.codec import EventCodec
from continuum.service import ServiceEntry, ServiceParts, ServiceSpec

from metrics_svc.api.routes import router
from metrics_svc.config import Config
from metrics_svc.domain.events import EVENT_TYPES

SPEC = ServiceSpec(
    name="metrics-svc",
    context="metrics",
    port=8004,
    database="continuum_metrics",
    title="Continuum metrics-svc",
    description="KPI projections over every Continuum topic and the continuous improvement loop.",
)
SERVICE = ServiceEntry(spec=SPEC, app_factory="metrics_svc.main:app", migrations=Path(__file__).parent / "migrations")


def service_parts(config: Config) -> ServiceParts:
    return ServiceParts(codec=EventCodec(EVENT_TYPES), publishes=contracts.PUBLISHED, routers=[router()])
