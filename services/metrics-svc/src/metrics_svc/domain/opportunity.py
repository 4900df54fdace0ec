"""The ImprovementOpportunity aggregate: detected (open, a project proposed for it) → converted (that project's
charter approved) → measuring (its handover accepted) → benefits realized, not realized or inconclusive.
An open opportunity whose signal clears lapses; an open or converted one may be dismissed as a false alarm;
either is abandoned when its project is cancelled."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from functools import singledispatchmethod
from typing import Any
from uuid import UUID, uuid4

from continuum.domain import Aggregate, DomainError, DomainEvent, NotAllowed

from metrics_svc.domain.detection import Detection
from metrics_svc.domain.events import (
    BenefitsInconclusive,
    BenefitsMeasurementScheduled,
    BenefitsNotRealized,
    BenefitsRealized,
    ImprovementOpportunityAbandoned,
    ImprovementOpportunityConverted,
    ImprovementOpportunityDetected,
    ImprovementOpportunityDismissed,
    ImprovementOpportunityLapsed,
)

OPEN_STATES = ("open", "converted", "measuring")
VERDICTS = {"realized": BenefitsRealized, "not_realized": BenefitsNotRealized, "inconclusive": BenefitsInconclusive}
STATE_OF_VERDICT = {"realized": "benefits_realized", "not_realized": "benefits_not_realized",
                    "inconclusive": "benefits_inconclusive"}


class ImprovementOpportunity(Aggregate):
    stream_type = "ImprovementOpportunity"

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.service_id: UUID | None = None
        self.state = "open"
        self.detected: ImprovementOpportunityDetected | None = None
        self.project_id: UUID | None = None
        self.dismissal_reason: str | None = None
        self.abandonment_reason: str | None = None
        self.measure_from: datetime | None = None
        self.measure_until: datetime | None = None
        self.measured: Decimal | None = None
        self.closed_at: datetime | None = None  # when it lapsed or was dismissed: its cooldown runs from then
        self.effect: dict[str, Any] | None = None

    @classmethod
    def detect(cls, *, service_id: UUID, detection: Detection, open_for_rule: int, cooling_until: datetime | None,
               at: datetime) -> ImprovementOpportunity:
        """A new opportunity; at most one is open per service, rule and category, and none while the last one
        of them that lapsed or was dismissed is in its cooldown."""
        if open_for_rule:
            raise DomainError("one-open-opportunity-per-service-rule-and-category",
                              f"service {service_id} already has an open {detection.rule} opportunity"
                              f" for {detection.category or 'the service'}")
        if cooling_until is not None and at < cooling_until:
            raise DomainError("re-detection-after-cooldown", f"not before {cooling_until.isoformat()}")
        opportunity = cls(uuid4())
        opportunity._record(ImprovementOpportunityDetected(
            opportunity_id=opportunity.id, service_id=service_id, rule=detection.rule, title=detection.title,
            kpi=detection.kpi, baseline=detection.baseline, observed=detection.observed,
            window_days=detection.window_days, evidence=detection.evidence, detected_at=at,
            category=detection.category), at=at)
        return opportunity

    @property
    def category(self) -> str | None:
        assert self.detected is not None
        return self.detected.category

    @property
    def rule(self) -> str:
        assert self.detected is not None
        return self.detected.rule

    def _require(self, state: str, rule: str) -> None:
        if self.state != state:
            raise DomainError(rule, f"opportunity {self.id} is {self.state}, not {state}")

    def dismiss(self, reason: str, *, by: str | None, owner: str | None, authority: str, at: datetime) -> None:
        """A false alarm, open or converted (project-svc then cancels the project proposed for it); the service's
        owner judges it (admin and integration may act for anyone)."""
        if authority == "in person" and (owner is None or by != owner):
            raise NotAllowed("dismissed-by-the-services-owner",
                             f"only the owner of service {self.service_id} ({owner or 'none known yet'}) dismisses its "
                             "opportunities (an owner assigned a moment ago may take a moment to be known here)")
        if self.state not in ("open", "converted"):
            raise DomainError("only-open-or-converted-opportunities-can-be-dismissed",
                              f"opportunity {self.id} is {self.state}")
        self._record(ImprovementOpportunityDismissed(
            opportunity_id=self.id, service_id=self._service(), reason=reason, dismissed_by=by, dismissed_at=at), at=at)

    def lapse(self, reason: str, *, at: datetime) -> None:
        """The signal cleared before any project was chartered for it."""
        self._require("open", "only-open-opportunities-lapse")
        self._record(ImprovementOpportunityLapsed(
            opportunity_id=self.id, service_id=self._service(), rule=self.rule, category=self.category,
            reason=reason, lapsed_at=at), at=at)

    def convert(self, project_id: UUID, *, at: datetime) -> None:
        self._require("open", "only-open-opportunities-can-be-converted")
        self._record(ImprovementOpportunityConverted(
            opportunity_id=self.id, service_id=self._service(), project_id=project_id), at=at)

    def abandon(self, project_id: UUID, reason: str, *, at: datetime) -> None:
        """The project proposed for it, or delivering it, was cancelled: the opportunity closes unfulfilled."""
        if self.state not in ("open", "converted"):
            raise DomainError("only-open-or-converted-opportunities-are-abandoned", f"opportunity {self.id} is "
                              f"{self.state}")
        if self.project_id is not None and project_id != self.project_id:
            raise DomainError("abandoned-by-its-own-project", f"project {project_id} is not {self.project_id}")
        self._record(ImprovementOpportunityAbandoned(
            opportunity_id=self.id, service_id=self._service(), project_id=project_id, reason=reason), at=at)

    def schedule_measurement(self, *, handover_id: UUID, accepted_at: datetime, max_days: int,
                             at: datetime) -> None:
        """From the acceptance on; `measure_until` is the latest a verdict comes (Inconclusive then)."""
        self._require("converted", "benefits-measured-after-conversion")
        assert self.project_id is not None
        self._record(BenefitsMeasurementScheduled(
            opportunity_id=self.id, service_id=self._service(), project_id=self.project_id, handover_id=handover_id,
            measure_from=accepted_at, measure_until=accepted_at + timedelta(days=max_days)), at=at)

    def record_benefits(self, *, outcome: str, measured: Decimal, effect: dict[str, Any], at: datetime) -> None:
        self._require("measuring", "benefits-measured-once-scheduled")
        assert self.detected is not None and self.project_id is not None and self.measure_from is not None
        days = int((at - self.measure_from) / timedelta(days=1))
        self._record(VERDICTS[outcome](
            opportunity_id=self.id, service_id=self._service(), project_id=self.project_id, kpi=self.detected.kpi,
            baseline=self.detected.baseline, measured=measured, window_days=days, effect=effect), at=at)

    def _service(self) -> UUID:
        assert self.service_id is not None
        return self.service_id

    @singledispatchmethod
    def apply(self, event: DomainEvent) -> None:
        raise NotImplementedError(type(event).__name__)

    @apply.register
    def _(self, event: ImprovementOpportunityDetected) -> None:
        self.detected, self.service_id, self.state = event, event.service_id, "open"

    @apply.register
    def _(self, event: ImprovementOpportunityDismissed) -> None:
        self.state, self.dismissal_reason, self.closed_at = "dismissed", event.reason, event.dismissed_at

    @apply.register
    def _(self, event: ImprovementOpportunityLapsed) -> None:
        self.state, self.closed_at = "lapsed", event.lapsed_at

    @apply.register
    def _(self, event: ImprovementOpportunityConverted) -> None:
        self.state, self.project_id = "converted", event.project_id

    @apply.register
    def _(self, event: ImprovementOpportunityAbandoned) -> None:
        self.state, self.abandonment_reason, self.project_id = "abandoned", event.reason, event.project_id

    @apply.register
    def _(self, event: BenefitsMeasurementScheduled) -> None:
        self.state, self.measure_from, self.measure_until = "measuring", event.measure_from, event.measure_until

    @apply.register(BenefitsRealized)
    @apply.register(BenefitsNotRealized)
    @apply.register(BenefitsInconclusive)
    def _(self, event: BenefitsRealized | BenefitsNotRealized | BenefitsInconclusive) -> None:
        outcome = {BenefitsRealized: "realized", BenefitsNotRealized: "not_realized"}.get(type(event), "inconclusive")
        self.state, self.measured, self.effect = STATE_OF_VERDICT[outcome], event.measured, event.effect

    def summary(self) -> dict[str, Any]:
        assert self.detected is not None
        return {"id": str(self.id), "service_id": str(self.service_id), "rule": self.rule, "state": self.state,
                "category": self.category, "open": self.state in OPEN_STATES, "title": self.detected.title,
                "kpi": self.detected.kpi, "detected_at": self.detected.detected_at.isoformat(),
                "project_id": str(self.project_id) if self.project_id else None,
                "measure_from": self.measure_from.isoformat() if self.measure_from else None,
                "measure_until": self.measure_until.isoformat() if self.measure_until else None,
                "closed_at": self.closed_at.isoformat() if self.closed_at else None,
                "observed": str(self.detected.observed),
                # what the loop needs to judge a lapse or the benefits without loading the stream (ids left out)
                "signal": {k: v for k, v in self.detected.evidence.items() if k != "incident_ids"}}
