"""A refused line's answer: the problem a domain error, a not-found or a shared route check (`ProblemError`) makes,
and the answer to a second creating line for a record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from continuum.domain import NotAllowed, NotFound
from continuum.http.problems import ProblemError
from continuum.importers.ndjson import line_problem

if TYPE_CHECKING:
    from continuum.importers.batch.lines import Line
    from continuum.importers.batch.records import _Record


def _already_created(line: Line, record: _Record) -> dict[str, Any]:
    return line_problem(line.number, 409, "rule-violated", "Domain rule violated",
                        f"{record.ref} was already created (as {record.aggregate.id}); a record is created once",
                        rule="record-created-once",
                        errors=[{"field": "command", "message": "already created", "type": "created_once"}])


def _problem_of(number: int, error: Exception) -> dict[str, Any]:
    if isinstance(error, ProblemError):  # a check the service shares with its single-call route (a reference)
        errors = [{**item, "field": item["field"].removeprefix("body.")} for item in error.extra.get("errors", ())]
        return line_problem(number, error.status, error.slug, error.title, error.detail or error.title,
                            rule=error.extra.get("rule"), errors=errors)
    if isinstance(error, NotFound):
        return line_problem(number, 404, "not-found", "Not found", str(error))
    field_name = getattr(error, "field", None)
    errors = [{"field": field_name, "message": error.detail, "type": error.rule}] if field_name else ()
    if isinstance(error, NotAllowed):
        return line_problem(number, 403, "forbidden", "Not allowed", error.detail, rule=error.rule, errors=errors)
    return line_problem(number, 409, "rule-violated", "Domain rule violated", error.detail, rule=error.rule,
                        errors=errors)
