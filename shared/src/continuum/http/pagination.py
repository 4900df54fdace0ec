"""Cursor pagination: `{"items": [...], "next_cursor": ...}` with an opaque cursor (DESIGN §4)."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from continuum.http.problems import ProblemError

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=200, description="Page size.")]
Cursor = Annotated[str | None, Query(max_length=512, description="`next_cursor` of the previous page.")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


def encode_cursor(position: dict[str, Any]) -> str:
    """An opaque cursor holding the sort key of the last item served."""
    raw = json.dumps(position, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


MAX_POSITION = 2**63 - 1


def _valid_position(value: Any) -> bool:
    """Cursor positions are sequence numbers (bigint) or short strings; anything else was not issued here."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value <= MAX_POSITION
    return isinstance(value, str) and len(value) <= 200


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """The position a cursor holds; a 422 problem if it was not made by `encode_cursor`."""
    if cursor is None:
        return None
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        position = None
    if not isinstance(position, dict) or not all(_valid_position(value) for value in position.values()):
        raise foreign_cursor()
    return position


def foreign_cursor() -> ProblemError:
    """The 422 for a cursor this API did not issue (or issued for another list)."""
    return ProblemError(
        422, "validation", "Invalid request", "the cursor is not one this API issued",
        errors=[{"field": "query.cursor", "message": "unknown cursor", "type": "value_error"}],
    )
