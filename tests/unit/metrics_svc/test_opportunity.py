"""The ImprovementOpportunity aggregate: its lifecycle rules, and its events against the published contracts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from continuum.contracts import catalog
from continuum.contracts import metrics as contracts
from continuum.domain import DomainError, NotAllowed
from continuum.eventstore.codec import EventCodec

from metrics_svc.domain.detection import Detection
from metrics_svc.domain.events import EVENT_TYPES
from metrics_svc.domain.opportunity import ImprovementOpportunity
from tests.unit.metrics_svc.factories import AS_OF, SERVICE

DETECTION = Detection("recurring_incidents", "'disk' incidents at 3.0× their usual rate for 5 days",
                      "incidents_in_category_per_day", Decimal("0.5"), Decimal("1.5"), 5, "disk",
                      {"incident_ids": [str(uuid4())], "category": "disk"})


def detected(**overrides) -> ImprovementOpportunity:
    arguments = {"open_for_rule": 0, "cooling_until": None, "at": AS_OF} | overrides
    return ImprovementOpportunity.detect(service_id=SERVICE, detection=DETECTION, **arguments)


def measured(outcome: str) -> ImprovementOpportunity:
    opportunity = detected()
    opportunity.convert(uuid4(), at=AS_OF)
    opportunity.schedule_measurement(handover_id=uuid4(), accepted_at=AS_OF, max_days=90, at=AS_OF)
    opportunity.record_benefits(outcome=outcome, measured=Decimal("0.4"), effect={"ratio_to_regressed": 0.3},
                                at=AS_OF + timedelta(days=28))
    return opportunity


def test_at_most_one_open_opportunity_per_service_rule_and_category():
    with pytest.raises(DomainError) as error:
        detected(open_for_rule=1)
    assert error.value.rule == "one-open-opportunity-per-service-rule-and-category"
    assert detected().summary()["category"] == "disk"


def test_no_redetection_inside_the_cooldown():
    with pytest.raises(DomainError) as error:
        detected(cooling_until=AS_OF + timedelta(days=1))
    assert error.value.rule == "re-detection-after-cooldown"
    assert detected(cooling_until=AS_OF).state == "open"


@pytest.mark.parametrize(("outcome", "state", "event"), [
    ("realized", "benefits_realized", "BenefitsRealized"),
    ("not_realized", "benefits_not_realized", "BenefitsNotRealized"),
    ("inconclusive", "benefits_inconclusive", "BenefitsInconclusive")])
def test_the_loop_runs_detected_converted_measuring_to_a_verdict(outcome, state, event):
    opportunity = measured(outcome)
    assert opportunity.state == state and opportunity.summary()["open"] is False
    verdict = opportunity.pending[-1].event
    assert verdict.event_type() == event and verdict.window_days == 28 and verdict.effect["ratio_to_regressed"] == 0.3
    assert opportunity.measure_until == AS_OF + timedelta(days=90)


def test_an_open_or_converted_opportunity_may_be_dismissed_once():
    opportunity = detected()
    opportunity.dismiss("seasonal peak", by="sam", owner="sam", authority="in person", at=AS_OF)
    assert opportunity.state == "dismissed" and opportunity.closed_at == AS_OF and not opportunity.summary()["open"]
    with pytest.raises(DomainError) as error:
        opportunity.dismiss("again", by="sam", owner="sam", authority="in person", at=AS_OF)
    assert error.value.rule == "only-open-or-converted-opportunities-can-be-dismissed"
    converted = detected()
    converted.convert(uuid4(), at=AS_OF)
    converted.dismiss("a false alarm after all", by="sam", owner="sam", authority="in person", at=AS_OF)
    assert converted.state == "dismissed"
    with pytest.raises(DomainError):
        measured("realized").dismiss("too late", by="sam", owner="sam", authority="in person", at=AS_OF)


def test_only_the_services_owner_dismisses_its_opportunity_or_admin_for_them():
    with pytest.raises(NotAllowed) as error:
        detected().dismiss("not mine to judge", by="mallory", owner="sam", authority="in person", at=AS_OF)
    assert error.value.rule == "dismissed-by-the-services-owner"
    with pytest.raises(NotAllowed):
        detected().dismiss("no owner known yet", by="sam", owner=None, authority="in person", at=AS_OF)
    opportunity = detected()
    opportunity.dismiss("a known peak", by="ada", owner="sam", authority="admin", at=AS_OF)
    assert opportunity.state == "dismissed" and opportunity.pending[-1].event.dismissed_by == "ada"


def test_only_an_open_opportunity_lapses():
    opportunity = detected()
    opportunity.lapse("the signal cleared", at=AS_OF + timedelta(days=14))
    assert opportunity.state == "lapsed" and opportunity.summary()["closed_at"] == (AS_OF + timedelta(days=14)).isoformat()
    converted = detected()
    converted.convert(uuid4(), at=AS_OF)
    with pytest.raises(DomainError) as error:
        converted.lapse("cleared", at=AS_OF)
    assert error.value.rule == "only-open-opportunities-lapse"


def test_benefits_cannot_be_scheduled_before_conversion():
    with pytest.raises(DomainError):
        detected().schedule_measurement(handover_id=uuid4(), accepted_at=AS_OF, max_days=90, at=AS_OF)


def abandoned() -> ImprovementOpportunity:
    opportunity, project_id = detected(), uuid4()
    opportunity.convert(project_id, at=AS_OF)
    opportunity.abandon(project_id, "budget withdrawn", at=AS_OF)
    return opportunity


def test_a_cancelled_project_abandons_its_opportunity_and_nothing_else():
    opportunity = abandoned()
    assert opportunity.state == "abandoned" and opportunity.abandonment_reason == "budget withdrawn"
    assert not opportunity.summary()["open"]  # a new detection for the rule may open another
    proposed = detected()
    proposed.abandon(uuid4(), "the proposal was cancelled before its charter", at=AS_OF)
    assert proposed.state == "abandoned"
    converted = detected()
    converted.convert(uuid4(), at=AS_OF)
    with pytest.raises(DomainError) as error:
        converted.abandon(uuid4(), "another project", at=AS_OF)
    assert error.value.rule == "abandoned-by-its-own-project"
    with pytest.raises(DomainError):
        abandoned().abandon(uuid4(), "twice", at=AS_OF)


def test_every_domain_event_validates_against_its_published_contract():
    codec = EventCodec(EVENT_TYPES)
    events = [p.event for p in measured("realized").pending]
    events += [measured(outcome).pending[-1].event for outcome in ("not_realized", "inconclusive")]
    for close in (lambda o: o.dismiss("not a real weakness", by="sam", owner="sam", authority="in person", at=AS_OF),
                  lambda o: o.lapse("cleared", at=AS_OF)):
        opportunity = detected()
        close(opportunity)
        events.append(opportunity.pending[-1].event)
    events.append(abandoned().pending[-1].event)
    outcome = {contracts.ProjectOutcomeEvaluatedV1}  # the ProjectOutcome aggregate's (test_success.py)
    assert {type(e) for e in events} == set(contracts.PUBLISHED) - outcome == set(EVENT_TYPES) - outcome
    for event in events:
        encoded = codec.encode(event)
        assert catalog.parse(type(event), encoded) == event and catalog.dump(event) == encoded
