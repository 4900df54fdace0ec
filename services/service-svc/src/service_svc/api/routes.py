"""HTTP routes of service-svc (thin: DTO → command → bus → response), one router per collection."""

from __future__ import annotations

from fastapi import APIRouter

from service_svc.api.bulk import imports_router
from service_svc.api.calendars import calendars_router
from service_svc.api.incidents import incidents_router
from service_svc.api.services import services_router
from service_svc.api.work import changes_router, problems_router, service_requests_router


def routers() -> list[APIRouter]:
    return [services_router(), incidents_router(), problems_router(), changes_router(), service_requests_router(),
            calendars_router(), imports_router()]
