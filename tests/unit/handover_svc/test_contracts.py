"""Every event handover-svc records is a published contract, and passes the validation its consumers apply."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from continuum.contracts import handover as contracts

from handover_svc.domain.events import EVENT_TYPES
from tests.support.contracts import assert_read_back_as_consumers_read_them
from tests.unit.handover_svc.fixtures import T0, accepted, opened


def every_kind_of_event():
    rejected = opened()
    rejected.waive(key="known-errors-documented", justification="none known", by="owner", at=T0)
    rejected.meet_automatically(key="sla-defined", evidence="SLA", at=T0)
    rejected.reset_automatically(key="sla-defined", reason="withdrawn", at=T0)
    rejected.reject(reasons=["not ready"], by="owner", at=T0)
    rejected.resubmit(by="pm", note="ready now", at=T0)
    done = accepted(days=7, max_per_week="1.5")
    start = done.early_life.started_at
    incident = uuid4()
    done.record_incident_opened(incident_id=incident, priority="P1", opened_at=start)
    done.record_incident_resolved(incident_id=incident, resolved_at=start + timedelta(hours=1))
    done.extend_early_life_support(days=1, reason="watch the fix", by="owner", at=start)
    done.complete(at=start + timedelta(days=8))
    breached = accepted()
    breached.record_incident_opened(incident_id=incident, priority="P2", opened_at=breached.early_life.started_at)
    breached.record_sla_breach(incident_id=incident, kind="resolution", breached_at=breached.early_life.started_at)
    return [p.event for handover in (rejected, done, breached) for p in handover.pending]


def test_every_recorded_event_passes_the_validation_its_consumers_apply():
    assert_read_back_as_consumers_read_them(EVENT_TYPES, every_kind_of_event())


def test_the_domain_records_exactly_the_published_contracts():
    assert set(contracts.PUBLISHED) == set(EVENT_TYPES)
