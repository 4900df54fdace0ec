"""The composition root of handover-svc: what it adds to the platform, and how the launcher finds it."""

from __future__ import annotations

from functools import partial
from pathlib import Path


from continuum.contracts import handover as contracts
from continuum.eventstore.codec import EventCodec
from continuum.service import ServiceEntry, ServiceParts, ServiceSpec

from handover_svc import consumers
from handover_svc.api.routes import router
from handover_svc.config import Config
from handover_svc.domain.events import EVENT_TYPES
from handover_svc.handlers import HANDLERS
from handover_svc.watcher import early_life_watcher

SPEC = ServiceSpec(
    name="handover-svc",
    context="handover",
    port=8003,
    database="continuum_handover",
    title="Continuum handover-svc",
    description="Handovers from projects to services: service acceptance criteria, readiness, acceptance and early life support.",
)
SERVICE = ServiceEntry(spec=SPEC, app_factory="handover_svc.main:app", migrations=Path(__file__).parent / "migrations")


def service_parts(config: Config) -> ServiceParts:
    return ServiceParts(
        codec=EventCodec(EVENT_TYPES),
        publishes=contracts.PUBLISHED,
        subscriptions=lambda platform: consumers.subscriptions(platform.bus),
        consumes=consumers.CONSUMES,
        routers=[router()],
        handlers=HANDLERS,
        background=[partial(early_life_watcher, interval_s=config.early_life_check_interval_s)],
    )
