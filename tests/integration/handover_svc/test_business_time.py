"""handover-svc holds business time to the platform rule: a criterion cannot be met before its handover opened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


@pytest.fixture
async def service_id(known) -> str:
    """A service handover-svc knows (from service-svc's events)."""
    service_id = uuid4()
    await known(service_id=service_id)
    return str(service_id)


def z(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


async def test_a_criterion_met_before_the_handover_opened_is_refused_and_as_of_still_answers(client, role,
                                                                                             service_id):
    integration, viewer = role("integration"), role("viewer")
    created = await client.post("/handovers", json={"service_id": service_id, "occurred_at": z(T0)},
                                headers=integration)
    assert created.status_code == 201, created.text
    url = f"/handovers/{created.json()['id']}"
    opened = [entry["event_type"] for entry in (await client.get(f"{url}/history", headers=viewer)).json()["items"]]
    early = await client.post(f"{url}/criteria/documentation-complete/meet", headers=integration,
                              json={"evidence": "docs", "occurred_at": z(T0 - timedelta(days=1))})
    assert early.status_code == 409, early.text
    assert early.json()["rule"] == "time-in-order" and early.json()["field"] == "occurred_at"
    after = [entry["event_type"] for entry in (await client.get(f"{url}/history", headers=viewer)).json()["items"]]
    assert after == opened
    for as_of, status in ((T0 - timedelta(hours=12), 404), (T0 + timedelta(hours=1), 200)):
        answer = await client.get(url, params={"as_of": z(as_of)}, headers=viewer)
        assert answer.status_code == status, answer.text
    assert (await client.get(url, headers=viewer)).json()["readiness"]["settled"] == 0


async def test_a_handover_opened_ahead_of_now_or_outside_the_calendar_is_refused(client, role, service_id):
    integration = role("integration")
    ahead = await client.post("/handovers", headers=integration, json={
        "service_id": service_id, "occurred_at": z(datetime.now(UTC) + timedelta(hours=1))})
    assert ahead.status_code == 409 and ahead.json()["rule"] == "business-time-not-in-future"
    for value in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "9999-01-01T00:00:00Z"):
        invalid = await client.post("/handovers", headers=integration,
                                    json={"service_id": service_id, "occurred_at": value})
        assert invalid.status_code == 422 and invalid.json()["errors"][0]["field"] == "body.occurred_at"
    listed = await client.get("/handovers", headers=role("viewer"))
    assert listed.json()["items"] == []
