"""The dates and business times every API accepts and answers: one calendar, always timezone-aware.

Inputs use `BusinessDateTime` / `BusinessDate` (bounded to the business calendar of `continuum.domain`,
a naive date-time is a 422) and `OccurredAt` for a command's optional business time; responses use
`UtcDateTime`, which makes a naive value read back from PostgreSQL (±infinity) timezone-aware.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, WithJsonSchema

from continuum.domain import (EARLIEST_BUSINESS_DATE, EARLIEST_BUSINESS_TIME, FUTURE_SKEW, LATEST_BUSINESS_DATE,
                              LATEST_BUSINESS_TIME, as_utc)

CALENDAR = f"{EARLIEST_BUSINESS_DATE} to {LATEST_BUSINESS_DATE}"
_SKEW_MINUTES = int(FUTURE_SKEW.total_seconds() // 60)


_RFC3339_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date_time_text(value: Any) -> Any:
    """Only RFC 3339 text (or a datetime from Python): pydantic would also read `0.5` as a Unix time."""
    if isinstance(value, str) and not _RFC3339_DATE_TIME.match(value):
        raise ValueError("must be an RFC 3339 date-time such as 2026-03-01T09:00:00Z")
    if isinstance(value, (int, float)):
        raise ValueError("must be an RFC 3339 date-time such as 2026-03-01T09:00:00Z, not a number")
    return value


def _date_text(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date such as 2026-03-01")
    if isinstance(value, (int, float)):
        raise ValueError("must be a date such as 2026-03-01, not a number")
    return value


def _in_calendar_time(when: datetime) -> datetime:
    if not EARLIEST_BUSINESS_TIME <= when <= LATEST_BUSINESS_TIME:
        raise ValueError(f"must lie between {EARLIEST_BUSINESS_TIME.isoformat()} and {LATEST_BUSINESS_TIME.isoformat()}")
    return when


def _in_calendar_date(day: date) -> date:
    if not EARLIEST_BUSINESS_DATE <= day <= LATEST_BUSINESS_DATE:
        raise ValueError(f"must lie between {EARLIEST_BUSINESS_DATE} and {LATEST_BUSINESS_DATE}")
    return day


def _schema(format_: str, earliest: str, latest: str, description: str) -> dict[str, Any]:
    # formatMinimum/formatMaximum: the bounds as JSON Schema validators of formatted strings read them
    return {"type": "string", "format": format_, "formatMinimum": earliest, "formatMaximum": latest,
            "description": description}


BusinessDateTime = Annotated[
    AwareDatetime,
    BeforeValidator(_date_time_text),
    AfterValidator(_in_calendar_time),
    WithJsonSchema(_schema(
        "date-time", EARLIEST_BUSINESS_TIME.isoformat(), LATEST_BUSINESS_TIME.isoformat(),
        f"RFC 3339 date-time with a UTC offset, within the business calendar ({CALENDAR}).")),
]
"""A timezone-aware date-time within the business calendar (naive or out of range: 422)."""

BusinessDate = Annotated[
    date,
    BeforeValidator(_date_text),
    AfterValidator(_in_calendar_date),
    WithJsonSchema(_schema("date", EARLIEST_BUSINESS_DATE.isoformat(), LATEST_BUSINESS_DATE.isoformat(),
                           f"A calendar date within the business calendar ({CALENDAR}).")),
]
"""A date within the business calendar (out of range: 422)."""

OccurredAt = Annotated[
    BusinessDateTime | None,
    Field(default=None, examples=["2026-03-01T09:00:00Z"], description=(
        f"Business time ({CALENDAR}, with a UTC offset); only the integration and admin roles may set it. "
        "It may not precede the resource's last recorded business time nor lie more than "
        f"{_SKEW_MINUTES} minutes ahead of now (409 naming the rule).")),
]
"""A command's optional business time, as every command body carries it."""


UtcDateTime = Annotated[datetime, AfterValidator(as_utc)]
"""A date-time in a response: always answered with its UTC offset."""
