"""Service acceptance criteria and the readiness score (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum


class CriterionStatus(StrEnum):
    pending = "pending"
    met = "met"
    waived = "waived"


SLA_DEFINED = "sla-defined"
SERVICE_OWNER_NAMED = "service-owner-named"
EARLY_LIFE_SUPPORT_AGREED = "early-life-support-period-agreed"

DEFAULT_CRITERIA: tuple[tuple[str, str], ...] = (
    ("documentation-complete", "Documentation complete"),
    ("support-team-trained", "Support team trained"),
    ("knowledge-base-populated", "Knowledge base populated"),
    (SLA_DEFINED, "SLA defined"),
    (SERVICE_OWNER_NAMED, "Service owner named"),
    ("monitoring-in-place", "Monitoring in place"),
    ("runbooks-and-escalation-contacts", "Runbooks and escalation contacts"),
    (EARLY_LIFE_SUPPORT_AGREED, "Early-life-support period agreed"),
    ("known-errors-documented", "Known errors documented"),
)

SCORE_PLACES = Decimal("0.0001")


@dataclass
class Criterion:
    """One criterion as its events left it."""

    key: str
    title: str
    mandatory: bool
    status: CriterionStatus = CriterionStatus.pending
    evidence: str | None = None
    justification: str | None = None
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None
    automatic: bool = False

    @property
    def settled(self) -> bool:
        return self.status is not CriterionStatus.pending


@dataclass(frozen=True)
class Readiness:
    """Readiness score = share of criteria met or waived, a fraction from 0 to 1 (4 decimals)."""

    score: Decimal
    settled: int
    total: int
    pending: list[str]
    pending_mandatory: list[str]


def readiness(criteria: Iterable[Criterion]) -> Readiness:
    criteria = list(criteria)
    settled = sum(1 for criterion in criteria if criterion.settled)
    return Readiness(
        score=readiness_score(settled, len(criteria)),
        settled=settled,
        total=len(criteria),
        pending=[criterion.key for criterion in criteria if not criterion.settled],
        pending_mandatory=[criterion.key for criterion in criteria if criterion.mandatory and not criterion.settled],
    )


def readiness_score(settled: int, total: int) -> Decimal:
    """`settled / total` rounded half-even to 4 places; a handover without criteria is fully ready."""
    if total == 0:
        return Decimal(1).quantize(SCORE_PLACES)
    return (Decimal(settled) / Decimal(total)).quantize(SCORE_PLACES, rounding=ROUND_HALF_EVEN)
