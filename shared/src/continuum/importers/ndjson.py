"""NDJSON framing of bulk imports: a body split into numbered lines, each validated on its own, each answered.

A line that is not JSON, not an object, holds text PostgreSQL cannot store, or fails its model is answered with a
problem document naming its line number and fields; the others go on. Results go back as NDJSON too, one per
line in line order, then a summary line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from continuum.storable import unstorable_at

NDJSON = "application/x-ndjson"
PROBLEM_BASE = "urn:continuum:problem:"
MAX_LINE_BYTES = 16_384
MAX_LINES = 20_000


class FramingError(Exception):
    """The body as a whole cannot be taken (too many lines, not UTF-8): the request is refused."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class LineResult:
    """The answer to one line: `accepted`, `already_imported` or `rejected` (with its problem)."""

    line: int
    status: str
    ref: str | None = None
    command: str | None = None
    id: str | None = None
    version: int | None = None
    problem: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        """The line's answer as JSON, without the fields it does not use."""
        return {name: value for name, value in self.__dict__.items() if value is not None}


@dataclass
class Framed:
    """The valid lines' models by line number, and the results of the lines refused while framing."""

    lines: list[tuple[int, Any]] = field(default_factory=list)
    refused: list[LineResult] = field(default_factory=list)


def line_problem(line: int, status: int, slug: str, title: str, detail: str, *,
                 errors: Sequence[dict[str, str]] = (), rule: str | None = None) -> dict[str, Any]:
    """A problem document (RFC 9457) for one line, naming it (`line`) and its bad fields (`errors`)."""
    problem: dict[str, Any] = {"type": PROBLEM_BASE + slug, "title": title, "status": status,
                               "detail": f"line {line}: {detail}", "line": line}
    if rule is not None:
        problem["rule"] = rule
    if errors:
        problem["errors"] = list(errors)
    return problem


def refused(line: int, problem: dict[str, Any], *, ref: str | None = None, command: str | None = None) -> LineResult:
    """The answer to a line that was refused, with its problem document."""
    return LineResult(line=line, status="rejected", ref=ref, command=command, problem=problem)


def frame(body: bytes, model: TypeAdapter, *, max_lines: int = MAX_LINES,
          max_line_bytes: int = MAX_LINE_BYTES) -> Framed:
    """Split `body` into lines (blank ones skipped, still counted) and validate each with `model`."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FramingError(f"the body is not UTF-8 (byte {error.start})") from None
    raw_lines = text.split("\n")
    if len(raw_lines) > max_lines + 1:
        raise FramingError(f"a request takes at most {max_lines} lines; split the file")
    framed = Framed()
    for number, raw in enumerate(raw_lines, start=1):
        if raw.strip():
            _frame_line(framed, number, raw, model, max_line_bytes)
    return framed


def _frame_line(framed: Framed, number: int, raw: str, model: TypeAdapter, max_line_bytes: int) -> None:
    if len(raw.encode()) > max_line_bytes:
        framed.refused.append(refused(number, line_problem(
            number, 413, "line-too-large", "Line too large", f"a line is limited to {max_line_bytes} bytes")))
        return
    try:
        document = json.loads(raw)
    except ValueError as error:
        framed.refused.append(refused(number, line_problem(
            number, 400, "malformed-line", "Malformed line", f"not JSON ({error.msg} at column {error.colno})")))
        return
    _frame_document(framed, number, document, model, scan="\\u" in raw or "\x00" in raw)


def frame_array(body: bytes, model: TypeAdapter, *, max_lines: int = MAX_LINES) -> Framed:
    """The same lines sent as one JSON array of objects (`application/json`): line n is the array's n-th item."""
    try:
        documents = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise FramingError(f"the body is not a JSON array ({error})") from None
    if not isinstance(documents, list):
        raise FramingError("an application/json body is a JSON array of line objects")
    if len(documents) > max_lines:
        raise FramingError(f"a request takes at most {max_lines} lines; split the file")
    framed = Framed()
    for number, document in enumerate(documents, start=1):
        _frame_document(framed, number, document, model)
    return framed


def _frame_document(framed: Framed, number: int, document: Any, model: TypeAdapter, *, scan: bool = True) -> None:
    """Validate one line's document; `scan` False when its text cannot hold an unstorable character."""
    if not isinstance(document, dict):
        framed.refused.append(refused(number, line_problem(
            number, 422, "validation", "Invalid line", "a line is one JSON object")))
        return
    where = unstorable_at(document, []) if scan else None
    ref, command = _str_or_none(document.get("ref")), _str_or_none(document.get("command"))
    if where is not None:
        framed.refused.append(refused(number, line_problem(
            number, 422, "validation", "Invalid line", "text must not contain NUL characters or unpaired surrogates",
            errors=[{"field": ".".join(where), "message": "unstorable character", "type": "string_type"}]),
            ref=ref, command=command))
        return
    try:
        framed.lines.append((number, model.validate_python(document)))
    except ValidationError as error:
        framed.refused.append(refused(number, invalid_line(number, error), ref=ref, command=command))


def invalid_line(number: int, error: ValidationError) -> dict[str, Any]:
    """The 422 problem of a line that failed its model, field by field (the command's name left out of paths)."""
    errors = [{"field": ".".join(str(part) for part in item["loc"][1:] or item["loc"]) or "command",
               "message": item["msg"], "type": item["type"]} for item in error.errors()]
    return line_problem(number, 422, "validation", "Invalid line", f"{len(errors)} field(s) failed validation",
                        errors=errors)


def _str_or_none(value: Any) -> str | None:
    return value[:255] if isinstance(value, str) else None


def summary(results: Iterable[LineResult]) -> dict[str, int]:
    """How many lines were accepted, already imported and rejected."""
    counts = {"accepted": 0, "already_imported": 0, "rejected": 0}
    for result in results:
        counts[result.status] += 1
    return counts


def encode_results(results: Sequence[LineResult]) -> bytes:
    """The NDJSON answer: one result per line in line order, then `{"summary": {...}}`."""
    ordered = sorted(results, key=lambda result: result.line)
    parts = [json.dumps(result.as_json()) for result in ordered]
    parts.append(json.dumps({"summary": summary(ordered)}))
    return ("\n".join(parts) + "\n").encode()


def decode_results(body: bytes) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The per-line results and the summary of an NDJSON answer (the CLI's and the tests' reading of it)."""
    results, counts = [], {}
    for raw in body.decode().splitlines():
        if raw.strip():
            document = json.loads(raw)
            if "summary" in document:
                counts = document["summary"]
            else:
                results.append(document)
    return results, counts
