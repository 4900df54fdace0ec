"""The success scorecard (domain.success) on hand-made histories: each dimension known from its facts, and not yet
known until it can be; the outcome is published only when all six are settled, and its event fits its contract."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from continuum.contracts import catalog
from continuum.contracts import metrics as contracts
from continuum.domain import DomainError
from continuum.eventstore.codec import EventCodec

from metrics_svc.domain.events import EVENT_TYPES
from metrics_svc.domain.facts import HandoverFact, IncidentFact, SlaFact
from metrics_svc.domain.outcome import ProjectOutcome
from metrics_svc.domain.scorecard import (
    KNOWN,
    NOT_APPLICABLE,
    NOT_YET_KNOWN,
    ChangeRequestFact,
    DeliveredService,
    OpportunityVerdict,
    ProjectRecord,
    TripleConstraint,
    WindowFigures,
    periods,
)
from metrics_svc.domain.success import scorecard
from metrics_svc.domain.windows import Figure

SERVICE = UUID("00000000-0000-0000-0000-0000000000aa")
CLOSING = datetime(2026, 1, 5, tzinfo=UTC)
ACCEPTED = datetime(2026, 1, 8, tzinfo=UTC)
COMPLETED = datetime(2026, 1, 22, tzinfo=UTC)  # 14 days of early life support
LATER = datetime(2027, 3, 1, tzinfo=UTC)  # past every window and the 365-day horizon
TRIPLE = TripleConstraint(True, False, True, 4, 3, 1, date(2026, 1, 1), date(2026, 1, 9), 8, Decimal(100_000),
                          Decimal(90_000), datetime(2026, 1, 9, tzinfo=UTC))


def project(**overrides) -> ProjectRecord:
    values = {"project_id": uuid4(), "origin": "manual", "opportunity_id": None, "target_service_ids": (SERVICE,),
              "sponsor": "alice", "project_manager": "bob", "closing_at": CLOSING, "accepted_by": "alice",
              "success": TRIPLE, "project_cost": Decimal(90_000), "cost_entries": 3} | overrides
    return ProjectRecord(**values)


def handover(*, accepted: datetime | None = ACCEPTED, completed: datetime | None = COMPLETED,
             rejections: int = 0) -> HandoverFact:
    return HandoverFact(uuid4(), SERVICE, None, CLOSING, accepted, Decimal(1), 14, rejections,
                        completed if accepted else None)


def figures(window, *, incidents=0, subject=0, met=0, responses=0, positive=0, availability="100", requests=0):
    return WindowFigures(window, incidents, subject, met, responses, positive, Figure(Decimal(availability), 1),
                         requests)


def delivered(h: HandoverFact | None = None, *, changed: bool = False, **overrides) -> DeliveredService:
    h = handover() if h is None else h
    spans = periods(h, changed=changed)
    values = {"sla": SlaFact(SERVICE, Decimal("99.9"), Decimal(80), ACCEPTED - timedelta(days=400)),
              "before": spans.before and figures(spans.before, incidents=12, subject=10, met=6, requests=40),
              "during": spans.during and figures(spans.during, incidents=2, subject=2, met=2, responses=2, positive=2),
              "after": spans.after and figures(spans.after, incidents=1, subject=1, met=1, responses=2, positive=1,
                                              requests=50),
              "operating_cost": Decimal(36_500), "operating_cost_entries": 12} | overrides
    return DeliveredService(SERVICE, h, changed, **values)


def dimension(card, name):
    return next(d for d in card.dimensions if d.name == name)


def test_scope_is_fit_for_purpose_once_every_handover_is_accepted_with_the_change_requests_that_moved_it():
    requests = (ChangeRequestFact(uuid4(), CLOSING - timedelta(days=30), "drop the legacy export", 5,
                                  Decimal(10_000), "approved"),
                ChangeRequestFact(uuid4(), CLOSING - timedelta(days=20), "add a mobile app", 30, Decimal(50_000),
                                  "rejected"))
    card = scorecard(project(change_requests=requests), [delivered(handover(rejections=1))], None, as_of=LATER)
    scope = dimension(card, "scope")
    assert scope.state == KNOWN and scope.figure == Decimal(75)  # 3 of 4 milestones
    assert scope.traditional["scope_delivered"] is True and scope.traditional["milestones_descoped"] == 1
    assert scope.extended["fit_for_purpose"] is True and scope.extended["handover_rejections"] == 1
    assert scope.extended["approved_scope_changes"] == ["drop the legacy export"]
    assert (scope.extended["change_requests_approved"], scope.extended["change_requests_rejected"]) == (1, 1)
    pending = dimension(scorecard(project(change_requests=requests), [delivered(handover(accepted=None))], None,
                                  as_of=LATER), "scope")
    assert pending.state == NOT_YET_KNOWN and "accepted" in pending.reason
    assert dimension(scorecard(project(success=None), [delivered()], None, as_of=LATER), "scope").state == NOT_YET_KNOWN


def test_time_is_speed_to_value_from_closing_through_acceptance_to_early_life_completed():
    card = scorecard(project(), [delivered()], None, as_of=LATER)
    time = dimension(card, "time")
    assert time.state == KNOWN and time.traditional["on_time"] is False and time.traditional["schedule_slip_days"] == 8
    assert time.extended["closing_to_acceptance_days"] == Decimal("3.00")
    assert time.extended["acceptance_to_early_life_completed_days"] == Decimal("14.00")
    assert time.figure == Decimal("17.00") and (time.window.start, time.window.end) == (CLOSING, COMPLETED)
    running = dimension(scorecard(project(), [delivered(handover(completed=None))], None, as_of=LATER), "time")
    assert running.state == NOT_YET_KNOWN and "early life support" in running.reason
    assert running.extended["closing_to_acceptance_days"] == Decimal("3.00") and running.figure is None


def test_cost_is_the_total_cost_of_ownership_over_the_horizon_known_once_it_has_passed():
    card = scorecard(project(), [delivered()], None, as_of=LATER)
    cost = dimension(card, "cost")
    assert cost.state == KNOWN and cost.figure == Decimal(126_500)  # 90,000 project + 36,500 operating
    assert cost.traditional == {"within_budget": True, "budget_at_completion": "100000", "actual_cost": "90000"}
    assert (cost.window.start, cost.window.end) == (ACCEPTED, ACCEPTED + timedelta(days=365))
    soon = dimension(scorecard(project(), [delivered(operating_cost=Decimal(3_000))], None,
                               as_of=ACCEPTED + timedelta(days=30)), "cost")
    assert soon.state == NOT_YET_KNOWN and soon.figure == Decimal(93_000) and "horizon ends" in soon.reason


def test_quality_is_reliability_during_and_after_early_life_compared_with_before_for_a_changed_service():
    card = scorecard(project(), [delivered(changed=True)], None, as_of=LATER)
    quality = dimension(card, "quality")
    assert quality.state == KNOWN and quality.traditional == {"early_life_incidents": 2}
    assert quality.figure == Decimal("100.00")  # 3 of 3 incidents subject to the SLA met it, in and after early life
    service = quality.extended["services"][0]
    assert service["changed_service"] is True and service["before"]["sla_compliance_pct"] == Decimal("60.00")
    assert service["before"]["incident_rate_per_week"] == Decimal("2.80")  # 12 in 30 days
    assert service["during_early_life"]["incident_rate_per_week"] == Decimal("1.00")  # 2 in 14 days
    assert service["after_early_life"]["incident_rate_per_week"] == Decimal("0.23")
    assert (quality.window.start, quality.window.end) == (ACCEPTED, COMPLETED + timedelta(days=30))
    new_service = dimension(scorecard(project(), [delivered()], None, as_of=LATER), "quality")
    assert new_service.extended["services"][0]["before"] is None
    waiting = dimension(scorecard(project(), [delivered()], None, as_of=COMPLETED + timedelta(days=10)), "quality")
    assert waiting.state == NOT_YET_KNOWN and "30 days after early life" in waiting.reason


def test_stakeholders_are_adoption_and_satisfaction_csat_and_service_request_growth():
    card = scorecard(project(), [delivered(changed=True)], None, as_of=LATER)
    people = dimension(card, "stakeholders")
    assert people.state == KNOWN and people.figure == Decimal("75.00")  # 3 of 4 ratings 4-5
    assert people.traditional == {"accepted_by_sponsor": True, "accepted_by": "alice"}
    assert people.extended["service_request_growth_pct"] == Decimal("25.00")  # 40 → 50
    unrecorded = dimension(scorecard(project(), [delivered()], None, as_of=LATER), "stakeholders")
    assert unrecorded.extended["service_request_growth_pct"] is None  # a new service: nothing before to grow from
    running = dimension(scorecard(project(), [delivered(handover(completed=None))], None, as_of=LATER), "stakeholders")
    assert running.state == NOT_YET_KNOWN


def test_value_is_the_loops_verdict_for_an_opportunity_project():
    opportunity = project(origin="improvement_opportunity", opportunity_id=uuid4())
    verdict = OpportunityVerdict("benefits_realized", "incidents_in_category_per_day", Decimal("0.2"), Decimal("0.3"),
                                 {"gap_closed_pct": 90.0})
    value = dimension(scorecard(opportunity, [delivered()], verdict, as_of=LATER), "value")
    assert value.state == KNOWN and value.extended["outcome"] == "realized" and value.figure == Decimal("0.2")
    measuring = dimension(scorecard(opportunity, [delivered()], OpportunityVerdict("measuring"), as_of=LATER), "value")
    assert measuring.state == NOT_YET_KNOWN
    dismissed = dimension(scorecard(opportunity, [delivered()], OpportunityVerdict("dismissed"), as_of=LATER), "value")
    assert dismissed.state == NOT_APPLICABLE


def _incident(day: int, *, met: bool) -> IncidentFact:
    opened = ACCEPTED + timedelta(days=day, hours=3)
    return IncidentFact(uuid4(), SERVICE, "P3", "app", False, opened, opened + timedelta(minutes=5),
                        opened + timedelta(hours=1), resolution_sla_met=met)


def test_value_of_a_manual_project_is_its_declared_kpi_judged_the_loops_way_at_the_same_looks():
    declared = project(benefit_kpi="sla_compliance_pct", benefit_target=Decimal(90))
    met = tuple(_incident(day, met=True) for day in range(1, 21))  # 20 of 20 within the SLA by day 28
    card = scorecard(declared, [delivered(incidents_after_acceptance=met)], None, as_of=LATER)
    value = dimension(card, "value")
    assert value.state == KNOWN and value.extended["outcome"] == "realized" and value.figure == Decimal("100.00")
    assert value.window.end == datetime(2026, 2, 6, tzinfo=UTC)  # the first look: 28 days after acceptance's day end
    missed = tuple(_incident(day, met=day % 2 == 0) for day in range(1, 21))
    failed = dimension(scorecard(declared, [delivered(incidents_after_acceptance=missed)], None, as_of=LATER), "value")
    assert failed.extended["outcome"] == "not_realized" and failed.figure == Decimal("50.00")
    early = dimension(scorecard(declared, [delivered(incidents_after_acceptance=met)], None,
                                as_of=ACCEPTED + timedelta(days=10)), "value")
    assert early.state == NOT_YET_KNOWN and "28 days" in early.reason
    undeclared = dimension(scorecard(project(), [delivered()], None, as_of=LATER), "value")
    assert undeclared.state == NOT_APPLICABLE and "declared no benefit" in undeclared.reason


def test_the_outcome_is_recorded_once_every_dimension_is_settled_and_fits_its_contract():
    card = scorecard(project(), [delivered(changed=True)], None, as_of=LATER)
    assert card.complete
    event = ProjectOutcome.evaluate(card, at=LATER).pending[0].event
    payload = EventCodec(EVENT_TYPES).encode(event)
    published = catalog.parse(contracts.ProjectOutcomeEvaluatedV1, payload)
    assert catalog.dump(published) == payload
    assert [d.dimension for d in published.dimensions] == ["scope", "time", "cost", "quality", "stakeholders",
                                                           "value"]
    assert published.dimensions[2].figure == Decimal(126_500)
    early = scorecard(project(), [delivered()], None, as_of=COMPLETED + timedelta(days=1))
    with pytest.raises(DomainError) as refused:
        ProjectOutcome.evaluate(early, at=COMPLETED)
    assert refused.value.rule == "outcome-evaluated-when-every-dimension-is-known"


def test_a_project_that_delivers_no_service_settles_without_service_dimensions():
    card = scorecard(project(target_service_ids=()), [], None, as_of=CLOSING)
    assert card.complete
    assert {d.name: d.state for d in card.dimensions} == {
        "scope": KNOWN, "time": KNOWN, "cost": KNOWN, "quality": NOT_APPLICABLE, "stakeholders": NOT_APPLICABLE,
        "value": NOT_APPLICABLE}
    assert not scorecard(replace(project(target_service_ids=()), success=None), [], None, as_of=CLOSING).complete
