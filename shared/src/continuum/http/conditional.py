"""ETag and If-Match: the ETag of an aggregate is its stream version (DESIGN §4)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header

from continuum.http.problems import ProblemError


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(value: str | None) -> int | None:
    """The version an If-Match header expects, None for no header or `*`; 412 if it names no version."""
    if value is None or value.strip() == "*":
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    if not re.fullmatch(r"[0-9]{1,18}", tag):
        raise ProblemError(412, "precondition-failed", "Precondition failed", f"If-Match {value!r} names no version")
    return int(tag)


def check_version(expected: int | None, actual: int) -> None:
    """412 unless the resource is still at the version the caller last saw."""
    if expected is not None and expected != actual:
        raise ProblemError(
            412, "precondition-failed", "Precondition failed",
            f"the resource is at version {actual}, not {expected}; reload it and try again",
            current_version=actual,
        )


IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description='The ETag last read (e.g. `"3"`): the command applies only if unchanged.'),
]
