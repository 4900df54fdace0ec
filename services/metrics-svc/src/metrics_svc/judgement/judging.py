"""Judging one service's planned day ends in order (`ServiceJudge`, the base of judge.Judge): lapses of open
opportunities whose signal cleared and benefits verdicts that fell due, then the detections raised as opportunities,
each a loop reaction run by `react` in a savepoint of its own."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.bus import MessageBus
from continuum.domain import DomainError

from metrics_svc.config import Config
from metrics_svc.domain.benefits import due, judge_incident_rate, judge_proportion
from metrics_svc.domain.commands import DetectOpportunity, LapseOpportunity, RecordBenefits
from metrics_svc.domain.detection import DAY, Detection, detect_proportions_counted, recurring_incidents, signal_cleared
from metrics_svc.domain.opportunity import ImprovementOpportunity
from metrics_svc.judgement.service_days import ServiceDays
from metrics_svc.projection import loop_reads
from metrics_svc.projection.tables import LIVE

log = logging.getLogger("metrics_svc.judgement")  # the name it had before the split


async def react(bus: MessageBus, command: object, conn: AsyncConnection) -> object | None:
    """Run a loop reaction in a savepoint: a rule it breaks (a lost race, say) is logged and undone alone, so the
    fact the event brought is still recorded and the message is not dead-lettered for it. None when refused."""
    try:
        async with conn.begin_nested():
            return await bus.handle(command, connection=conn)
    except DomainError as refused:
        log.warning("the loop's %s was refused (%s): %s", type(command).__name__, refused.rule, refused.detail)
        return None


@dataclass(frozen=True)
class ServiceJudge:
    """One service's planned day ends judged in order (judge.Judge plans them and reads their facts)."""

    bus: MessageBus
    config: Config

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
