"""ServiceNow's incident list exported as CSV (List → Export → CSV) mapped to incident import lines.

Columns read (docs/bulk-import.md has the table): `number` (the external key), `opened_at`, `priority`
(`1 - Critical` … `5 - Planning`), `category`, `short_description`, `description`, `assignment_group` /
`assigned_to`, `work_start` (or `u_acknowledged_at`: the acknowledgement), `resolved_at`, `close_code`,
`closed_at`, `u_outage` and `u_csat` (custom fields, when the instance has them), `state` (cancelled incidents
are not imported). Dates are the export's `yyyy-MM-dd HH:mm:ss` in the exporting user's time zone (`--time-zone`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any

from continuum_dev.importers.records import (Mapped, RowRefused, bounded, incident_lines, not_before, score,
                                         truthy)

PRIORITIES = {"1": "P1", "2": "P2", "3": "P3", "4": "P4", "5": "P4"}
CANCELLED_STATES = {"8", "canceled", "cancelled"}
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


def read_csv(text: str, *, time_zone: tzinfo) -> Mapped:
    """Every row of the export: its incident's lines, or why it is not imported."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = {name.strip().lower(): name for name in reader.fieldnames or ()}
    if "number" not in columns or "opened_at" not in columns:
        raise ValueError("a ServiceNow incident export has at least the columns number and opened_at")
    return map_rows(({key.strip().lower(): (value or "").strip() for key, value in row.items() if key} for row in reader),
                    time_zone=time_zone)


def map_rows(rows: Iterable[dict[str, str]], *, time_zone: tzinfo) -> Mapped:
    """Each row of a ServiceNow incident export mapped to its lines, or refused naming its column."""
    return Mapped.of(rows, lines_of=lambda row: incident_of(row, time_zone=time_zone),
                     ref_of=lambda row: row.get("number") or None)


def incident_of(row: dict[str, str], *, time_zone: tzinfo) -> list[dict[str, Any]]:
    """One row's lines; [] for a cancelled incident (nothing to import); RowRefused for a row that cannot be."""
    ref = _required(row, "number")
    if row.get("state", "").split(" ")[0].lower() in CANCELLED_STATES or row.get("state", "").lower() in CANCELLED_STATES:
        return []
    opened = _date(row, "opened_at", time_zone, required=True)
    acknowledged = _date(row, "u_acknowledged_at", time_zone) or _date(row, "work_start", time_zone)
    resolved = _date(row, "resolved_at", time_zone)
    closed = _date(row, "closed_at", time_zone)
    not_before(acknowledged, opened, "work_start", "opened_at")
    not_before(resolved, acknowledged or opened, "resolved_at", "work_start" if acknowledged else "opened_at")
    not_before(closed, resolved or opened, "closed_at", "resolved_at")
    if closed is not None and resolved is None:
        resolved = closed  # closed without a resolution time: resolved when closed
    return incident_lines(
        ref=ref, opened=opened, priority=_priority(row), category=(row.get("category") or "uncategorised")[:100],
        title=(row.get("short_description") or ref)[:400], description=(row.get("description") or "")[:8000],
        outage=truthy(row.get("u_outage")), acknowledged=acknowledged,
        assignee=(row.get("assignment_group") or row.get("assigned_to") or None),
        resolved=resolved, resolution_code=(row.get("close_code") or "Resolved")[:100], closed=closed,
        csat=score(row.get("u_csat"), "u_csat"))


def _required(row: dict[str, str], column: str) -> str:
    value = row.get(column, "")
    if not value:
        raise RowRefused(column, "is empty")
    return value[:255]


def _priority(row: dict[str, str]) -> str:
    value = row.get("priority", "")
    found = PRIORITIES.get(value.split(" ")[0].strip())
    if found is None:
        raise RowRefused("priority", f"{value!r} is not one of 1 - Critical … 5 - Planning")
    return found


def _date(row: dict[str, str], column: str, time_zone: tzinfo, *, required: bool = False) -> datetime | None:
    value = row.get(column, "")
    if not value:
        if required:
            raise RowRefused(column, "is empty")
        return None
    for layout in DATE_FORMATS:
        try:
            return bounded(datetime.strptime(value, layout).replace(tzinfo=time_zone), column)
        except ValueError:
            continue
    raise RowRefused(column, f"{value!r} is not a date and time (yyyy-MM-dd HH:mm:ss)")
