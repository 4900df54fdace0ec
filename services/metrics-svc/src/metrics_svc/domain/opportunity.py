"""The ImprovementOpportunity aggregate: detected → converted → measuring → benefits (not) realized; dismissed
while open, abandoned when the project it was converted into is cancelled."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from functools import singledispatchmethod
from typing import Any
from uuid import UUID, uuid4

from continuum.domain import Aggregate, DomainError, DomainEvent

from metrics_svc.domain.detection import Detection
from metrics_svc.domain.events import (
    BenefitsMeasurementScheduled,
    BenefitsNotRealized,
    BenefitsRealized,
    ImprovementOpportunityAbandoned,
    ImprovementOpportunityConverted,
    ImprovementOpportunityDetected,
    ImprovementOpportunityDismissed,
)

OPEN_STATES = ("open", "converted", "measuring")


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

    @classmethod
    def detect(cls, *, service_id: UUID, detection: Detection, open_for_rule: int, at: datetime
               ) -> ImprovementOpportunity:
        """A new opportunity; at most one is open per service and rule."""
        if open_for_rule:
            raise DomainError("one-open-opportunity-per-service-and-rule",
                              f"service {service_id} already has an open {detection.rule} opportunity")
        opportunity = cls(uuid4())
        opportunity._record(ImprovementOpportunityDetected(
            opportunity_id=opportunity.id, service_id=service_id, rule=detection.rule, title=detection.title,
            kpi=detection.kpi, baseline=detection.baseline, observed=detection.observed,
            window_days=detection.window_days, evidence=detection.evidence, detected_at=at), at=at)
        return opportunity

    @property
    def rule(self) -> str:
        assert self.detected is not None
        return self.detected.rule

    def _require(self, state: str, rule: str) -> None:
        if self.state != state:
            raise DomainError(rule, f"opportunity {self.id} is {self.state}, not {state}")

    def dismiss(self, reason: str, *, at: datetime) -> None:
        self._require("open", "only-open-opportunities-can-be-dismissed")
        self._record(ImprovementOpportunityDismissed(self.id, self._service(), reason), at=at)

    def convert(self, project_id: UUID, *, at: datetime) -> None:
        self._require("open", "only-open-opportunities-can-be-converted")
        self._record(ImprovementOpportunityConverted(self.id, self._service(), project_id), at=at)

    def abandon(self, project_id: UUID, reason: str, *, at: datetime) -> None:
        """The project delivering the improvement was cancelled: the opportunity closes unfulfilled."""
        self._require("converted", "only-converted-opportunities-are-abandoned")
        if project_id != self.project_id:
            raise DomainError("abandoned-by-its-own-project", f"project {project_id} is not {self.project_id}")
        self._record(ImprovementOpportunityAbandoned(self.id, self._service(), project_id, reason), at=at)

    def schedule_measurement(self, *, handover_id: UUID, accepted_at: datetime, window_days: int,
                             at: datetime) -> None:
        self._require("converted", "benefits-measured-after-conversion")
        assert self.project_id is not None
        self._record(BenefitsMeasurementScheduled(self.id, self._service(), self.project_id, handover_id,
                                                  accepted_at, accepted_at + timedelta(days=window_days)), at=at)

    def record_benefits(self, *, measured: Decimal, realized: bool, at: datetime) -> None:
        self._require("measuring", "benefits-measured-once-scheduled")
        assert self.detected is not None and self.project_id is not None and self.measure_from is not None
        event_type = BenefitsRealized if realized else BenefitsNotRealized
        days = int(((self.measure_until or at) - self.measure_from) / timedelta(days=1))
        self._record(event_type(self.id, self._service(), self.project_id, self.detected.kpi,
                                self.detected.baseline, measured, days), at=at)

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
        self.state, self.dismissal_reason = "dismissed", event.reason

    @apply.register
    def _(self, event: ImprovementOpportunityConverted) -> None:
        self.state, self.project_id = "converted", event.project_id

    @apply.register
    def _(self, event: ImprovementOpportunityAbandoned) -> None:
        self.state, self.abandonment_reason = "abandoned", event.reason

    @apply.register
    def _(self, event: BenefitsMeasurementScheduled) -> None:
        self.state, self.measure_from, self.measure_until = "measuring", event.measure_from, event.measure_until

    @apply.register
    def _(self, event: BenefitsRealized) -> None:
        self.state, self.measured = "benefits_realized", event.measured

    @apply.register
    def _(self, event: BenefitsNotRealized) -> None:
        self.state, self.measured = "benefits_not_realized", event.measured

    def summary(self) -> dict[str, Any]:
        assert self.detected is not None
        return {"id": str(self.id), "service_id": str(self.service_id), "rule": self.rule, "state": self.state,
                "open": self.state in OPEN_STATES, "title": self.detected.title, "kpi": self.detected.kpi,
                "detected_at": self.detected.detected_at.isoformat(),
                "project_id": str(self.project_id) if self.project_id else None,
                "measure_until": self.measure_until.isoformat() if self.measure_until else None}
