"""What one service's judgement works on: `ServiceDays`, the day ends planned for it with the facts read for them
(in runs of a bounded number of day ends), and `Recent`, the incidents the proportion rules look at on each day end
as day ends advance, at the cost of a window rather than of the history."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from metrics_svc.domain.detection import DailyCounts, ProportionCounts
from metrics_svc.domain.facts import IncidentFact, SlaFact


@dataclass
class ServiceDays:
    """What one service's judgement needs: which day ends, its facts around them, its opportunities under way."""

    ends: list[datetime]
    detect_from: datetime | None
    judged: datetime | None = None  # day ends up to this one were judged before
    counts: DailyCounts | None = None
    incidents: list[IncidentFact] | None = None
    sla: SlaFact | None = None
    recent: Recent | None = None  # the incidents the proportion rules look at, day end by day end
    outages: Recent | None = None  # the same, its outage incidents only (all that availability looks at)
    proportions: ProportionCounts | None = None

    def chunks(self, size: int) -> list[ServiceDays]:
        """The same judgement in runs of at most `size` day ends (each read and judged in turn: bounded memory and
        reads however far behind the service is)."""
        return [replace(self, ends=self.ends[start:start + size]) for start in range(0, len(self.ends), size)]


def _reach(incident: IncidentFact) -> datetime:
    """The latest moment at which the proportion rules can see the incident: its opening, its rating, an outage's
    resolution (an outage's span ends there; one still open is left out by those rules)."""
    moments = [incident.opened_at, incident.csat_at, incident.resolved_at if incident.outage else None]
    return max(m for m in moments if m is not None)


@dataclass
class Recent:
    """The incidents the proportion rules may look at on each day end, as day ends advance in order: those opened
    before it with anything they see within `lookback` of it, in their order. Each rule filters the incidents one
    by one by its own window (no longer than `lookback`), and the availability union sorts them stably, so each
    gives what it gives on the service's whole history — at the cost of a window, not of the history, per day end."""

    incidents: list[IncidentFact]  # in opening order
    lookback: timedelta
    _next: int = 0
    _kept: list[IncidentFact] = field(default_factory=list)
    _end: datetime | None = None

    def before(self, end: datetime) -> list[IncidentFact]:
        if self._end is not None and end < self._end:
            self._next, self._kept = 0, []
        self._end = end
        while self._next < len(self.incidents) and self.incidents[self._next].opened_at < end:
            self._kept.append(self.incidents[self._next])
            self._next += 1
        since = end - self.lookback
        self._kept = [incident for incident in self._kept if _reach(incident) >= since]
        return self._kept
