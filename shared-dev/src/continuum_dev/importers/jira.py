"""Jira Service Management issues exported as JSON (the REST search answer, `GET /rest/api/3/search?jql=...
&expand=changelog`, or a list of its issues) mapped to incident import lines.

Read (docs/bulk-import.md has the table): `key` (the external key), `fields.created`, `fields.priority.name`
(Highest … Lowest), `fields.components[0].name` (else the first label, else the issue type) as the category,
`fields.summary`, `fields.description` (text or Atlassian document), `fields.assignee.displayName`, the changelog's
first status change out of the opening statuses (the acknowledgement), `fields.resolutiondate` with
`fields.resolution.name`, the changelog's change to `Closed` (the closure), and a satisfaction rating
(`fields.satisfaction.rating` or the `--csat-field`, when the project collects it).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from continuum_dev.importers.records import Mapped, RowRefused, bounded, incident_lines, not_before, score

PRIORITIES = {"highest": "P1", "critical": "P1", "blocker": "P1", "high": "P2", "major": "P2", "medium": "P3",
              "low": "P4", "minor": "P4", "lowest": "P4", "trivial": "P4"}
OPENING_STATUSES = {"open", "new", "to do", "waiting for support", "backlog"}
CLOSED_STATUSES = {"closed", "done"}
REJECTED_RESOLUTIONS = {"won't do", "duplicate", "declined", "cannot reproduce"}


def read_json(text: str, *, csat_field: str | None = None) -> Mapped:
    """Every issue of the export: its incident's lines, or why it is not imported."""
    document = json.loads(text)
    issues = document.get("issues") if isinstance(document, dict) else document
    if not isinstance(issues, list):
        raise ValueError("a Jira export is the search answer ({\"issues\": [...]}) or a list of issues")
    return Mapped.of(issues, lines_of=lambda issue: incident_of(issue, csat_field=csat_field),
                     ref_of=lambda issue: issue.get("key") if isinstance(issue, dict) else None)


def incident_of(issue: Any, *, csat_field: str | None = None) -> list[dict[str, Any]]:
    if not isinstance(issue, dict) or not isinstance(issue.get("fields"), dict):
        raise RowRefused("fields", "an issue is an object with its fields")
    ref, fields = issue.get("key"), issue["fields"]
    if not isinstance(ref, str) or not ref:
        raise RowRefused("key", "is empty")
    opened = _date(fields.get("created"), "fields.created", required=True)
    transitions = _status_changes(issue)
    acknowledged = next((at for at, old, _ in transitions if old.lower() in OPENING_STATUSES), None)
    resolved = _date(fields.get("resolutiondate"), "fields.resolutiondate")
    closed = next((at for at, _, new in transitions if new.lower() in CLOSED_STATUSES and resolved and at >= resolved),
                  None)
    not_before(acknowledged, opened, "changelog", "fields.created")
    not_before(resolved, opened, "fields.resolutiondate", "fields.created")
    if acknowledged is not None and resolved is not None and acknowledged > resolved:
        acknowledged = None  # worked on only after the resolution (a reopened issue): no acknowledgement to import
    resolution = _name(fields.get("resolution")) or "Done"
    return incident_lines(
        ref=ref[:255], opened=opened, priority=_priority(fields), category=_category(fields)[:100],
        title=(fields.get("summary") or ref)[:400], description=_text(fields.get("description"))[:8000],
        outage=False, acknowledged=acknowledged, assignee=_name(fields.get("assignee"), "displayName"),
        resolved=resolved, resolution_code=resolution[:100], closed=closed,
        csat=_csat(fields, csat_field) if resolution.lower() not in REJECTED_RESOLUTIONS else None)


def _status_changes(issue: dict) -> list[tuple[datetime, str, str]]:
    """(when, from, to) of every status change in the changelog, in time order."""
    histories = (issue.get("changelog") or {}).get("histories") or []
    changes = []
    for history in histories:
        at = _date(history.get("created"), "changelog.histories.created")
        for item in history.get("items") or []:
            if item.get("field") == "status" and at is not None:
                changes.append((at, str(item.get("fromString") or ""), str(item.get("toString") or "")))
    return sorted(changes, key=lambda change: change[0])


def _priority(fields: dict) -> str:
    name = _name(fields.get("priority")) or ""
    found = PRIORITIES.get(name.lower())
    if found is None:
        raise RowRefused("fields.priority.name", f"{name!r} is not one of Highest, High, Medium, Low, Lowest")
    return found


def _category(fields: dict) -> str:
    components = fields.get("components") or []
    if components and _name(components[0]):
        return _name(components[0])
    labels = fields.get("labels") or []
    return labels[0] if labels and isinstance(labels[0], str) else (_name(fields.get("issuetype")) or "uncategorised")


def _csat(fields: dict, csat_field: str | None) -> int | None:
    for column in ([csat_field] if csat_field else []) + ["satisfaction"]:
        value = fields.get(column)
        if isinstance(value, dict):
            value = value.get("rating")
        if value not in (None, ""):
            return score(value, f"fields.{column}")
    return None


def _name(value: Any, key: str = "name") -> str | None:
    return value.get(key) or None if isinstance(value, dict) else None


def _text(value: Any) -> str:
    """Plain text of a description: a string, or the text nodes of an Atlassian document."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return value.get("text", "") + " ".join(filter(None, (_text(child) for child in value.get("content") or [])))
    return ""


def _date(value: Any, column: str, *, required: bool = False) -> datetime | None:
    if value in (None, ""):
        if required:
            raise RowRefused(column, "is empty")
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        try:
            moment = datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S.%f%z")
        except ValueError:
            raise RowRefused(column, f"{value!r} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        raise RowRefused(column, f"{value!r} has no UTC offset")
    return bounded(moment, column)
