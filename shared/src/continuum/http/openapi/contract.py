"""Serving the corrected and named document: `install_openapi_contract` builds it once per app."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from continuum.http.openapi.corrections import corrected
from continuum.http.openapi.summaries import named


def install_openapi_contract(app: FastAPI) -> None:
    """Serve `/openapi.json` (and Swagger UI) from the corrected document, built once."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = named(corrected(get_openapi(
                title=app.title, version=app.version, openapi_version=app.openapi_version,
                description=app.description, routes=app.routes, tags=app.openapi_tags, servers=app.servers)),
                app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
