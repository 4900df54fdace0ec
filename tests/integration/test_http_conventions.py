"""DESIGN §4 conventions through a small service built on the platform, over HTTP, on the real stack."""

from __future__ import annotations

import asyncio
import json
from uuid import uuid4

import pytest
import sqlalchemy as sa

from continuum.config import ServiceSettings
from continuum.http.pagination import encode_cursor
from continuum.service import build_service_app
from tests.support.apps import serving, settings_for
from tests.support.counter import counter_parts, counter_spec

PROBLEM = "application/problem+json"


@pytest.fixture
async def client(database_url, kafka_settings, auth_settings, topic_prefix):
    config = settings_for(ServiceSettings, database_url=database_url, kafka=kafka_settings, auth=auth_settings)
    app = build_service_app(spec=counter_spec(topic_prefix), config=config, parts=counter_parts())
    async with serving(app) as client:
        yield client


@pytest.fixture
def pm(issue_token) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token('project_manager')}"}


async def open_counter(client, headers, limit: int = 10) -> dict:
    response = await client.post("/counters", json={"name": "visits", "limit": limit}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_answers_201_with_location_and_etag(client, pm):
    response = await client.post("/counters", json={"name": "visits", "limit": 10}, headers=pm)
    assert response.status_code == 201
    body = response.json()
    assert response.headers["Location"] == f"/counters/{body['id']}"
    assert response.headers["ETag"] == '"1"'
    read = await client.get(response.headers["Location"], headers=pm)
    assert read.json()["name"] == "visits" and read.headers["ETag"] == '"1"'


async def test_if_match_guards_against_lost_updates(client, pm):
    counter = await open_counter(client, pm)
    url = f"/counters/{counter['id']}/increment"
    first = await client.post(url, json={"by": 1}, headers={**pm, "If-Match": '"1"'})
    stale = await client.post(url, json={"by": 1}, headers={**pm, "If-Match": '"1"'})
    assert first.status_code == 200 and first.headers["ETag"] == '"2"'
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM
    assert stale.json()["current_version"] == 2


async def test_if_match_compares_strongly_and_takes_a_list(client, pm):
    """RFC 9110 §13.1.1: a weak tag never matches If-Match; any tag of a list may."""
    counter = await open_counter(client, pm)
    url = f"/counters/{counter['id']}/increment"
    weak = await client.post(url, json={"by": 1}, headers={**pm, "If-Match": 'W/"1"'})
    listed = await client.post(url, json={"by": 1}, headers={**pm, "If-Match": '"7", "1"'})
    malformed = await client.post(url, json={"by": 1}, headers={**pm, "If-Match": "2"})
    assert weak.status_code == 412 and weak.headers["content-type"] == PROBLEM
    assert listed.status_code == 200 and listed.headers["ETag"] == '"2"'
    assert malformed.status_code == 422 and malformed.headers["content-type"] == PROBLEM
    assert malformed.json()["errors"][0]["field"].lower() == "header.if-match"
    final = await client.get(f"/counters/{counter['id']}", headers=pm)
    assert final.json()["value"] == 1  # the refused commands stored nothing


async def test_if_none_match_answers_304_until_the_resource_changes(client, pm):
    counter = await open_counter(client, pm)
    url = f"/counters/{counter['id']}"
    held = await client.get(url, headers={**pm, "If-None-Match": 'W/"1"'})
    assert held.status_code == 304 and held.content == b"" and held.headers["ETag"] == '"1"'
    await client.post(f"{url}/increment", json={"by": 1}, headers=pm)
    changed = await client.get(url, headers={**pm, "If-None-Match": '"1"'})
    assert changed.status_code == 200 and changed.headers["ETag"] == '"2"' and changed.json()["value"] == 1
    unauthorised = await client.get(url, headers={"If-None-Match": "*"})
    assert unauthorised.status_code == 401  # a condition never bypasses the token


async def test_options_and_405_list_every_method_of_the_path(client, pm):
    options = await client.options("/counters")
    assert options.status_code == 204
    assert set(options.headers["Allow"].split(", ")) == {"GET", "POST", "OPTIONS"}
    wrong = await client.delete("/counters", headers=pm)
    assert wrong.status_code == 405
    assert set(wrong.headers["Allow"].split(", ")) == {"GET", "POST", "OPTIONS"}
    assert (await client.options("/no-such-path")).status_code == 404


async def test_history_is_paged_with_a_cursor(client, pm):
    counter = await open_counter(client, pm)
    url = f"/counters/{counter['id']}"
    for _ in range(4):
        assert (await client.post(f"{url}/increment", json={"by": 1}, headers=pm)).status_code == 200
    versions, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(f"{url}/history", params=params, headers=pm)).json()
        versions += [entry["version"] for entry in page["items"]]
        pages, cursor = pages + 1, page["next_cursor"]
        if cursor is None:
            break
    assert versions == [1, 2, 3, 4, 5] and pages == 3
    everything = (await client.get(f"{url}/history", headers=pm)).json()
    assert len(everything["items"]) == 5 and everything["next_cursor"] is None
    foreign = await client.get(f"{url}/history", params={"cursor": "!!!"}, headers=pm)
    assert foreign.status_code == 422


async def test_concurrent_commands_lose_no_update(client, pm):
    counter = await open_counter(client, pm, limit=1000)
    url = f"/counters/{counter['id']}/increment"
    responses = await asyncio.gather(*(client.post(url, json={"by": 1}, headers=pm) for _ in range(30)))
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 409}
    final = (await client.get(f"/counters/{counter['id']}", headers=pm)).json()
    assert final["value"] == statuses.count(200)  # every acknowledged increment counted, no other


async def test_a_broken_rule_is_a_409_naming_it(client, pm):
    counter = await open_counter(client, pm, limit=1)
    response = await client.post(f"/counters/{counter['id']}/increment", json={"by": 2}, headers=pm)
    assert response.status_code == 409
    assert response.json()["rule"] == "counter-within-limit"


async def test_bad_input_is_a_problem_listing_each_field(client, pm):
    response = await client.post("/counters", json={"limit": -1}, headers=pm)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"body.name", "body.limit"}
    malformed = await client.post("/counters", content=b"{not json", headers={**pm, "Content-Type": "application/json"})
    assert malformed.status_code == 422 and malformed.headers["content-type"] == PROBLEM
    bad_id = await client.get("/counters/not-a-uuid", headers=pm)
    assert bad_id.status_code == 422


async def test_unknown_resources_and_routes_are_404_problems(client, pm):
    missing = await client.get(f"/counters/{uuid4()}", headers=pm)
    nowhere = await client.get("/nowhere", headers=pm)
    assert missing.status_code == nowhere.status_code == 404
    assert missing.headers["content-type"] == nowhere.headers["content-type"] == PROBLEM


async def test_a_retry_with_the_same_idempotency_key_replays_the_first_response(client, pm):
    headers = {**pm, "Idempotency-Key": "open-visits-1"}
    first = await client.post("/counters", json={"name": "visits", "limit": 5}, headers=headers)
    retry = await client.post("/counters", json={"name": "visits", "limit": 5}, headers=headers)
    other = await client.post("/counters", json={"name": "other", "limit": 5}, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422 and other.json()["type"].endswith("idempotency-key-reused")
    log = (await client.get("/events", params={"event_type": "CounterOpened"}, headers=pm)).json()
    assert len(log["items"]) == 1


async def test_concurrent_requests_with_one_idempotency_key_have_one_effect(client, pm):
    counter = await open_counter(client, pm, limit=100)
    headers = {**pm, "Idempotency-Key": f"inc-{uuid4()}"}
    url = f"/counters/{counter['id']}/increment"
    responses = await asyncio.gather(*(client.post(url, json={"by": 1}, headers=headers) for _ in range(10)))
    assert {r.status_code for r in responses} <= {200, 409}
    final = (await client.get(f"/counters/{counter['id']}", headers=pm)).json()
    assert final["value"] == 1


async def test_history_and_as_of(client, pm, issue_token):
    importer = {"Authorization": f"Bearer {issue_token('integration', 'project_manager')}"}
    opened = await client.post("/counters", json={"name": "visits", "limit": 10,
                                                  "occurred_at": "2025-01-01T00:00:00Z"}, headers=importer)
    url = f"/counters/{opened.json()['id']}"
    await client.post(f"{url}/increment", json={"by": 2, "occurred_at": "2025-06-01T00:00:00Z"}, headers=importer)
    history = (await client.get(f"{url}/history", headers=pm)).json()
    assert [item["event_type"] for item in history["items"]] == ["CounterOpened", "CounterIncremented"]
    assert history["items"][0]["metadata"]["actor"] == "tester"
    before = await client.get(url, params={"as_of": "2025-05-31T00:00:00Z"}, headers=pm)
    assert before.json()["value"] == 0
    naive = await client.get(url, params={"as_of": "2025-05-31T00:00:00"}, headers=pm)
    assert naive.status_code == 422


async def test_event_log_pages_with_a_cursor(client, pm):
    for _ in range(5):
        await open_counter(client, pm)
    seen, cursor = [], None
    while True:
        page = (await client.get("/events", params={"limit": 2, **({"cursor": cursor} if cursor else {})},
                                 headers=pm)).json()
        seen += [item["global_position"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 and seen == sorted(seen)
    bad = await client.get("/events", params={"cursor": "garbage!"}, headers=pm)
    assert bad.status_code == 422


async def test_tokens_and_roles_are_enforced(client, issue_token):
    body = {"name": "x", "limit": 1}
    anonymous = await client.post("/counters", json=body)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    viewer = await client.post("/counters", json=body, headers={"Authorization": f"Bearer {issue_token('viewer')}"})
    assert viewer.status_code == 403 and viewer.headers["content-type"] == PROBLEM
    admin = await client.post("/counters", json=body, headers={"Authorization": f"Bearer {issue_token('admin')}"})
    assert admin.status_code == 201


async def test_bodies_over_the_limit_are_refused_with_413(client, pm):
    response = await client.post("/counters", content=b"x" * 2_000_000,
                                 headers={**pm, "Content-Type": "application/json"})
    assert response.status_code == 413 and response.headers["content-type"] == PROBLEM


async def test_lists_filter_on_the_summary_written_with_each_command(client, pm):
    small = await open_counter(client, pm, limit=1)
    await open_counter(client, pm, limit=5)
    await client.post(f"/counters/{small['id']}/increment", json={"by": 1}, headers=pm)
    full = (await client.get("/counters", params={"full": "true"}, headers=pm)).json()
    everything = (await client.get("/counters", params={"limit": 1}, headers=pm)).json()
    assert [item["id"] for item in full["items"]] == [small["id"]]
    assert len(everything["items"]) == 1 and everything["next_cursor"]


async def test_only_integration_and_admin_may_set_business_time(client, pm, issue_token):
    body = {"name": "imported", "limit": 1, "occurred_at": "2025-06-01T08:00:00Z"}
    refused = await client.post("/counters", json=body, headers=pm)
    integration = {"Authorization": f"Bearer {issue_token('integration', 'project_manager')}"}
    imported = await client.post("/counters", json=body, headers=integration)
    assert refused.status_code == 403
    assert imported.status_code == 201
    history = (await client.get(f"/counters/{imported.json()['id']}/history", headers=pm)).json()
    assert history["items"][0]["occurred_at"].startswith("2025-06-01T08:00:00")


async def test_the_asyncapi_document_lists_the_published_events(client):
    document = (await client.get("/asyncapi.json")).json()
    messages = document["components"]["messages"]
    assert {m["title"] for m in messages.values()} == {"CounterOpened", "CounterIncremented"}
    ce_type = next(iter(messages.values()))["name"]
    schema = await client.get(f"/events/schemas/{ce_type}")
    assert schema.status_code == 200 and schema.json()["$id"].endswith(ce_type)


@pytest.mark.parametrize("text", ["a\u0000b", "\ud800", "ok\udcf8"])
async def test_text_postgresql_cannot_store_is_a_422_not_a_500(client, pm, text):
    def as_json(body: dict) -> dict:  # escaped the way JSON carries them (\\u0000, \\ud800)
        return {"content": json.dumps(body).encode(), "headers": {**pm, "Content-Type": "application/json"}}

    response = await client.post("/counters", **as_json({"name": text, "limit": 1}))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "body.name"
    nested = await client.post("/counters", **as_json({"name": "x", "limit": 1, "extra": [{text: 1}]}))
    assert nested.status_code == 422


async def test_an_id_of_another_kind_of_aggregate_is_a_404(client, pm, database_url):
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(sa.text(
            "INSERT INTO events (stream_id, stream_type, version, event_id, event_type, schema_version, data,"
            " metadata, occurred_at) VALUES ('6f1c1b1e-0000-4000-8000-000000000001', 'Other', 1,"
            " gen_random_uuid(), 'OtherHappened', 1, '{}', '{}', now())"))
    await engine.dispose()
    response = await client.get("/counters/6f1c1b1e-0000-4000-8000-000000000001", headers=pm)
    assert response.status_code == 404


async def test_values_the_database_cannot_take_are_422(client, pm):
    far = await client.get("/counters", params={"cursor": encode_cursor({"after": 2**63})}, headers=pm)
    ancient = await client.get(f"/counters/{uuid4()}", params={"as_of": "0001-01-02T00:00:00Z"}, headers=pm)
    assert far.status_code == ancient.status_code == 422
