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


def test_an_sla_breach_in_the_period_blocks_the_exit():
    handover = accepted(days=7)
    incident = uuid4()
    handover.record_incident_opened(incident_id=incident, priority="P2", opened_at=START + timedelta(days=1))
    assert handover.record_sla_breach(incident_id=incident, kind="response", breached_at=START + timedelta(days=1))
    assert not handover.record_sla_breach(incident_id=incident, kind="response", breached_at=START + timedelta(days=1))
    with pytest.raises(DomainError, match="sla-met-over-period"):
        handover.complete(at=START + timedelta(days=7))


def test_too_many_incidents_per_week_block_the_exit():
    handover = accepted(days=7, max_per_week="2")
    for hour in range(3):
        handover.record_incident_opened(incident_id=uuid4(), priority="P4", opened_at=START + timedelta(hours=hour))
    with pytest.raises(DomainError, match="incident-rate-within-threshold"):
        handover.complete(at=START + timedelta(days=7))


def test_incidents_outside_the_period_or_repeated_are_not_recorded():
    handover = accepted(days=7)
    incident = uuid4()
    assert not handover.record_incident_opened(incident_id=uuid4(), priority="P1", opened_at=START - timedelta(days=1))
    assert not handover.record_incident_opened(incident_id=uuid4(), priority="P1", opened_at=START + timedelta(days=7))
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
