"""Every operation's summary: its operationId read as a sentence (`summary_of`), with an article when it is
about one item; `named` writes them into the document (a route's own summary opens its description)."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts

from continuum.http.openapi.words import singular

_SPELLED = {"kpis": "KPIs", "sla": "SLA", "asyncapi": "AsyncAPI", "ical": "iCalendar", "csat": "CSAT"}
"""Words a summary spells as people write them."""


def summary_of(operation_id: str, *, one: bool) -> str:
    """The operationId as a sentence: `list_incidents` "List incidents"; of one item (`one`), with its article:
    `get_incident` "Get an incident", `add_project_milestone` "Add a project milestone"."""
    verb, *words = operation_id.split("_")
    if words[-1:] == ["kpis"]:  # `get_service_kpis` "Get service KPIs"
        one = False
    words = [_SPELLED.get(word, word) for word in words]
    if one and words:
        words.insert(0, "an" if words[0][0] in "aeiou" else "a")
    return " ".join([verb.capitalize(), *words])


def named(document: dict[str, Any], routes: Any) -> dict[str, Any]:
    """Every operation's summary read from its operationId; a route's own summary (project-svc's, which says
    who may act) opens its description instead."""
    written = {(route.path_format, method.lower()): route.summary
               for route in iter_route_contexts(routes) if isinstance(route.original_route, APIRoute)
               and route.summary for method in route.methods or ()}
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            own = written.get((path, method))
            if own and own not in operation.get("description", ""):
                operation["description"] = f"{own}.\n\n{operation.get('description', '')}".rstrip()
            one = "{" in path.rsplit("/", 1)[-1] or _acts_on_one(path, method, operation["operationId"])
            operation["summary"] = summary_of(operation["operationId"], one=one)
    return document


def _acts_on_one(path: str, method: str, operation_id: str) -> bool:
    """An action on one item whose name is only the item (`acknowledge_incident`), or the creation of one
    (`open_incident`, `add_project_milestone`; not `import_projects`)."""
    parts = [part for part in path.split("/") if part]
    items = [singular(part) for part, following in pairwise(parts) if following.startswith("{")]
    rest = operation_id.split("_", 1)[1] if "_" in operation_id else ""
    return method != "get" and rest.replace("_", "-") in (
        "-".join(items), "-".join([*items, singular(parts[-1])]))
