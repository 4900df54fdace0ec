"""Handover and loop KPIs on hand-made facts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

from continuum.domain import incidents_per_week
from metrics_svc.domain.facts import CriterionFact, HandoverFact
from metrics_svc.domain.handover_kpis import handover_kpis, loop_kpis
from tests.unit.metrics_svc.factories import AS_OF, SERVICE, incident


def handover(**changes) -> HandoverFact:
    return HandoverFact(**{"handover_id": uuid4(), "service_id": SERVICE, "project_id": None,
                           "opened_at": AS_OF - timedelta(days=40), **changes})


def test_an_open_handover_has_days_in_transition_and_no_early_life_yet():
    kpis = handover_kpis(handover(rejections=1), [incident(1)], AS_OF)
    assert kpis.days_in_transition == 40 and kpis.readiness_score is None and kpis.rejections == 1
    assert kpis.early_life_incidents.value is None and kpis.early_life_incident_rate_per_week.value is None


def test_readiness_in_transition_is_the_share_settled_as_of_then_and_at_acceptance_once_accepted():
    def criterion(key: str, added_days_ago: int, settled_days_ago: int | None = None) -> CriterionFact:
        settled = None if settled_days_ago is None else AS_OF - timedelta(days=settled_days_ago)
        return CriterionFact(key, True, AS_OF - timedelta(days=added_days_ago), settled)

    criteria = (criterion("a", 40, 30), criterion("b", 40, 5), criterion("c", 40), criterion("d", 10, 2),
                criterion("e", 40), criterion("f", 40))
    in_transition = handover(criteria=criteria)
    assert handover_kpis(in_transition, [], AS_OF).readiness_score == Decimal("0.5")  # a, b, d of six
    assert handover_kpis(in_transition, [], AS_OF - timedelta(days=20)).readiness_score == Decimal("0.2")  # a of 5
    assert handover_kpis(in_transition, [], AS_OF - timedelta(days=41)).readiness_score is None  # none known yet
    assert handover_kpis(handover(criteria=criteria[:3]), [], AS_OF).readiness_score == Decimal("0.6667")
    accepted = handover(accepted_at=AS_OF - timedelta(days=1), readiness_score=Decimal("0.9"), criteria=criteria)
    kpis = handover_kpis(accepted, [], AS_OF)
    assert kpis.accepted and kpis.readiness_score == Decimal("0.9")  # what the owner accepted, not a recount
    assert not handover_kpis(in_transition, [], AS_OF).accepted


def test_early_life_incident_rate_counts_incidents_in_the_support_period():
    accepted = handover(accepted_at=AS_OF - timedelta(days=28), readiness_score=Decimal("0.9"),
                        early_life_support_days=14)
    incidents = [incident(27), incident(20), incident(15), incident(13), incident(30)]
    kpis = handover_kpis(accepted, incidents, AS_OF)
    assert kpis.days_in_transition == 12 and kpis.readiness_score == Decimal("0.9")
    assert kpis.early_life_incidents.value == 3 and kpis.early_life_incident_rate_per_week.value == Decimal("1.5")


def test_loop_figures_and_an_undefined_realised_share():
    assert loop_kpis([]).benefits_realized_pct is None
    loop = loop_kpis(["open", "dismissed", "converted", "benefits_realized", "benefits_not_realized",
                      "benefits_realized"])
    assert (loop.opportunities_detected, loop.converted_to_projects, loop.benefits_measured) == (6, 4, 3)
    assert loop.benefits_realized_pct == Decimal(200) / 3


def test_the_early_life_rate_is_over_the_whole_period_as_handover_svc_judges_it():
    """One hour into a 14-day period with one incident: 0.50 a week (1 × 7 / 14), as handover-svc reports, not
    the 168 a week of one incident per elapsed hour."""
    accepted = handover(accepted_at=AS_OF - timedelta(hours=1), readiness_score=Decimal("1"),
                        early_life_support_days=14)
    kpis = handover_kpis(accepted, [incident(timedelta(minutes=30))], AS_OF)
    assert kpis.early_life_incident_rate_per_week.value == Decimal("0.50") == incidents_per_week(1, 14)
