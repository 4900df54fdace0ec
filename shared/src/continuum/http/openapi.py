"""The OpenAPI document true to the wire, for every service: what FastAPI generates, then corrected in one place.

- Every error answer is `application/problem+json` with the `Problem` schema (FastAPI puts a response
  `model` under `application/json`, which the server never sends for an error, and documents 422 as its own
  `HTTPValidationError`, which it never sends either).
- A request body can be unparsable: 400.
- Every POST takes an optional `Idempotency-Key` (the middleware's rule: 1–255 visible ASCII characters).
- An optional query or header parameter is documented as its value's type, not as nullable.
- A creation (201) answers with `Location` and `ETag`; an answer about one aggregate carries its `ETag`, and a
  read that does takes `If-None-Match` (304).
- Every operation is named by one rule (`operation_id`, FastAPI's `generate_unique_id_function`), and its summary
  is that name read as a sentence (`summary_of`): `list_incidents` "List incidents", `get_incident` "Get an
  incident", `acknowledge_incident` "Acknowledge an incident", `get_incident_history` "Get incident history".
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from continuum.http.problems import _TITLES, PROBLEM_MEDIA_TYPE, Problem

PROBLEM_REF = "#/components/schemas/Problem"
FASTAPI_VALIDATION = ("#/components/schemas/HTTPValidationError", "#/components/schemas/ValidationError")
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "Makes a POST safe to retry: a retry with the same key and body gets the first answer back "
                   "(kept for the retention window); the same key with another body is refused (422).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7E]+$"},
}
ETAG = {"description": "The aggregate's version (a strong entity tag, e.g. `\"3\"`), for `If-Match`.",
        "schema": {"type": "string"}}
IF_NONE_MATCH = {
    "name": "If-None-Match", "in": "header", "required": False,
    "description": "ETags already held (e.g. `\"3\"`, a list, or `*`): when one matches the current ETag (weak "
                   "comparison), the answer is 304 with no body.",
    "schema": {"type": "string"},
}
LOCATION = {"description": "The created resource.", "schema": {"type": "string"}}
BODY_METHODS = {"post", "put", "patch"}
OPERATION_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
"""`<verb>_<object>` in snake_case: what every operationId matches (tests/integration/test_openapi_names.py)."""
_SPELLED = {"kpis": "KPIs", "sla": "SLA", "asyncapi": "AsyncAPI", "ical": "iCalendar", "csat": "CSAT"}
"""Words a summary spells as people write them."""
_IRREGULAR = {"criteria": "criterion", "kpis": "kpis", "history": "history", "success": "success"}


def singular(segment: str) -> str:
    """`incidents` → `incident`, `opportunities` → `opportunity`, `criteria` → `criterion` (path segments)."""
    if segment in _IRREGULAR:
        return _IRREGULAR[segment]
    if segment.endswith("ies"):
        return segment[:-3] + "y"
    return segment[:-1] if segment.endswith("s") and not segment.endswith("ss") else segment


def _words(text: str) -> list[str]:
    return [word for word in re.split(r"[^a-z0-9]+", text.lower()) if word]


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


def corrected(document: dict[str, Any]) -> dict[str, Any]:
    """The document with problems, idempotency and version headers declared as the server answers them."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            _correct_operation(path, method, operation)
    for ref in FASTAPI_VALIDATION:
        schemas.pop(ref.rsplit("/", 1)[1], None)
    return document


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


def _correct_operation(path: str, method: str, operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        _not_nullable(parameter)
    responses = operation.setdefault("responses", {})
    for status, response in responses.items():
        if status.isdigit() and int(status) >= 400 and _is_problem(response):
            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}
            if response.get("description") == "Validation Error":
                response["description"] = _TITLES[422]
    if method in BODY_METHODS and "requestBody" in operation and "400" not in responses:
        responses["400"] = {"description": "The body is not parsable",
                            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}}
    if method == "post":
        parameters = operation.setdefault("parameters", [])
        if not any(p.get("name", "").lower() == "idempotency-key" for p in parameters):
            parameters.append(dict(IDEMPOTENCY_KEY))
    one_aggregate = "{" in path or any(p.get("name") == "If-Match" for p in operation.get("parameters", []))
    for status, response in responses.items():
        if status == "201":
            response.setdefault("headers", {}).update({"Location": LOCATION, "ETag": ETAG})
        elif status == "200" and one_aggregate and not path.endswith(("/history", "/events")):
            response.setdefault("headers", {}).setdefault("ETag", ETAG)
    if method == "get" and "ETag" in responses.get("200", {}).get("headers", {}):
        parameters = operation.setdefault("parameters", [])
        if not any(p.get("name", "").lower() == "if-none-match" for p in parameters):
            parameters.append(dict(IF_NONE_MATCH))
        responses.setdefault("304", {"description": "Not Modified: the caller's `If-None-Match` lists the "
                                                    "current ETag", "headers": {"ETag": ETAG}})


def _not_nullable(parameter: dict[str, Any]) -> None:
    """An optional query or header parameter is absent or a value, never `null`: FastAPI documents `X | None`
    as `anyOf: [X, null]`, which clients and fuzzers send as the text `null`."""
    schema = parameter.get("schema", {})
    branches = schema.get("anyOf")
    if parameter.get("in") in ("query", "header") and branches and {"type": "null"} in branches:
        kept = [branch for branch in branches if branch != {"type": "null"}]
        rest = {key: value for key, value in schema.items() if key != "anyOf"}
        parameter["schema"] = {**kept[0], **rest} if len(kept) == 1 else {**rest, "anyOf": kept}


def _is_problem(response: dict[str, Any]) -> bool:
    """An error response FastAPI documented from a problem model, its own validation error, or a bare
    problem media type; anything else (readiness's 503 answers its checks) keeps its own schema."""
    content = response.get("content", {})
    if not content or PROBLEM_MEDIA_TYPE in content:
        return True
    refs = {body.get("schema", {}).get("$ref") for body in content.values()}
    return bool(refs & {PROBLEM_REF, *FASTAPI_VALIDATION})
