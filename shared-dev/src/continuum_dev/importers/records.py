"""What a source export maps to: each record's import lines, or why a row cannot be imported (the dry run's list)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

EARLIEST_YEAR, LATEST_YEAR = 1900, 2999


class RowRefused(Exception):
    """A row that cannot be mapped; `column` names the source field at fault."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(f"{column}: {message}")
        self.column = column
        self.message = message


@dataclass(frozen=True)
class Refusal:
    row: int  # 1-based data row (CSV: after the header) or issue index
    ref: str | None
    column: str
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "ref": self.ref, "column": self.column, "message": self.message}


@dataclass
class Mapped:
    """The lines of every record that mapped, grouped by record (its lines in business-time order), and the rows
    that did not."""

    records: list[list[dict[str, Any]]] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

    @property
    def lines(self) -> int:
        """How many NDJSON lines the mapped records make."""
        return sum(map(len, self.records))

    @classmethod
    def of(cls, items: Iterable[Any], *, lines_of: Callable[[Any], list[dict[str, Any]]],
           ref_of: Callable[[Any], str | None]) -> Mapped:
        """Each exported item (numbered from 1) mapped to its lines by `lines_of`, or refused with its reason."""
        mapped = cls()
        for number, item in enumerate(items, start=1):
            try:
                lines = lines_of(item)
            except RowRefused as refused:
                mapped.refused.append(Refusal(number, ref_of(item), refused.column, refused.message))
                continue
            if lines:
                mapped.records.append(lines)
        return mapped


def zone(name: str) -> tzinfo:
    return UTC if name.upper() == "UTC" else ZoneInfo(name)


def bounded(moment: datetime, column: str) -> datetime:
    """A business time within the platform's calendar (1900–2999), timezone-aware."""
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise RowRefused(column, f"{moment.isoformat()} is not between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return moment


def not_before(later: datetime | None, earlier: datetime, column: str, earlier_column: str) -> None:
    if later is not None and later < earlier:
        raise RowRefused(column, f"{later.isoformat()} is before {earlier_column} ({earlier.isoformat()})")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "y", "x")


def downtime_minutes(start: datetime, end: datetime) -> str:
    return f"{(end - start).total_seconds() / 60:.2f}"


def incident_lines(*, ref: str, opened: datetime, priority: str, category: str, title: str, description: str,
                   outage: bool, acknowledged: datetime | None, assignee: str | None, resolved: datetime | None,
                   resolution_code: str, closed: datetime | None, csat: int | None) -> list[dict[str, Any]]:
    """The import lines of one incident as a source system recorded it (docs/bulk-import.md, the mapping)."""
    lines: list[dict[str, Any]] = [{
        "ref": ref, "command": "open", "occurred_at": iso(opened), "priority": priority, "category": category,
        "title": title, "description": description, "outage": outage}]
    if assignee:
        lines.append({"ref": ref, "command": "assign", "occurred_at": iso(acknowledged or opened),
                      "assignee": assignee})
    if acknowledged is not None:
        lines.append({"ref": ref, "command": "acknowledge", "occurred_at": iso(acknowledged)})
    if resolved is not None:
        resolution: dict[str, Any] = {"ref": ref, "command": "resolve", "occurred_at": iso(resolved),
                                      "resolution_code": resolution_code}
        if outage:
            resolution["downtime_minutes"] = downtime_minutes(opened, resolved)
        lines.append(resolution)
        if closed is not None:
            lines.append({"ref": ref, "command": "close", "occurred_at": iso(closed)})
        if csat is not None:
            lines.append({"ref": ref, "command": "rate", "occurred_at": iso(max(closed or resolved, resolved)),
                          "score": csat})
    return lines


def score(value: Any, column: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        rating = int(float(value))
    except (TypeError, ValueError):
        raise RowRefused(column, f"{value!r} is not a score from 1 to 5") from None
    if not 1 <= rating <= 5:
        raise RowRefused(column, f"{rating} is not a score from 1 to 5")
    return rating
