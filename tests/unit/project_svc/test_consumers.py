"""Inbound translation: an opportunity becomes a proposal carrying its evidence, with a stable id; its end a cancel."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

from continuum.contracts.metrics import (
    ImprovementOpportunityDetectedV1, ImprovementOpportunityDismissedV1, ImprovementOpportunityLapsedV1,
)

from project_svc.consumers import dismissal_command, lapse_command, opportunity_command
from project_svc.domain import commands as c
from project_svc.handlers import project_id_for_opportunity


def detected(**overrides) -> ImprovementOpportunityDetectedV1:
    fields = {"opportunity_id": uuid4(), "service_id": uuid4(), "rule": "sla_breach_rate", "title": "SLA breaches",
              "kpi": "sla_breach_rate", "baseline": Decimal("0.05"), "observed": Decimal("0.21"), "window_days": 30,
              "evidence": {"incident_ids": ["i-1", "i-2"]}, "detected_at": datetime(2026, 5, 1, tzinfo=UTC)}
    return ImprovementOpportunityDetectedV1(**{**fields, **overrides})


def test_the_proposal_carries_the_evidence_and_targets_the_service():
    opportunity = detected()
    command = opportunity_command(opportunity)
    assert command.opportunity_id == opportunity.opportunity_id and command.service_id == opportunity.service_id
    assert "observed 0.21 against a baseline of 0.05 over 30 days" in command.business_case
    assert '"incident_ids": ["i-1", "i-2"]' in command.business_case
    assert command.at == opportunity.detected_at and command.title == "Improve: SLA breaches"


def test_one_opportunity_always_maps_to_the_same_project_and_two_to_two():
    first, second = uuid4(), uuid4()
    assert project_id_for_opportunity(first) == project_id_for_opportunity(first)
    assert project_id_for_opportunity(first) != project_id_for_opportunity(second)
    assert project_id_for_opportunity(first) != first


def test_a_dismissal_or_a_lapse_cancels_with_a_reason_naming_it():
    opportunity_id, at = uuid4(), datetime(2026, 5, 2, tzinfo=UTC)
    dismissed = ImprovementOpportunityDismissedV1(opportunity_id=opportunity_id, service_id=uuid4(),
                                                  reason="one-off migration", dismissed_by="sam")
    command = dismissal_command(dismissed, at)
    assert (command.opportunity_id, command.at) == (opportunity_id, at)
    assert command.reason == "improvement opportunity dismissed by sam: one-off migration"
    lapsed = ImprovementOpportunityLapsedV1(opportunity_id=opportunity_id, service_id=uuid4(),
                                            rule="recurring_incidents", reason="signal cleared", lapsed_at=at)
    assert lapse_command(lapsed) == c.CancelForOpportunity(opportunity_id, "improvement opportunity lapsed: "
                                                                           "signal cleared", at)
