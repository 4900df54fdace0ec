"""service-svc holds business time to the platform rule: an incident's dates in the calendar, none ahead of now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.service_svc.seed import new_service

INCIDENT = {"priority": "P2", "category": "network", "title": "Payslips not delivered", "outage": False}


async def incidents_of(client, headers, service_id: str) -> list[dict]:
    return (await client.get("/incidents", params={"service_id": service_id}, headers=headers)).json()["items"]


@pytest.mark.parametrize("field", ["occurred_at", "detected_at"])
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z", "9999-12-31T23:59:59.999999Z",
                                   "9999-01-01T00:00:00Z", "2026-03-01T09:00:00"])
async def test_an_incident_dated_outside_the_calendar_or_naive_is_invalid_and_stores_nothing(
    client, owner, importer, field, value
):
    service = await new_service(client, owner)
    response = await client.post("/incidents", headers=importer,
                                 json={**INCIDENT, "service_id": service["id"], field: value})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == f"body.{field}"
    assert await incidents_of(client, importer, service["id"]) == []


async def test_a_command_on_an_incident_dated_in_year_one_is_invalid(client, owner, importer):
    service = await new_service(client, owner)
    opened = await client.post("/incidents", headers=importer, json={**INCIDENT, "service_id": service["id"]})
    url = f"/incidents/{opened.json()['id']}"
    response = await client.post(f"{url}/acknowledge", json={"occurred_at": "0001-01-01T00:00:00Z"}, headers=importer)
    assert response.status_code == 422
    assert (await client.get(url, headers=importer)).json()["status"] == "open"


async def test_an_incident_opened_ahead_of_now_is_refused_and_stores_nothing(client, owner, importer):
    service = await new_service(client, owner)
    ahead = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = await client.post("/incidents", headers=importer,
                                 json={**INCIDENT, "service_id": service["id"], "occurred_at": ahead})
    assert response.status_code == 409, response.text
    assert response.json()["rule"] == "business-time-not-in-future" and response.json()["field"] == "occurred_at"
    assert await incidents_of(client, importer, service["id"]) == []


async def test_a_stage_change_dated_before_the_service_was_registered_is_refused(client, owner, importer):
    service = await new_service(client, owner, sla=False)
    before = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    response = await client.post(f"/services/{service['id']}/change-stage", headers=importer,
                                 json={"to_stage": "design", "reason": "imported", "occurred_at": before})
    assert response.status_code == 409 and response.json()["rule"] == "time-in-order"
    assert (await client.get(f"/services/{service['id']}", headers=owner)).json()["stage"] == "strategy"
