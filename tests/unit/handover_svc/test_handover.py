"""The rules of the Handover aggregate: criteria, readiness, the decision."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from continuum.domain import DomainError, NotAllowed

from handover_svc.domain.criteria import DEFAULT_CRITERIA, SLA_DEFINED, CriterionStatus
from handover_svc.domain.events import CriterionMet, HandoverAccepted, HandoverOpened, HandoverRejected
from handover_svc.domain.handover import Handover, HandoverState
from handover_svc.domain.rules import require_services_owner
from tests.unit.handover_svc.fixtures import T0, accepted, opened, ready


def replayed(handover: Handover) -> Handover:
    """The same handover folded from its events, as the store would load it."""
    copy = Handover(handover.id)
    for version, pending in enumerate(handover.pending, start=1):
        copy.replay(pending.event, version=version)
    return copy


def test_a_new_handover_has_the_nine_mandatory_default_criteria_pending():
    handover = opened()
    assert [key for key in handover.criteria] == [key for key, _ in DEFAULT_CRITERIA]
    assert all(c.mandatory and c.status is CriterionStatus.pending for c in handover.criteria.values())
    assert handover.readiness().score == Decimal("0")
    assert isinstance(handover.pending[0].event, HandoverOpened)


def test_accepting_with_a_mandatory_criterion_pending_names_the_rule_and_the_criterion():
    handover = ready()
    handover.reset(key="support-team-trained", reason="trainer ill", by="pm", at=T0)
    with pytest.raises(DomainError) as error:
        handover.accept(by="owner", service_stage="transition", at=T0)
    assert error.value.rule == "no-mandatory-criterion-pending"
    assert "support-team-trained" in error.value.detail
    assert handover.state is HandoverState.open


def test_an_optional_criterion_pending_does_not_block_acceptance_but_lowers_the_score():
    handover = ready()
    handover.add_criterion(key="security-review", title="Security review", mandatory=False, at=T0)
    handover.accept(by="owner", service_stage="transition", at=T0)
    event = handover.pending[-1].event
    assert isinstance(event, HandoverAccepted)
    assert event.readiness_score == Decimal("0.9000") and event.early_life_support_days == 28


def test_an_extra_mandatory_criterion_blocks_acceptance():
    handover = ready()
    handover.add_criterion(key="pen-test", title="Penetration test", mandatory=True, at=T0)
    with pytest.raises(DomainError, match="pen-test"):
        handover.accept(by="owner", service_stage="transition", at=T0)


def test_waiving_without_a_justification_is_refused():
    handover = opened()
    for blank in ("", "   "):
        with pytest.raises(DomainError) as error:
            handover.waive(key="monitoring-in-place", justification=blank, by="owner", at=T0)
        assert error.value.rule == "waiver-needs-justification"
    assert handover.criteria["monitoring-in-place"].status is CriterionStatus.pending


def test_a_waived_criterion_counts_as_settled_and_keeps_its_justification_and_who():
    handover = opened()
    handover.waive(key="monitoring-in-place", justification="shared platform monitoring", by="owner", at=T0)
    criterion = handover.criteria["monitoring-in-place"]
    assert criterion.status is CriterionStatus.waived and criterion.justification == "shared platform monitoring"
    assert criterion.confirmed_by == "owner" and criterion.confirmed_at == T0
    assert handover.readiness().settled == 1


def test_meeting_needs_evidence_and_a_pending_criterion():
    handover = opened()
    with pytest.raises(DomainError, match="evidence"):
        handover.meet(key="documentation-complete", evidence=" ", by="pm", at=T0)
    handover.meet(key="documentation-complete", evidence="https://docs", by="pm", at=T0)
    with pytest.raises(DomainError) as error:
        handover.meet(key="documentation-complete", evidence="again", by="pm", at=T0)
    assert error.value.rule == "criterion-pending"
    with pytest.raises(DomainError) as unknown:
        handover.meet(key="no-such-thing", evidence="x", by="pm", at=T0)
    assert unknown.value.rule == "criterion-known"


def test_the_early_life_support_criterion_needs_its_days_and_only_it_takes_them():
    handover = opened()
    with pytest.raises(DomainError) as error:
        handover.meet(key="early-life-support-period-agreed", evidence="agreed", by="pm", at=T0)
    assert error.value.rule == "early-life-support-days-agreed"
    with pytest.raises(DomainError) as misplaced:
        handover.meet(key="documentation-complete", evidence="x", by="pm", at=T0, early_life_support_days=3)
    assert misplaced.value.rule == "early-life-terms-on-their-criterion"
    handover.meet(key="early-life-support-period-agreed", evidence="agreed", by="pm", at=T0,
                  early_life_support_days=45, max_incidents_per_week=Decimal("1.5"))
    assert handover.early_life_support_days == 45 and handover.max_incidents_per_week == Decimal("1.5")


def test_criterion_keys_are_unique_and_well_formed():
    handover = opened()
    with pytest.raises(DomainError) as duplicate:
        handover.add_criterion(key="sla-defined", title="again", mandatory=False, at=T0)
    assert duplicate.value.rule == "criterion-key-unique"
    with pytest.raises(DomainError) as malformed:
        handover.add_criterion(key="Bad Key", title="x", mandatory=False, at=T0)
    assert malformed.value.rule == "criterion-key-format"


def test_automatic_ticks_happen_once_and_sla_withdrawal_unticks_before_acceptance_only():
    handover = opened()
    assert handover.meet_automatically(key=SLA_DEFINED, evidence="SLA v1", at=T0)
    assert not handover.meet_automatically(key=SLA_DEFINED, evidence="SLA v2", at=T0)  # a revision ticks nothing
    assert sum(isinstance(p.event, CriterionMet) for p in handover.pending) == 1
    assert handover.reset_automatically(key=SLA_DEFINED, reason="withdrawn", at=T0)
    assert handover.criteria[SLA_DEFINED].status is CriterionStatus.pending
    assert not handover.reset_automatically(key=SLA_DEFINED, reason="withdrawn again", at=T0)
    done = accepted()
    assert not done.reset_automatically(key=SLA_DEFINED, reason="withdrawn after acceptance", at=T0)
    assert done.criteria[SLA_DEFINED].status is CriterionStatus.met


def test_a_waived_sla_stays_waived_when_the_sla_is_withdrawn():
    handover = opened()
    handover.waive(key=SLA_DEFINED, justification="internal tool, best effort", by="owner", at=T0)
    assert not handover.reset_automatically(key=SLA_DEFINED, reason="withdrawn", at=T0)


def test_reject_needs_reasons_then_resubmit_reopens_and_acceptance_follows():
    handover = ready()
    with pytest.raises(DomainError) as error:
        handover.reject(reasons=["  "], by="owner", at=T0)
    assert error.value.rule == "rejection-needs-reasons"
    handover.reject(reasons=["runbook missing the failover"], by="owner", at=T0)
    assert handover.state is HandoverState.rejected
    with pytest.raises(DomainError) as not_open:
        handover.accept(by="owner", service_stage="transition", at=T0)
    assert not_open.value.rule == "handover-awaiting-decision"
    handover.reset(key="runbooks-and-escalation-contacts", reason="failover missing", by="pm", at=T0)
    handover.meet(key="runbooks-and-escalation-contacts", evidence="runbook v2", by="pm", at=T0)
    handover.resubmit(by="pm", note="failover added", at=T0)
    handover.accept(by="owner", service_stage="transition", at=T0)
    assert handover.state is HandoverState.accepted
    with pytest.raises(DomainError) as twice:
        handover.resubmit(by="pm", note="", at=T0)
    assert twice.value.rule == "handover-rejected-before-resubmission"


def test_criteria_are_frozen_once_accepted():
    handover = accepted()
    with pytest.raises(DomainError) as error:
        handover.add_criterion(key="late-one", title="Late", mandatory=False, at=T0)
    assert error.value.rule == "criteria-editable-before-acceptance"


def test_the_fold_of_the_events_gives_the_same_state():
    handover = ready()
    handover.reject(reasons=["more docs"], by="owner", at=T0 + timedelta(hours=1))
    copy = replayed(handover)
    assert copy.state is HandoverState.rejected and copy.summary() == handover.summary()
    assert isinstance(copy.last_rejection, HandoverRejected)
    assert {k: c.status for k, c in copy.criteria.items()} == {k: c.status for k, c in handover.criteria.items()}


@pytest.mark.parametrize("stage", ["strategy", "design", "retired", None])
def test_a_handover_is_accepted_only_for_a_service_in_transition_or_operation(stage):
    handover = ready()
    with pytest.raises(DomainError) as error:
        handover.accept(by="owner", service_stage=stage, at=T0)
    assert error.value.rule == "service-in-transition-or-operation"
    assert handover.state is HandoverState.open
    for allowed in ("transition", "operation"):
        ready().accept(by="owner", service_stage=allowed, at=T0)


def test_only_the_services_owner_decides_and_admin_or_integration_for_anyone():
    require_services_owner("sam", "sam", service_id="s")
    require_services_owner("sam", None, service_id="s")
    for owner, acting in (("sam", "mallory"), (None, "sam")):
        with pytest.raises(NotAllowed) as error:
            require_services_owner(owner, acting, service_id="s")
        assert error.value.rule == "decided-by-the-services-owner"
