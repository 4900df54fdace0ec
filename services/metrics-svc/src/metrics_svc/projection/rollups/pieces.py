"""UTC days and hours of a moment, and a resolved outage's span cut at each UTC midnight (`outage_pieces`):
the union of a day's pieces is its down time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from metrics_svc.domain.facts import IncidentFact
from metrics_svc.domain.service_kpis import outage_span, usable_incidents
from metrics_svc.domain.windows import COMPUTE_ERRORS

MAX_OUTAGE_DAYS = 3660  # an outage span longer than ten years is not cut into days; its availability is null


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def utc_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def pieces_of(fact: IncidentFact) -> list[dict[str, Any]]:
    """A resolved outage's span cut at each UTC midnight; a span that is empty or reversed is one piece (it counts,
    as the pure function counts it, but holds no down time); a span that cannot be computed is one piece naming the
    fault. An unusable incident, an open outage or an incident without outage has none."""
    if not fact.outage or fact.resolved_at is None or not usable_incidents([fact], []):
        return []
    try:
        start, end = outage_span(fact)
    except COMPUTE_ERRORS as error:
        return [_piece(fact, fact.opened_at, fact.opened_at, first=False,
                       fault=f"could not be computed from the stored facts ({type(error).__name__})")]
    if end <= start:
        return [_piece(fact, start, end, first=True, day=utc_day(start), piece=(start, start))]
    first_day, last_day = utc_day(start), utc_day(end - timedelta(microseconds=1))
    if (last_day - first_day).days > MAX_OUTAGE_DAYS:
        return [_piece(fact, start, end, first=False, fault="an outage longer than ten years is not computed")]
    return [_piece(fact, start, end, first=day == first_day, day=day,
                   piece=(max(start, midnight(day)), min(end, midnight(day + timedelta(days=1)))))
            for day in (first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1))]


def _piece(fact: IncidentFact, start: datetime, end: datetime, *, first: bool, day: date | None = None,
           piece: tuple[datetime, datetime] | None = None, fault: str | None = None) -> dict[str, Any]:
    piece = piece or (start, start)
    return {"incident_id": fact.incident_id, "day": day or utc_day(fact.opened_at), "service_id": fact.service_id,
            "piece_start": piece[0], "piece_end": piece[1], "span_start": start, "span_end": end, "first": first,
            "fault": fault}
