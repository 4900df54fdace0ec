"""Every domain event of project-svc encodes to a payload its published contract accepts, field for field."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from continuum.contracts import project as contracts
from continuum.eventstore.codec import EventCodec

from project_svc.domain import events as ev
from project_svc.domain.events import EVENT_TYPES

CODEC = EventCodec(EVENT_TYPES)
CONTRACTS = {contract.event_name: contract for contract in contracts.PUBLISHED}
SAMPLES = {date: date(2026, 4, 1), datetime: datetime(2026, 4, 1, tzinfo=UTC), Decimal: Decimal("12.50"), int: 3,
           str: "x", bool: True}


def sample(event_type):
    values = {}
    for field in dataclasses.fields(event_type):
        kind = field.type
        if "UUID" in kind:
            values[field.name] = uuid4() if not kind.startswith("list") else [uuid4()]
        elif kind == "list[PlannedMilestone]":
            values[field.name] = [ev.PlannedMilestone(uuid4(), "m", date(2026, 4, 1), Decimal("10"))]
        elif kind == "list[TeamMember]":
            values[field.name] = [ev.TeamMember("carol", "engineer")]
        elif kind == "list[str]":
            values[field.name] = ["bob"]
        else:
            base = {"date": date, "datetime": datetime, "Decimal": Decimal, "int": int, "str": str, "bool": bool}
            values[field.name] = SAMPLES[base[kind.split(" |")[0]]]
    return event_type(**values)


FIXED = {"origin": "manual", "status": "open", "percent_complete": Decimal(50), "benefit_kpi": "csat_pct"}


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.__name__)
def test_each_domain_event_validates_against_its_contract(event_type):
    event = sample(event_type)
    event = dataclasses.replace(event, **{k: v for k, v in FIXED.items() if hasattr(event, k)})
    if isinstance(event, ev.ProjectProposed):
        event = dataclasses.replace(event, opportunity_id=None)
    contract = CONTRACTS[event_type.__name__]
    payload = CODEC.encode(event)
    validated = contract.model_validate(payload)
    assert set(payload) == set(contract.model_fields)
    assert str(validated.project_id) == payload["project_id"]


def test_every_published_contract_has_its_domain_event():
    assert set(CONTRACTS) == {event_type.__name__ for event_type in EVENT_TYPES}
