"""project-svc holds business time to the platform rule: dates in the calendar, commands in order, none ahead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.project_svc.test_project_story import charter, executing_project, ok

NOW = datetime.now(UTC)


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat()


async def proposed(client, importer, *, days_ago: float) -> str:
    created = await client.post("/projects", headers=importer, json={
        "title": "Imported", "problem_statement": "p", "business_case": "b", "occurred_at": ago(days_ago)})
    await ok(created, 201)
    return created.headers["Location"]


async def history(client, url, headers) -> list[str]:
    return [item["event_type"] for item in (await client.get(f"{url}/history", headers=headers)).json()["items"]]


def refused(response, rule: str) -> None:
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["rule"] == rule and problem["field"] == "occurred_at", problem


@pytest.mark.parametrize("incurred_on", ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01"])
async def test_a_cost_outside_the_calendar_is_invalid_and_stores_nothing(client, as_role, incurred_on):
    url, _ = await executing_project(client, as_role)
    pm = as_role("project_manager", subject="bob")
    before = await history(client, url, pm)
    response = await client.post(f"{url}/record-cost", headers=pm,
                                 json={"amount": "10.00", "incurred_on": incurred_on, "category": "labour"})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "body.incurred_on"
    assert await history(client, url, pm) == before
    assert (await client.get(url, headers=pm)).json()["costs"] == []


async def test_a_charter_approved_before_the_proposal_is_refused(client, as_role):
    importer = as_role("integration")
    url = await proposed(client, importer, days_ago=10)
    early = await client.post(f"{url}/approve-charter", headers=importer, json={**charter(), "occurred_at": ago(11)})
    refused(early, "time-in-order")
    assert await history(client, url, importer) == ["ProjectProposed"]
    assert (await client.get(url, headers=importer)).json()["state"] == "proposed"
    await ok(await client.post(f"{url}/approve-charter", headers=importer, json={**charter(), "occurred_at": ago(9)}))


async def test_a_cancel_before_the_proposal_is_refused_and_as_of_still_shows_the_proposal(client, as_role):
    importer = as_role("integration")
    url = await proposed(client, importer, days_ago=10)
    early = await client.post(f"{url}/cancel", headers=importer, json={"reason": "no budget", "occurred_at": ago(12)})
    refused(early, "time-in-order")
    assert await history(client, url, importer) == ["ProjectProposed"]
    before = await client.get(url, params={"as_of": ago(11)}, headers=importer)
    assert before.status_code == 404  # it did not exist yet, rather than an empty cancelled project
    assert (await client.get(url, params={"as_of": ago(5)}, headers=importer)).json()["state"] == "proposed"


async def test_occurred_at_ahead_of_now_is_refused_and_stores_nothing(client, as_role):
    importer = as_role("integration")
    url = await proposed(client, importer, days_ago=1)
    ahead = (NOW + timedelta(days=2)).isoformat()
    refused(await client.post(f"{url}/approve-charter", headers=importer, json={**charter(), "occurred_at": ahead}),
            "business-time-not-in-future")
    new = await client.post("/projects", headers=importer, json={
        "title": "From the future", "problem_statement": "p", "business_case": "b", "occurred_at": ahead})
    refused(new, "business-time-not-in-future")
    assert await history(client, url, importer) == ["ProjectProposed"]
    nearly_now = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()  # within the clock skew allowed
    await ok(await client.post(f"{url}/approve-charter", headers=importer,
                               json={**charter(), "occurred_at": nearly_now}))


@pytest.mark.parametrize("occurred_at", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z",
                                         "9999-01-01T00:00:00Z", "2026-01-01T00:00:00"])
async def test_occurred_at_outside_the_calendar_or_naive_is_invalid(client, as_role, occurred_at):
    response = await client.post("/projects", headers=as_role("integration"), json={
        "title": "x", "problem_statement": "p", "business_case": "b", "occurred_at": occurred_at})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body.occurred_at"
