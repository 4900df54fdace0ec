"""What every bulk import route does the same way: read the lines (NDJSON or a JSON array), name the importer
in the events' actor, answer the per-line results as NDJSON, and document the lines in OpenAPI."""

from __future__ import annotations

import copy
import json
from typing import Annotated, Any

from fastapi import Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from continuum.context import set_actor
from continuum.http.auth import Principal, Role
from continuum.http.commands import allowed
from continuum.http.dates import BusinessDateTime
from continuum.http.problems import ProblemError
from continuum.importers.batch import Line
from continuum.importers.ndjson import (MAX_LINE_BYTES, MAX_LINES, NDJSON, Framed, FramingError, LineResult,
                                        encode_results, frame, frame_array)

DryRun = Annotated[bool, Query(description=(
    "Check every line as a real run would (rules, order, re-runs) and answer the same results, storing nothing."))]
NDJSON_TYPES = frozenset({NDJSON, "application/jsonl", "application/x-jsonlines"})
Ref = Field(min_length=1, max_length=255, pattern=r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$",
            examples=["INC0010001"], description=(
                "The record's external key (a ServiceNow number, a Jira issue key): the same key names the same "
                "record on every run."))


class ImportLine(BaseModel):
    """Base of a bulk import's lines: the record's external key and when the command happened in the source
    system. Subclasses add `command` (a literal, the union's discriminator) and the command's fields."""

    model_config = ConfigDict(extra="forbid")
    ref: str = Ref
    occurred_at: BusinessDateTime = Field(examples=["2025-03-01T09:00:00Z"],
                                          description="When it happened in the source system (1900-2999).")


def importer_of(caller: Principal) -> str | None:
    """Who must own what is imported into: the caller's subject, or None for admin (any). The events' actor
    reads `integration:<sub>` or `admin:<sub>`."""
    capacity = Role.admin if Role.admin in caller.roles else Role.integration
    set_actor(f"{capacity.value}:{caller.subject}")
    return None if capacity is Role.admin else caller.subject


async def framed_body(request: Request, model: TypeAdapter) -> Framed:
    """The request's lines, each validated by `model`: 415 for another media type, 422 for a body past framing."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in NDJSON_TYPES | {"application/json"}:
        raise ProblemError(415, "unsupported-media-type", "Unsupported media type",
                           f"send {NDJSON} (one JSON object a line) or application/json (an array of them)")
    body = await request.body()
    try:
        return frame_array(body, model) if media_type == "application/json" else frame(body, model)
    except FramingError as error:
        raise ProblemError(422, "validation", "Invalid request", error.detail,
                           errors=[{"field": "body", "message": error.detail, "type": "framing"}]) from None


async def read_lines(request: Request, model: TypeAdapter) -> tuple[list[Line], list[LineResult]]:
    """The request's valid lines, to apply, and the results of those refused while framing (see `framed_body`)."""
    framed = await framed_body(request, model)
    return [Line(number, body) for number, body in framed.lines], framed.refused


def lines_answer(refused: list[LineResult], results: list[LineResult]) -> Response:
    """The NDJSON answer (`application/x-ndjson`) of an import: one result per line, then the summary."""
    return Response(encode_results([*refused, *results]), media_type=NDJSON)


def import_route(line_model: TypeAdapter, *, example: list[dict[str, Any]], description: str) -> dict[str, Any]:
    """Route options of a bulk import: integration (and admin), the lines' schema for both media types, the
    NDJSON answer and its problems."""
    options = allowed(Role.integration, errors=(401, 403, 404, 413, 415, 422))
    schema = _inlined(line_model.json_schema())
    options["responses"] = {**options["responses"], 200: {
        "description": "One result per line, in line order, then a summary line (NDJSON).",
        "content": {NDJSON: {"schema": {"type": "string"}, "example": _example_answer()}}}}
    # NDJSON is the import's own media type; OpenAPI documents the same lines as a JSON array, which generic
    # clients and fuzzers can send (an NDJSON body is text they cannot build from a schema)
    # Items are any JSON value at the request's level: each line is validated on its own and a bad one answered in
    # the 200's results (never the whole request refused); `x-line-schema` is what a line must be to be accepted.
    options["openapi_extra"] = {**options["openapi_extra"], "x-request-media-types": [NDJSON, "application/json"],
                                "x-line-schema": schema,
                                "requestBody": {"required": True, "content": {"application/json": {
                                    "schema": {"type": "array", "maxItems": MAX_LINES, "items": {
                                        "description": "One line: an object as `x-line-schema` describes it (a line "
                                                       "that is not is answered `rejected`, naming its fields)."}},
                                    "example": example}}}}
    ndjson_example = "\n".join(json.dumps(line) for line in example)
    options["description"] = (
        f"{description}\n\nSend `{NDJSON}` (one line object a line, as below) or `application/json` (an array of "
        f"them, the schema below). At most {MAX_LINES} lines of at most {MAX_LINE_BYTES} bytes a request (and the "
        f"platform's body limit, 413 past it).\n\n```\n{ndjson_example}\n```")
    options["response_class"] = Response
    return options


def _example_answer() -> str:
    return ('{"line": 1, "status": "accepted", "ref": "INC0010001", "command": "open", "id": '
            '"1a2b3c4d-0000-4000-8000-000000000002", "version": 2}\n'
            '{"line": 2, "status": "rejected", "ref": "INC0010001", "command": "resolve", "problem": {"type": '
            '"urn:continuum:problem:validation", "title": "Invalid line", "status": 422, "detail": "line 2: 1 field(s) '
            'failed validation", "line": 2, "errors": [{"field": "resolution_code", "message": "Field required", '
            '"type": "missing"}]}}\n{"summary": {"accepted": 1, "already_imported": 0, "rejected": 1}}\n')


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """The line schema with its `$defs` inlined (OpenAPI resolves `#/...` against its own document)."""
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"$ref"} and node["$ref"].startswith("#/$defs/"):
                return inline(copy.deepcopy(definitions[node["$ref"].removeprefix("#/$defs/")]))
            return {key: ({"propertyName": value["propertyName"]} if key == "discriminator" else inline(value))
                    for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return inline(schema)
