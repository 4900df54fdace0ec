"""Unknown query parameters are refused (422 naming them), as unknown body fields are: `GET /incidents?q=disk`
on a list that has no `q` must not answer the whole, unfiltered list as if it had been filtered."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.utils import get_flat_params
from fastapi.params import Query
from fastapi.routing import APIRoute

from continuum.http.problems import ProblemError


async def known_query_parameters(request: Request) -> None:
    """A route dependency: every query parameter must be one the route declares (its OpenAPI `parameters`)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = sorted(set(request.query_params) - _declared(route))
    if unknown:
        raise ProblemError(
            422, "validation", "Invalid request", f"unknown query parameter(s): {', '.join(unknown)}",
            errors=[{"field": f"query.{name}", "message": "not a parameter of this operation",
                     "type": "extra_forbidden"} for name in unknown])


def _declared(route: APIRoute) -> frozenset[str]:
    """The route's query parameters, worked out once and kept on the route."""
    names = getattr(route, "continuum_query_parameters", None)
    if names is None:
        names = frozenset(field.alias for field in get_flat_params(route.dependant)
                          if isinstance(field.field_info, Query))
        route.continuum_query_parameters = names  # type: ignore[attr-defined]
    return names
