"""An unknown query parameter is refused naming it, on lists and reads alike; declared ones still work."""

from __future__ import annotations

from uuid import uuid4


async def test_an_unknown_query_parameter_is_a_422_naming_it(client, as_role):
    viewer = as_role("viewer")
    refused = await client.get("/projects", params={"title": "gateway", "since": "2026-01-01"}, headers=viewer)
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in refused.json()["errors"]] == ["query.since", "query.title"]
    assert (await client.get("/projects", params={"state": "proposed", "limit": 5}, headers=viewer)).status_code == 200
    searched = await client.get("/projects", params={"q": "gateway", "sort": "-opened_at"}, headers=viewer)
    assert searched.status_code == 200 and searched.json() == {"items": [], "next_cursor": None}
    one = await client.get(f"/projects/{uuid4()}", params={"as_of": "2026-01-01T00:00:00Z", "x": "1"}, headers=viewer)
    assert one.status_code == 422 and one.json()["errors"][0]["field"] == "query.x"
    assert (await client.get("/events", params={"after": "nope"}, headers=viewer)).status_code == 422
    unauthenticated = await client.get("/projects", params={"q": "x"})
    assert unauthenticated.status_code == 401  # who you are comes first
