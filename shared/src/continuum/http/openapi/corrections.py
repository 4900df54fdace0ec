"""The corrections to what FastAPI generates (`corrected`): error answers as `application/problem+json`, 400 for an
unparsable body, `Idempotency-Key` on every POST, optional parameters not nullable, `ETag`/`Location` headers and
304 on reads with an ETag."""

from __future__ import annotations

from typing import Any

from continuum.http.openapi.headers import (BODY_METHODS, ETAG, FASTAPI_VALIDATION, IDEMPOTENCY_KEY, IF_NONE_MATCH,
                                            LOCATION, PROBLEM_REF)
from continuum.http.problems import _TITLES, PROBLEM_MEDIA_TYPE, Problem


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
