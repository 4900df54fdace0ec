"""What the incident KPIs of a window add up (Sums), in the order the rollups and the facts' statements return
them (SUM_FIELDS, then a whole-day range's outages started and down time), and the figures they give."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from metrics_svc.domain.windows import Figure, ratio_pct

US_PER_MINUTE = Decimal(60_000_000)

SUM_FIELDS = ("opened", "sla_subject", "sla_met", "acknowledged", "ack_us", "resolved", "resolve_us",
              "csat_responses", "csat_positive", "ack_business", "ack_business_us", "resolved_business",
              "resolve_business_us")

STARTED, DOWN = len(SUM_FIELDS), len(SUM_FIELDS) + 1  # a range of whole days' outages started and down time


@dataclass
class Sums:
    """What the incident KPIs of one window add up (durations in microseconds)."""

    opened: int = 0
    sla_subject: int = 0
    sla_met: int = 0
    acknowledged: int = 0
    ack_us: Decimal = Decimal(0)
    resolved: int = 0
    resolve_us: Decimal = Decimal(0)
    csat_responses: int = 0
    csat_positive: int = 0
    ack_business: int = 0  # of the acknowledged, those whose event carried business minutes
    ack_business_us: Decimal = Decimal(0)  # their business minutes, in microseconds
    resolved_business: int = 0
    resolve_business_us: Decimal = Decimal(0)

    def add(self, values: Sequence) -> None:
        (opened, subject, met, acknowledged, ack_us, resolved, resolve_us, responses, positive, ack_business,
         ack_business_us, resolved_business, resolve_business_us) = values[:len(SUM_FIELDS)]
        self.ack_business += ack_business
        self.ack_business_us += ack_business_us
        self.resolved_business += resolved_business
        self.resolve_business_us += resolve_business_us
        self.opened += opened
        self.sla_subject += subject
        self.sla_met += met
        self.acknowledged += acknowledged
        self.ack_us += ack_us
        self.resolved += resolved
        self.resolve_us += resolve_us
        self.csat_responses += responses
        self.csat_positive += positive

    def mtta(self) -> Figure:
        return _mean_minutes(self.ack_us, self.acknowledged)

    def mttr(self) -> Figure:
        return _mean_minutes(self.resolve_us, self.resolved)

    def business_mtta(self) -> Figure:
        return _mean_minutes(self.ack_business_us, self.ack_business)

    def business_mttr(self) -> Figure:
        return _mean_minutes(self.resolve_business_us, self.resolved_business)

    def incident_count(self) -> Figure:
        return Figure(Decimal(self.opened), self.opened)

    def sla_compliance(self) -> Figure:
        return Figure(ratio_pct(self.sla_met, self.sla_subject), self.sla_subject)

    def csat(self) -> Figure:
        return Figure(ratio_pct(self.csat_positive, self.csat_responses), self.csat_responses)


def _mean_minutes(total_us: Decimal, count: int) -> Figure:
    return Figure(None if not count else Decimal(total_us) / US_PER_MINUTE / count, count)
