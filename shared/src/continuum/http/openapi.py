"""The OpenAPI document true to the wire, for every service: what FastAPI generates, then corrected in one place.

- Every error answer is `application/problem+json` with the `Problem` schema (FastAPI puts a response
  `model` under `application/json`, which the server never sends for an error, and documents 422 as its own
  `HTTPValidationError`, which it never sends either).
- A request body can be unparsable: 400.
- Every POST takes an optional `Idempotency-Key` (the middleware's rule: 1–255 visible ASCII characters).
- An optional query or header parameter is documented as its value's type, not as nullable.
- A creation (201) answers with `Location` and `ETag`; an answer about one aggregate carries its `ETag`, and a
  read that does takes `If-None-Match` (304).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

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


def install_openapi_contract(app: FastAPI) -> None:
    """Serve `/openapi.json` (and Swagger UI) from the corrected document, built once."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = corrected(get_openapi(
                title=app.title, version=app.version, openapi_version=app.openapi_version,
                description=app.description, routes=app.routes, tags=app.openapi_tags, servers=app.servers))
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
