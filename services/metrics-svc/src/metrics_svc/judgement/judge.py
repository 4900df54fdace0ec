"""`Judge`: which day ends to judge for which services (each day end not judged yet, and the recent ones again when
incidents arrive late), in runs of a bounded number of day ends, with the facts each run needs read in a few
statements for all its services; each service's day ends are then judged in turn (judging.ServiceJudge)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.eventstore.summaries import list_summaries

from metrics_svc.domain.detection import DAY, ProportionCounts, day_end, day_ends, lookback
from metrics_svc.domain.opportunity import ImprovementOpportunity
from metrics_svc.judgement.judging import ServiceJudge
from metrics_svc.judgement.service_days import Recent, ServiceDays
from metrics_svc.projection import loop_reads, loop_state, reads
from metrics_svc.projection.tables import LIVE

ACTIVE_READ_LIMIT = 10_000
CHUNK_DAYS = 56  # day ends judged per read: a long backlog is judged in runs of this many


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


@dataclass(frozen=True)
class Judge(ServiceJudge):
    """The loop's judgement of completed business days for the services concerned (see the package docstring)."""

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
        while runs:  # each run taken out as it is judged: its facts are dropped before the next run's are read
            now = {service_id: chunks.pop(0) for service_id, chunks in runs.items()}
            runs = {service_id: chunks for service_id, chunks in runs.items() if chunks}
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

    async def _active(self, conn: AsyncConnection) -> dict[UUID, list[dict]]:
        """Opportunities under way (open, converted, measuring) per service."""
        page = await list_summaries(conn, stream_type=ImprovementOpportunity.stream_type, contains={"open": True},
                                    limit=ACTIVE_READ_LIMIT)
        found: dict[UUID, list[dict]] = defaultdict(list)
        for item in page.items:
            found[UUID(item["service_id"])].append(item)
        return found
