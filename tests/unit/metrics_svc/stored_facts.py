"""Hypothesis strategies for fact rows as the KPI fact tables can hold them: every value within its column's type,
extreme dates and non-finite numbers included, not only what today's write side lets in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from hypothesis import strategies as st

from continuum.domain import EARLIEST_BUSINESS_TIME, LATEST_BUSINESS_TIME

INT4 = st.integers(-(2**31), 2**31 - 1)
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
NEAR = datetime(2026, 3, 1, tzinfo=UTC)

# timestamptz: anything from year 1 to 9999 (asyncpg writes datetime.min/max as ±infinity), bunched near the
# windows read so that figures have something to compute, and the edges where date arithmetic overflows.
moments = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59, 999999),
                 timezones=st.just(UTC)),
    st.datetimes(min_value=datetime(2025, 9, 1), max_value=datetime(2026, 4, 1), timezones=st.just(UTC)),
    st.sampled_from([datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC),
                     datetime(1, 1, 1, 0, 0, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)]),
)
optional_moments = st.none() | moments
days = st.one_of(st.dates(), st.dates(min_value=date(2025, 9, 1), max_value=date(2026, 6, 1)),
                 st.sampled_from([date.min, date.max]))
# numeric: unbounded precision and NaN (PostgreSQL 15 has no numeric infinity on the binary protocol asyncpg uses)
amounts = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**12, max_value=10**12),
    st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("-1e300"), max_value=Decimal("1e300")),
    st.sampled_from([Decimal("NaN"), Decimal("1e400"), Decimal("-1e-400"), Decimal(0)]),
)


def incident_rows(service_ids: st.SearchStrategy[UUID]) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({
        "incident_id": st.uuids(), "service_id": service_ids, "priority": TEXT, "category": TEXT,
        "outage": st.booleans(), "opened_at": moments, "acknowledged_at": optional_moments,
        "resolved_at": optional_moments, "outage_minutes": amounts, "response_sla_met": st.none() | st.booleans(),
        "resolution_sla_met": st.none() | st.booleans(), "response_breached": st.booleans(),
        "resolution_breached": st.booleans(), "csat": st.none() | INT4, "csat_at": optional_moments,
    })


def sla_rows(service_ids: st.SearchStrategy[UUID]) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({"service_id": service_ids, "availability_target_pct": amounts,
                                  "csat_target_pct": amounts, "defined_at": moments})


def cost_rows(owner: str, owner_ids: st.SearchStrategy[UUID]) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({"event_id": st.uuids().map(str), owner: owner_ids, "amount": amounts,
                                  "incurred_at": moments})


def change_rows(service_ids: st.SearchStrategy[UUID]) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({"change_id": st.uuids(), "service_id": service_ids, "successful": st.booleans(),
                                  "implemented_at": moments})


def improvement_rows(service_ids: st.SearchStrategy[UUID]) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({"improvement_id": st.uuids(), "service_id": service_ids,
                                  "planned_at": optional_moments, "implemented_at": optional_moments})


def project_rows(project_ids: st.SearchStrategy[UUID], service_ids: st.SearchStrategy[UUID]
                 ) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({
        "project_id": project_ids, "origin": TEXT, "opportunity_id": st.none() | st.uuids(),
        "target_service_ids": st.lists(service_ids.map(str), max_size=2),
        "budget_at_completion": st.none() | amounts, "baselined": st.booleans(),
    })


def milestone_rows(project_ids: st.SearchStrategy[UUID]) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({"milestone_id": st.uuids(), "project_id": project_ids, "planned_date": days,
                                  "planned_value": amounts, "actual_date": st.none() | days})


def progress_rows(project_ids: st.SearchStrategy[UUID], milestone_ids: st.SearchStrategy[UUID]
                  ) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({"event_id": st.uuids().map(str), "project_id": project_ids,
                                  "milestone_id": milestone_ids, "percent_complete": amounts,
                                  "recorded_at": moments})


def handover_rows(service_ids: st.SearchStrategy[UUID], project_ids: st.SearchStrategy[UUID]
                  ) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({
        "handover_id": st.uuids(), "service_id": service_ids, "project_id": st.none() | project_ids,
        "opened_at": moments, "accepted_at": optional_moments, "readiness_score": st.none() | amounts,
        "early_life_support_days": st.none() | INT4, "rejections": INT4, "completed_at": optional_moments,
    })


def criterion_rows(handover_id: UUID) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({"key": TEXT.filter(bool), "mandatory": st.booleans(), "added_at": moments,
                                  "settled_at": optional_moments}).map(
        lambda row: {**row, "handover_id": handover_id, "criterion_id": f"{handover_id}/{row['key']}"})


def read_back(value):
    """What asyncpg hands back for a stored value: ±infinity (year 1's first instant, datetime.max) naive."""
    if isinstance(value, datetime) and value in (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)):
        return value.replace(tzinfo=None)
    return value


def as_of_moments() -> st.SearchStrategy[datetime]:
    """as_of as the API bounds it: within the business calendar."""
    return st.one_of(st.datetimes(min_value=EARLIEST_BUSINESS_TIME.replace(tzinfo=None),
                                  max_value=LATEST_BUSINESS_TIME.replace(tzinfo=None), timezones=st.just(UTC)),
                     st.just(NEAR))
