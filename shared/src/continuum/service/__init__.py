"""What every Continuum service is made of: engine, store, relay, consumer, HTTP conventions, health.

Modules: `spec` (ServiceSpec, ServiceEntry), `parts` (Platform, ServiceParts), `app` (build_service_app,
app_from_environment) and `lifespan` (the running platform and its background tasks).
"""

from __future__ import annotations

from continuum.service.app import app_from_environment, build_service_app
from continuum.service.parts import Platform, ServiceParts
from continuum.service.spec import ServiceEntry, ServiceSpec

__all__ = ["Platform", "ServiceEntry", "ServiceParts", "ServiceSpec", "app_from_environment", "build_service_app"]
