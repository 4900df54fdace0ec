"""Early life support: the period, incidents recorded in it, and the exit criteria."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from continuum.domain import DomainError

from handover_svc.domain.criteria import EARLY_LIFE_SUPPORT_AGREED
from handover_svc.domain.early_life import incident_rate_per_week
from handover_svc.domain.events import HandoverCompleted
from handover_svc.domain.handover import HandoverState
from tests.unit.handover_svc.fixtures import T0, accepted, opened

START = T0 + timedelta(hours=1)  # accepted() accepts an hour after T0


def test_the_period_runs_from_acceptance_for_the_agreed_days_plus_extensions():
    handover = accepted(days=28)
    assert handover.early_life.ends_at == START + timedelta(days=28)
    handover.extend_early_life_support(days=14, reason="P2 analysis open", by="owner", at=START)
    assert handover.early_life.ends_at == START + timedelta(days=42)


def test_an_extension_needs_a_reason_and_a_running_period():
    handover = accepted()
    with pytest.raises(DomainError) as error:
        handover.extend_early_life_support(days=7, reason=" ", by="owner", at=START)
    assert error.value.rule == "extension-needs-reason"
    handover.complete(at=START + timedelta(days=28))
    with pytest.raises(DomainError) as done:
        handover.extend_early_life_support(days=7, reason="late", by="owner", at=START)
    assert done.value.rule == "early-life-support-running"


def test_completion_before_the_period_ends_is_refused_naming_the_criterion():
    handover = accepted(days=28)
    with pytest.raises(DomainError) as error:
        handover.complete(at=START + timedelta(days=27))
    assert error.value.rule == "early-life-exit-criteria-hold"
    assert "early-life-period-ended" in error.value.detail


def test_completion_records_the_early_life_figures():
    handover = accepted(days=28)
    for day in (1, 8):
        handover.record_incident_opened(incident_id=uuid4(), priority="P3", opened_at=START + timedelta(days=day))
    handover.complete(at=START + timedelta(days=28))
    event = handover.pending[-1].event
    assert isinstance(event, HandoverCompleted)
    assert event.early_life_incidents == 2 and event.early_life_incident_rate_per_week == Decimal("0.50")
    assert event.sla_met is True and handover.state is HandoverState.completed


def test_an_open_p1_blocks_the_exit_until_resolved():
    handover = accepted(days=7)
    p1 = uuid4()
    handover.record_incident_opened(incident_id=p1, priority="P1", opened_at=START + timedelta(days=2))
    with pytest.raises(DomainError, match="no-open-p1"):
        handover.complete(at=START + timedelta(days=7))
    handover.record_incident_resolved(incident_id=p1, resolved_at=START + timedelta(days=7, hours=1))
    handover.complete(at=START + timedelta(days=7, hours=2))
    assert handover.state is HandoverState.completed


def test_an_sla_breach_in_the_trailing_days_blocks_the_exit():
    handover = accepted(days=7)
    incident = uuid4()
    handover.record_incident_opened(incident_id=incident, priority="P2", opened_at=START + timedelta(days=1))
    assert handover.record_sla_breach(incident_id=incident, kind="response", breached_at=START + timedelta(days=1))
    assert not handover.record_sla_breach(incident_id=incident, kind="response", breached_at=START + timedelta(days=1))
    with pytest.raises(DomainError, match="sla-met-over-trailing-days"):
        handover.complete(at=START + timedelta(days=7))


def test_an_early_breach_no_longer_holds_the_exit_once_the_last_seven_days_were_met():
    handover = accepted(days=28)
    incident = uuid4()
    handover.record_incident_opened(incident_id=incident, priority="P2", opened_at=START + timedelta(days=2))
    handover.record_sla_breach(incident_id=incident, kind="resolution", breached_at=START + timedelta(days=3))
    assessment = handover.exit_assessment(START + timedelta(days=28))
    assert (assessment.sla_breaches, assessment.recent_sla_breaches, assessment.failing) == (1, 0, [])
    assert assessment.stable_from == START + timedelta(days=21)
    handover.complete(at=START + timedelta(days=28))
    event = handover.pending[-1].event
    assert event.sla_met is True and event.sla_breaches == 1 and not event.ended_early


def test_an_extension_judges_again_with_the_incidents_already_recorded_in_its_days():
    handover = accepted(days=14)
    late = uuid4()
    breached = uuid4()
    handover.record_incident_opened(incident_id=breached, priority="P2", opened_at=START + timedelta(days=12))
    handover.record_sla_breach(incident_id=breached, kind="response", breached_at=START + timedelta(days=12))
    assert handover.record_incident_opened(incident_id=late, priority="P3", opened_at=START + timedelta(days=16))
    assert handover.exit_assessment(START + timedelta(days=17)).incidents == 1  # day 16 is after the period
    with pytest.raises(DomainError, match="sla-met-over-trailing-days"):
        handover.complete(at=START + timedelta(days=17))
    handover.extend_early_life_support(days=7, reason="breach on day 12", by="owner", at=START + timedelta(days=17))
    assert handover.exit_assessment(START + timedelta(days=17)).incidents == 2  # its new days hold day 16
    with pytest.raises(DomainError, match="early-life-period-ended"):
        handover.complete(at=START + timedelta(days=18))
    handover.complete(at=START + timedelta(days=21))  # days 14-21 without a breach
    event = handover.pending[-1].event
    assert event.early_life_incidents == 2 and event.early_life_incident_rate_per_week == Decimal("0.67")


def test_the_services_owner_may_end_it_early_with_a_justification():
    handover = accepted(days=28)
    incident = uuid4()
    handover.record_incident_opened(incident_id=incident, priority="P2", opened_at=START + timedelta(days=1))
    handover.record_sla_breach(incident_id=incident, kind="response", breached_at=START + timedelta(days=1))
    with pytest.raises(DomainError) as error:
        handover.end_early(justification="  ", by="owner", at=START + timedelta(days=3))
    assert error.value.rule == "ending-early-needs-justification"
    handover.end_early(justification="vendor outage, fixed", by="owner", at=START + timedelta(days=3))
    event = handover.pending[-1].event
    assert isinstance(event, HandoverCompleted) and event.ended_early and event.ended_by == "owner"
    assert event.justification == "vendor outage, fixed" and event.sla_met is False
    assert handover.state is HandoverState.completed


def test_too_many_incidents_per_week_block_the_exit():
    handover = accepted(days=7, max_per_week="2")
    for hour in range(3):
        handover.record_incident_opened(incident_id=uuid4(), priority="P4", opened_at=START + timedelta(hours=hour))
    with pytest.raises(DomainError, match="incident-rate-within-threshold"):
        handover.complete(at=START + timedelta(days=7))


def test_incidents_before_acceptance_or_repeated_are_not_recorded_and_later_ones_count_only_in_the_period():
    handover = accepted(days=7)
    incident = uuid4()
    assert not handover.record_incident_opened(incident_id=uuid4(), priority="P1", opened_at=START - timedelta(days=1))
    assert handover.record_incident_opened(incident_id=uuid4(), priority="P4", opened_at=START + timedelta(days=7))
    assert handover.exit_assessment(START + timedelta(days=8)).incidents == 0
    handover = accepted(days=7)
    assert handover.record_incident_opened(incident_id=incident, priority="P2", opened_at=START)
    assert not handover.record_incident_opened(incident_id=incident, priority="P2", opened_at=START)
    assert not handover.record_incident_resolved(incident_id=uuid4(), resolved_at=START)
    assert len(handover.early_life.incidents) == 1


def test_a_waived_period_makes_early_life_support_end_at_acceptance():
    handover = opened()
    for key in list(handover.criteria):
        if key == EARLY_LIFE_SUPPORT_AGREED:
            handover.waive(key=key, justification="no ELS for a config change", by="owner", at=T0)
        else:
            handover.meet(key=key, evidence="ok", by="pm", at=T0)
    handover.accept(by="owner", service_stage="transition", at=T0)
    handover.complete(at=T0)
    assert handover.pending[-1].event.early_life_incident_rate_per_week == Decimal("0.00")


@given(st.integers(0, 1000), st.integers(1, 365))
def test_the_incident_rate_is_incidents_per_seven_days(incidents, days):
    rate = incident_rate_per_week(incidents, days)
    assert abs(rate - Decimal(incidents) * 7 / days) <= Decimal("0.005")
    assert rate >= 0 and (rate == 0) == (incidents == 0)
