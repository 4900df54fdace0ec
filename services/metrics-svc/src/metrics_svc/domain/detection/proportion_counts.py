"""The SLA-breach and CSAT rules from their per-day counts (`ProportionCounts`): whether a rule fires at a day end
costs the days of its window, and `detect_proportions_counted` lists the incidents only for a rule that fires,
giving what `detect_proportions` gives."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from metrics_svc.domain.detection.days import _days_before
from metrics_svc.domain.detection.proportions import availability_below_target, csat_below_target, sla_breach_rate
from metrics_svc.domain.detection.rules import Detection, RuleSettings
from metrics_svc.domain.facts import IncidentFact, SlaFact
from metrics_svc.domain.statistics import binomial_cdf, binomial_sf
from metrics_svc.domain.windows import Window


@dataclass(frozen=True)
class ProportionCounts:
    """What the SLA-breach and CSAT rules count, per UTC day (their sufficient statistics): with them, whether a
    rule fires on a day end costs the days of its window, not its incidents; the incidents are listed only for
    the evidence of a rule that fires. Windows end at midnight, so a moment is in one exactly when its day is."""

    subject: Mapping[date, int]  # by opening day: subject to an SLA, with its outcome known
    breached: Mapping[date, int]
    rated: Mapping[date, int]  # by rating day, rated no earlier than opened
    satisfied: Mapping[date, int]
    rated_before_opening: tuple[IncidentFact, ...] = ()  # odd facts, counted one by one

    @classmethod
    def of(cls, incidents: Sequence[IncidentFact]) -> ProportionCounts:
        subject: dict[date, int] = {}
        breached: dict[date, int] = {}
        rated: dict[date, int] = {}
        satisfied: dict[date, int] = {}
        odd = []
        for i in incidents:
            if i.subject_to_sla and (i.resolved_at is not None or i.breached):
                day = _utc_date(i.opened_at)
                subject[day] = subject.get(day, 0) + 1
                if i.breached:
                    breached[day] = breached.get(day, 0) + 1
            if i.csat is not None and i.csat_at is not None:
                if i.csat_at < i.opened_at:
                    odd.append(i)
                    continue
                day = _utc_date(i.csat_at)
                rated[day] = rated.get(day, 0) + 1
                if i.csat >= 4:
                    satisfied[day] = satisfied.get(day, 0) + 1
        return cls(subject, breached, rated, satisfied, tuple(odd))

    def sla_breach_fires(self, end: datetime, s: RuleSettings) -> bool:
        """Whether sla_breach_rate finds a detection at `end` over the incidents opened before it."""
        days = _days_before(end, s.breach_days)
        n, breaches = sum(self.subject.get(d, 0) for d in days), sum(self.breached.get(d, 0) for d in days)
        return n >= s.breach_min_incidents and binomial_sf(breaches, n, float(s.breach_rate_pct) / 100) < \
            s.proportion_alpha

    def csat_fires(self, sla: SlaFact | None, end: datetime, s: RuleSettings) -> bool:
        """Whether csat_below_target finds a detection at `end` over the incidents opened before it."""
        if sla is None:
            return False
        days = _days_before(end, s.csat_days)
        n, positive = sum(self.rated.get(d, 0) for d in days), sum(self.satisfied.get(d, 0) for d in days)
        window = Window.ending(end, days=s.csat_days)
        for i in self.rated_before_opening:
            if i.opened_at < end and window.holds(i.csat_at):
                n, positive = n + 1, positive + ((i.csat or 0) >= 4)
        return n >= s.csat_min_responses and binomial_cdf(positive, n, float(sla.csat_target_pct) / 100) < \
            s.proportion_alpha


def _utc_date(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def detect_proportions_counted(counts: ProportionCounts, incidents: Callable[[], Sequence[IncidentFact]],
                               outages: Sequence[IncidentFact], sla: SlaFact | None, end: datetime,
                               s: RuleSettings) -> list[Detection]:
    """detect_proportions at `end`, the same list, from the rules' counts: `incidents()` (those opened before `end`)
    is listed only for a rule that fires; availability needs only the outage incidents among them."""
    if sla is None:
        return []
    found = [sla_breach_rate(incidents(), end, s) if counts.sla_breach_fires(end, s) else None,
             availability_below_target(outages, sla, end, s),
             csat_below_target(incidents(), sla, end, s) if counts.csat_fires(sla, end, s) else None]
    return [detection for detection in found if detection is not None]
