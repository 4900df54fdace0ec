"""The operationId of every route, one rule for all services (`operation_id`, FastAPI's
`generate_unique_id_function`): `<verb>_<object>` from the path, the method and the function's name."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute

from continuum.http.openapi.words import _words, singular

OPERATION_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
"""`<verb>_<object>` in snake_case: what every operationId matches (tests/integration/test_openapi_names.py)."""


def operation_id(route: APIRoute) -> str:
    """The operationId of a route, `<verb>_<object>`: stable (from the path, the method and the verb the
    function's name starts with) and unique in a service's document.

    - The object is the path's resources: a segment followed by a parameter is one of them (singular,
      `/incidents/{id}` → `incident`), a segment after the last parameter is named as it is (`history`).
    - A GET is `get_` an item or a document, `list_` a collection (a plural last segment):
      `list_incidents`, `get_incident`, `get_incident_history`, `list_project_milestones`.
    - Another method's verb is the first word of the function's name (`acknowledge`, `open`, `add`); an action
      segment starting with it is not repeated (`/incidents/{id}/acknowledge` → `acknowledge_incident`,
      `/projects/{id}/approve-charter` → `approve_project_charter`) and a collection is created one item at a
      time (`POST /incidents` → `open_incident`, `POST /projects/{id}/milestones` → `add_project_milestone`).
    """
    if route.operation_id:
        return route.operation_id
    parts = [part for part in route.path_format.split("/") if part]
    if parts[:1] == ["kpis"] and len(parts) > 1:  # a KPI read is named for what it measures
        return _kpis_of(operation_id_of_path(route, parts[1:]))
    return operation_id_of_path(route, parts)


def _kpis_of(name: str) -> str:
    """`get_service` → `get_service_kpis`, `list_services` → `list_service_kpis`; a figure with a name of its own
    keeps it (`get_project_success`, `get_project_earned_value`)."""
    if name.endswith(("_success", "_earned_value")):
        return name
    *head, last = name.split("_")
    return "_".join([*head, singular(last) if head[0] == "list" else last, "kpis"])


def operation_id_of_path(route: APIRoute, parts: list[str]) -> str:
    """The rule of `operation_id` applied to the path's segments `parts`."""
    method = min(route.methods or {"GET"}).lower()
    owners: list[str] = []
    tail: list[str] = []
    for index, part in enumerate(parts):
        if part.startswith("{"):
            continue
        followed_by_parameter = index + 1 < len(parts) and parts[index + 1].startswith("{")
        if followed_by_parameter:
            owners += [*(word for static in tail for word in _words(static)), *_words(singular(part))]
            tail = []
        else:
            tail.append(part)
    tail_words = [word for part in tail for word in _words(part)]
    if method == "get":
        last = parts[-1]
        plural = not last.startswith("{") and singular(last) != last
        verb = "list" if plural else "get"
        words = [*owners, *tail_words]
    else:
        named = _words(route.name) or [method]
        action = _words(tail[-1]) if tail else []
        if action and action[-len(named):] == named:  # `root_cause` for `record-root-cause`: the path's verb
            named = action
        verb = named[0]
        middle = [w for part in tail[:-1] for w in _words(part) if w not in (verb, f"{verb}s")]  # `/imports/…`
        if action and action[0] == verb:
            words = [*owners, *middle, *action[1:]]
        elif tail:
            words = [*owners, *middle, *(named[1:] or _words(singular(tail[-1])))]
        else:
            words = owners
    return "_".join([verb, *words]) if words else f"{verb}_{method}"
