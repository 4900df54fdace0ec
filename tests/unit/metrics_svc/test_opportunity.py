"""The ImprovementOpportunity aggregate: its rules, and its events against the published contracts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from continuum.contracts import metrics as contracts
from continuum.domain import DomainError
from continuum.eventstore.codec import EventCodec

from metrics_svc.domain.detection import Detection
from metrics_svc.domain.events import EVENT_TYPES
from metrics_svc.domain.opportunity import ImprovementOpportunity
from tests.unit.metrics_svc.factories import AS_OF, SERVICE

DETECTION = Detection("incident_rate_rise", "Incident rate rose to 8 in 7 days", "incidents_per_7_days",
                      Decimal(1), Decimal(8), 7, {"incident_ids": [str(uuid4())]})


def detected() -> ImprovementOpportunity:
    return ImprovementOpportunity.detect(service_id=SERVICE, detection=DETECTION, open_for_rule=0, at=AS_OF)


def measured(realized: bool) -> ImprovementOpportunity:
    opportunity = detected()
    opportunity.convert(uuid4(), at=AS_OF)
    opportunity.schedule_measurement(handover_id=uuid4(), accepted_at=AS_OF, window_days=30, at=AS_OF)
    opportunity.record_benefits(measured=Decimal(1), realized=realized, at=AS_OF + timedelta(days=30))
    return opportunity


def test_at_most_one_open_opportunity_per_service_and_rule():
    with pytest.raises(DomainError) as error:
        ImprovementOpportunity.detect(service_id=SERVICE, detection=DETECTION, open_for_rule=1, at=AS_OF)
    assert error.value.rule == "one-open-opportunity-per-service-and-rule"


def test_the_loop_runs_detected_converted_measuring_realized():
    opportunity = measured(realized=True)
    assert opportunity.state == "benefits_realized" and opportunity.summary()["open"] is False
    assert [type(p.event).__name__ for p in opportunity.pending][-1] == "BenefitsRealized"
    assert opportunity.pending[-1].event.window_days == 30 and opportunity.pending[-1].event.baseline == 1


def test_dismissal_only_while_open():
    opportunity = detected()
    opportunity.dismiss("seasonal peak", at=AS_OF)
    assert opportunity.state == "dismissed" and not opportunity.summary()["open"]
    with pytest.raises(DomainError) as error:
        opportunity.dismiss("again", at=AS_OF)
    assert error.value.rule == "only-open-opportunities-can-be-dismissed"


def test_benefits_cannot_be_scheduled_before_conversion():
    with pytest.raises(DomainError):
        detected().schedule_measurement(handover_id=uuid4(), accepted_at=AS_OF, window_days=30, at=AS_OF)


def abandoned() -> ImprovementOpportunity:
    opportunity, project_id = detected(), uuid4()
    opportunity.convert(project_id, at=AS_OF)
    opportunity.abandon(project_id, "budget withdrawn", at=AS_OF)
    return opportunity


def test_a_cancelled_project_abandons_its_converted_opportunity_and_nothing_else():
    opportunity = abandoned()
    assert opportunity.state == "abandoned" and opportunity.abandonment_reason == "budget withdrawn"
    assert not opportunity.summary()["open"]  # a new detection for the rule may open another
    with pytest.raises(DomainError) as error:
        detected().abandon(uuid4(), "never converted", at=AS_OF)
    assert error.value.rule == "only-converted-opportunities-are-abandoned"
    converted = detected()
    converted.convert(uuid4(), at=AS_OF)
    with pytest.raises(DomainError) as error:
        converted.abandon(uuid4(), "another project", at=AS_OF)
    assert error.value.rule == "abandoned-by-its-own-project"


def test_every_domain_event_validates_against_its_published_contract():
    codec = EventCodec(EVENT_TYPES)
    events = [p.event for p in measured(True).pending] + [measured(False).pending[-1].event]
    dismissed = detected()
    dismissed.dismiss("not a real weakness", at=AS_OF)
    events.append(dismissed.pending[-1].event)
    events.append(abandoned().pending[-1].event)
    by_name = {contract.event_name: contract for contract in contracts.PUBLISHED}
    assert {type(e).__name__ for e in events} == set(by_name) == {t.__name__ for t in EVENT_TYPES}
    for event in events:
        contract = by_name[type(event).__name__]
        encoded = codec.encode(event)
        assert set(encoded) == set(contract.model_fields)
        contract.model_validate(encoded)
