"""The composition root of project-svc: what it adds to the platform, and how the launcher finds it."""

from __future__ import annotations

from pathlib import Path

from continuum.contracts import project as contracts
from continuum.eventstore.codec import EventCodec
from continuum.service import ServiceEntry, ServiceParts, ServiceSpec

from project_svc.api.bulk import imports_router
from project_svc.api.routes import router
from project_svc.config import Config
from project_svc.consumers import CONSUMES, subscriptions
from project_svc.domain.events import EVENT_TYPES
from project_svc.handlers import HANDLERS

SPEC = ServiceSpec(
    name="project-svc",
    context="project",
    port=8001,
    database="continuum_project",
    title="Continuum project-svc",
    description="Projects: initiation, planning, execution with monitoring and control, closing; earned value and the closing gate.",
)
SERVICE = ServiceEntry(spec=SPEC, app_factory="project_svc.main:app", migrations=Path(__file__).parent / "migrations")


def service_parts(config: Config) -> ServiceParts:
    return ServiceParts(codec=EventCodec(EVENT_TYPES), publishes=contracts.PUBLISHED, subscriptions=subscriptions,
                        consumes=CONSUMES, routers=[router(), imports_router()], handlers=HANDLERS)
