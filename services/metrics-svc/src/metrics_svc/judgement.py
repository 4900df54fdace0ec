"""The loop's judgement of completed business days: for each service concerned, each day end not judged yet
(and the recent ones again when incidents arrive late), the detection rules, the lapse of open opportunities
whose signal cleared, and the benefits verdicts that fall due. Pure decisions come from the domain
(detection, benefits); this module reads what they need, in a few statements for any number of services."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.bus import MessageBus
from continuum.domain import DomainError
from continuum.eventstore.summaries import list_summaries

from metrics_svc.config import Config
from metrics_svc.domain.benefits import due, judge_incident_rate, judge_proportion
from metrics_svc.domain.commands import DetectOpportunity, LapseOpportunity, RecordBenefits
from metrics_svc.domain.detection import (
    DAY,
    DailyCounts,
    Detection,
    ProportionCounts,
    day_end,
    day_ends,
    detect_proportions_counted,
    lookback,
    recurring_incidents,
    signal_cleared,
)
from metrics_svc.domain.facts import IncidentFact, SlaFact
from metrics_svc.domain.opportunity import ImprovementOpportunity
from metrics_svc.projection import loop_reads, loop_state, reads
from metrics_svc.projection.tables import LIVE

ACTIVE_READ_LIMIT = 10_000
CHUNK_DAYS = 56  # day ends judged per read: a long backlog is judged in runs of this many
log = logging.getLogger(__name__)


async def react(bus: MessageBus, command: object, conn: AsyncConnection) -> object | None:
    """Run a loop reaction in a savepoint: a rule it breaks (a lost race, say) is logged and undone alone, so the
    fact the event brought is still recorded and the message is not dead-lettered for it. None when refused."""
    try:
        async with conn.begin_nested():
            return await bus.handle(command, connection=conn)
    except DomainError as refused:
        log.warning("the loop's %s was refused (%s): %s", type(command).__name__, refused.rule, refused.detail)
        return None


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


def _measured_from(opportunities: list[dict]) -> list[datetime]:
    """Where the measurements under way of the proportion rules start: their verdicts look at everything since."""
    return [day_end(datetime.fromisoformat(item["measure_from"])) for item in opportunities
            if item["state"] == "measuring" and item.get("measure_from") and item["rule"] != "recurring_incidents"]


def _rate_measured_from(opportunities: list[dict], level: timedelta) -> list[datetime]:
    """Where the incident-rate measurements under way read their counts from: the regressed level before the
    acceptance, or back to the shift's start (domain.benefits.judge_incident_rate)."""
    found = []
    for item in opportunities:
        if item["state"] == "measuring" and item.get("measure_from") and item["rule"] == "recurring_incidents":
            found.append(day_end(datetime.fromisoformat(item["measure_from"])) - level)
            if (item.get("signal") or {}).get("window_start"):
                found.append(datetime.fromisoformat(item["signal"]["window_start"]) - DAY)
    return found


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


@dataclass(frozen=True)
class Judge:
    bus: MessageBus
    config: Config

    async def days(self, conn: AsyncConnection, *, touched: Mapping[UUID, datetime], through: datetime,
                   latest: Mapping[UUID, datetime] | None = None) -> None:
        """Judge every day end up to `through` for the services with new facts (`touched`: the earliest
        business time among them, `latest` the newest) and those with an opportunity under way; a service still
        catching up on a history that arrives behind the topic is left for later (loop_state.Progress.reach)."""
        active = await self._active(conn)
        behind = await loop_state.judged_before(conn, day_end(through) - DAY)  # business time passed them since
        services = set(touched) | set(active) | set(behind)
        if not services:
            return
        await loop_state.lock_services(conn, services)
        progress = await loop_state.progress_of(conn, services)
        latest, now = latest or {}, datetime.now(UTC)
        settle = timedelta(seconds=self.config.detection.catch_up_settle_s)
        plan, settled = {}, []
        for service_id in services:
            known = progress.get(service_id, loop_state.Progress())
            reach = known.reach(through, now=now, settle=settle)
            plan[service_id] = (ServiceDays(ends=[], detect_from=None, judged=known.through) if reach is None else
                                self._plan(known.through, touched.get(service_id), reach, latest.get(service_id)))
            if reach is not None and known.behind_at is not None:
                settled.append(service_id)
        await loop_state.note_settled(conn, settled, before=now - settle)
        waiting = {s: day_end(touched[s]) - DAY for s, days in plan.items()
                   if not days.ends and days.judged is None and s in touched}
        await loop_state.note_judged(conn, waiting)  # its first day is not complete yet: judged from there on
        plan = {service_id: days for service_id, days in plan.items() if days.ends}
        if not plan:
            return
        runs = {service_id: days.chunks(CHUNK_DAYS) for service_id, days in plan.items()}
        for turn in range(max(len(chunks) for chunks in runs.values())):
            now = {service_id: chunks[turn] for service_id, chunks in runs.items() if turn < len(chunks)}
            await self._read(conn, now, active)
            for service_id in sorted(now):
                active[service_id] = await self._judge_service(conn, service_id, now[service_id],
                                                               active.get(service_id, []))
        await loop_state.note_judged(conn, {s: max(days.ends) for s, days in plan.items()})

    def _plan(self, judged: datetime | None, earliest_new: datetime | None, through: datetime,
              latest_new: datetime | None = None) -> ServiceDays:
        """Day ends after the last judged one up to `through` (how far the service's history has arrived); with
        incidents that arrive late, the recent day ends they change are judged again too, from the earliest late
        one to a window past the latest."""
        rules = self.config.detection.rules()
        last = day_end(through) - DAY
        if judged is None:
            start = day_end(earliest_new) if earliest_new is not None else last
            return ServiceDays(ends=day_ends(start - DAY, last), detect_from=start)
        ends = day_ends(judged, last)
        detect_from = judged + DAY  # every day end not judged yet, whether or not this batch touched the service
        if earliest_new is not None:
            detect_from = min(day_end(earliest_new), judged + DAY)
            newest = max(detect_from, day_end(latest_new or earliest_new))
            again = day_ends(detect_from - DAY, min(judged, newest + DAY * rules.max_window_days))
            ends = sorted(set(again) | set(ends))
        return ServiceDays(ends=ends, detect_from=detect_from, judged=judged)

    async def _read(self, conn: AsyncConnection, plan: dict[UUID, ServiceDays],
                    active: Mapping[UUID, list[dict]]) -> None:
        """The facts of the planned day ends: counts per day over the incident test's span, and the incidents the
        proportion rules and the verdicts under way look at (from a window before the first day end, or from the
        start of a measurement)."""
        rules = self.config.detection.rules()
        span = timedelta(days=rules.span_days)
        level = DAY * (self.config.benefits.rules().level_days + 2)
        counts = await loop_reads.daily_counts(
            conn, LIVE, {s: min([min(d.ends) - span, *_rate_measured_from(active.get(s, []), level)])
                         for s, d in plan.items()}, until={s: max(d.ends) for s, d in plan.items()})
        slas = await reads.slas_of(conn, LIVE, list(plan))
        with_sla = {s: min([min(d.ends) - lookback(rules), *_measured_from(active.get(s, []))])
                    for s, d in plan.items() if s in slas}
        until = {s: max(d.ends) for s, d in plan.items()}  # the rules see incidents opened before their day end
        incidents = await reads.incidents_touching(conn, LIVE, with_sla, until=until)
        for service_id, days in plan.items():
            days.counts, days.sla = counts.get(service_id), slas.get(service_id)
            days.incidents = incidents.get(service_id, [])
            days.recent = Recent(days.incidents, lookback(rules))
            days.outages = Recent([i for i in days.incidents if i.outage], lookback(rules))
            days.proportions = ProportionCounts.of(days.incidents)

    async def _judge_service(self, conn: AsyncConnection, service_id: UUID, days: ServiceDays,
                             active: list[dict]) -> list[dict]:
        """Each planned day end in order: lapses and verdicts due, then detections; the opportunities under way
        after them."""
        opportunities = list(active)
        for end in days.ends:
            opportunities = [item for item in opportunities if not await self._settle(conn, item, days, end)]
            if days.detect_from is None or end < days.detect_from:
                continue
            kinds = {(item["rule"], item.get("category")) for item in opportunities
                     if item["state"] in ("open", "converted", "measuring")}
            for detection in self._detections(days, end):
                if (detection.rule, detection.category) in kinds:
                    continue
                opened = await self._raise(conn, service_id, detection, end)
                if opened is not None:
                    opportunities.append(opened.summary())
                    kinds.add((detection.rule, detection.category))
        return opportunities

    def _detections(self, days: ServiceDays, end: datetime) -> list[Detection]:
        rules = self.config.detection.rules()
        found = [] if days.counts is None else recurring_incidents(days.counts, end, rules)
        return found + self._proportions(days, end)

    def _proportions(self, days: ServiceDays, end: datetime) -> list[Detection]:
        """The SLA, availability and CSAT rules at `end` (domain.detection.detect_proportions, from their counts)."""
        if days.sla is None or days.recent is None or days.outages is None or days.proportions is None:
            return []
        recent = days.recent
        return detect_proportions_counted(days.proportions, lambda: recent.before(end), days.outages.before(end),
                                          days.sla, end, self.config.detection.rules())

    async def _raise(self, conn: AsyncConnection, service_id: UUID, detection: Detection, end: datetime):
        if detection.category is not None:
            start = datetime.fromisoformat(detection.evidence["window_start"])
            ids = await loop_reads.incident_ids(conn, LIVE, service_id, detection.category, start, end)
            detection = replace(detection, evidence=detection.evidence | {"incident_ids": ids})
        command = DetectOpportunity(service_id=service_id, detection=detection,
                                    cooldown_days=self.config.detection.cooldown_days, at=end)
        result = await react(self.bus, command, conn)
        return result if isinstance(result, ImprovementOpportunity) else None

    async def _settle(self, conn: AsyncConnection, item: dict, days: ServiceDays, end: datetime) -> bool:
        """Lapse an open opportunity whose signal cleared, or record a verdict that fell due; True when closed."""
        if item["state"] == "open" and self._cleared(item, days, end):
            command = LapseOpportunity(opportunity_id=UUID(item["id"]), at=end,
                                       reason=f"the signal cleared over the last {self.config.detection.lapse_days} days")
            return await react(self.bus, command, conn) is not None
        if item["state"] == "measuring" and item.get("measure_from"):
            verdict = await self._verdict(conn, item, days, end)
            if verdict is not None:
                command = RecordBenefits(opportunity_id=UUID(item["id"]), verdict=verdict, at=end)
                return await react(self.bus, command, conn) is not None
        return False

    def _cleared(self, item: dict, days: ServiceDays, end: datetime) -> bool:
        rules = self.config.detection.rules()
        detected_at = datetime.fromisoformat(item["detected_at"])
        if end - detected_at < DAY * rules.lapse_days or end <= detected_at:
            return False
        evidence = item.get("signal")
        if item["rule"] == "recurring_incidents":
            return evidence is not None and days.counts is not None and signal_cleared(evidence, days.counts, end, rules)
        return not any(d.rule == item["rule"] for d in self._proportions(days, end))

    async def _verdict(self, conn: AsyncConnection, item: dict, days: ServiceDays, end: datetime):
        settings = self.config.benefits.rules()
        accepted_at = datetime.fromisoformat(item["measure_from"])
        if not due(accepted_at, end, settings):
            return None
        if item["rule"] == "recurring_incidents":
            if days.counts is None or not item.get("signal"):
                return None
            return judge_incident_rate(item["signal"], datetime.fromisoformat(item["detected_at"]), accepted_at, end,
                                       days.counts, settings)
        if days.sla is None:
            return None
        target = {"sla_breach_rate": self.config.detection.breach_rate_pct,
                  "csat_below_target": days.sla.csat_target_pct,
                  "availability_below_target": days.sla.availability_target_pct}[item["rule"]]
        incidents = [i for i in days.incidents or [] if i.opened_at < end]
        return judge_proportion(item["rule"], Decimal(item["observed"]), target, accepted_at, end, incidents, settings)

    async def _active(self, conn: AsyncConnection) -> dict[UUID, list[dict]]:
        """Opportunities under way (open, converted, measuring) per service."""
        page = await list_summaries(conn, stream_type=ImprovementOpportunity.stream_type, contains={"open": True},
                                    limit=ACTIVE_READ_LIMIT)
        found: dict[UUID, list[dict]] = defaultdict(list)
        for item in page.items:
            found[UUID(item["service_id"])].append(item)
        return found
