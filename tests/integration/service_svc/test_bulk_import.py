"""POST /services/{id}/import-incidents on the real PostgreSQL and Kafka: a mixed file, a re-run, the topic,
ownership and the body's bounds."""

from __future__ import annotations

import asyncio
import json

from continuum.importers.ndjson import decode_results
from tests.integration.service_svc.seed import new_service
from tests.support.kafka import read_topic

NDJSON = {"Content-Type": "application/x-ndjson"}


def ndjson(*lines: dict | str) -> bytes:
    return "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines).encode() + b"\n"


def at(day: int, hour: int, minute: int = 0) -> str:
    return f"2025-03-{day:02d}T{hour:02d}:{minute:02d}:00Z"


def opening(ref: str, when: str, **overrides) -> dict:
    return {"ref": ref, "command": "open", "occurred_at": when, "priority": "P2", "category": "network",
            "title": f"{ref} VPN drops", **overrides}


MIXED = [
    opening("INC001", at(1, 9)),                                                              # 1
    {"ref": "INC001", "command": "acknowledge", "occurred_at": at(1, 9, 10)},                  # 2
    {"ref": "INC001", "command": "resolve", "occurred_at": at(1, 12), "resolution_code": "fixed"},  # 3
    {"ref": "INC001", "command": "close", "occurred_at": at(4, 12)},                           # 4
    opening("INC002", at(2, 9), priority="P9"),                                                # 5: bad priority
    {"ref": "INC002", "command": "acknowledge", "occurred_at": at(2, 9, 5)},                   # 6: never opened
    "{not json",                                                                               # 7
    opening("INC003", at(3, 9), outage=True),                                                  # 8
    {"ref": "INC003", "command": "acknowledge", "occurred_at": at(3, 10)},                     # 9: past 30 min: breach
    {"ref": "INC003", "command": "resolve", "occurred_at": at(3, 15), "resolution_code": "x"},  # 10: no downtime
    {"ref": "INC003", "command": "acknowledge", "occurred_at": at(3, 16)},                     # 11: already acked
    {"ref": "INC004", "command": "close", "occurred_at": "3000-01-01T00:00:00Z"},              # 12: past 2999
]


async def _import(client, service_id: str, body: bytes, headers: dict, content: dict = NDJSON):
    return await client.post(f"/services/{service_id}/import-incidents", content=body, headers={**headers, **content})


async def _history(client, headers, incident_id: str) -> list[dict]:
    response = await client.get(f"/incidents/{incident_id}/history", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_a_mixed_file_applies_the_good_lines_and_names_each_bad_one(client, owner, tokens, kafka_settings, spec):
    service = await new_service(client, owner)
    alice_importing = tokens("integration", subject="alice")
    response = await _import(client, service["id"], ndjson(*MIXED), alice_importing)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    results, counts = decode_results(response.content)
    by_line = {result["line"]: result for result in results}
    assert sorted(by_line) == list(range(1, 13))
    assert [by_line[n]["status"] for n in (1, 2, 3, 4, 8, 9)] == ["accepted"] * 6
    assert counts == {"accepted": 6, "already_imported": 0, "rejected": 6}
    assert by_line[5]["problem"]["errors"][0]["field"] == "priority" and by_line[5]["problem"]["line"] == 5
    assert by_line[6]["problem"]["rule"] == "record-created-first"
    assert by_line[7]["problem"]["status"] == 400 and "line 7" in by_line[7]["problem"]["detail"]
    assert by_line[10]["problem"]["rule"] == "outage-downtime-recorded"
    assert by_line[11]["problem"]["rule"] == "acknowledge-open-incident"
    assert by_line[12]["problem"]["errors"][0]["field"] == "occurred_at"

    first = by_line[1]["id"]
    assert by_line[4]["id"] == first and by_line[4]["version"] == len(await _history(client, owner, first))
    incident = (await client.get(f"/incidents/{first}", headers=owner)).json()
    assert incident["status"] == "closed"
    third = by_line[8]["id"]
    history = await _history(client, owner, third)  # opened, SLA applied, response breach, acknowledged: no more
    assert [event["event_type"] for event in history][-2:] == ["IncidentResponseSlaBreached", "IncidentAcknowledged"]
    assert (await client.get(f"/incidents/{third}", headers=owner)).json()["status"] == "acknowledged"
    listed = (await client.get(f"/incidents?service_id={service['id']}", headers=owner)).json()["items"]
    assert sorted(item["id"] for item in listed) == sorted([first, third])  # INC002 half-opened? no

    stored = await _history(client, owner, first)
    messages = await read_topic(kafka_settings.bootstrap_servers, spec.topic,
                                until=lambda found: sum(m.headers.get("ce_subject") == first for m in found)
                                >= len(stored))
    published = {m.headers["ce_id"]: m.headers for m in messages if m.headers.get("ce_subject") == first}
    assert len(published) == len(stored)
    for event in stored:
        assert published[event["event_id"]]["ce_time"].replace("+00:00", "Z") == event["occurred_at"].replace(
            "+00:00", "Z")
        assert published[event["event_id"]]["ce_actor"] == "integration:alice"
    assert published[stored[0]["event_id"]]["ce_time"].startswith("2025-03-01T09:00")


async def test_a_re_run_answers_already_imported_and_doubles_nothing(client, owner, tokens):
    service = await new_service(client, owner)
    alice_importing = tokens("integration", subject="alice")
    first = decode_results((await _import(client, service["id"], ndjson(*MIXED), alice_importing)).content)[0]
    incident_id = next(r["id"] for r in first if r["line"] == 1)
    before = await _history(client, owner, incident_id)

    rated = {"ref": "INC001", "command": "rate", "occurred_at": at(5, 9), "score": 4}
    again, counts = decode_results((await _import(client, service["id"], ndjson(*MIXED, rated), alice_importing)).content)
    statuses = {result["line"]: result["status"] for result in again}
    assert all(statuses[n] == "already_imported" for n in (1, 2, 3, 4, 8, 9))
    assert statuses[13] == "accepted" and counts["already_imported"] == 6 and counts["accepted"] == 1
    after = await _history(client, owner, incident_id)
    assert [e["event_id"] for e in after[:len(before)]] == [e["event_id"] for e in before]
    assert [e["event_type"] for e in after[len(before):]] == ["IncidentCsatRated"]
    listed = (await client.get(f"/incidents?service_id={service['id']}", headers=owner)).json()["items"]
    assert len(listed) == 2


async def test_a_caller_who_does_not_own_the_service_is_refused_and_nothing_is_stored(client, owner, tokens):
    service = await new_service(client, owner)
    body = ndjson(opening("INC001", at(1, 9)))
    mallory = await _import(client, service["id"], body, tokens("integration", subject="mallory"))
    assert mallory.status_code == 403 and mallory.json()["rule"] == "decided-by-the-services-owner"
    agent = await _import(client, service["id"], body, tokens("support_agent", subject="alice"))
    assert agent.status_code == 403
    unknown = await _import(client, "7f1c2d4e-0000-4000-8000-000000000001", body, tokens("admin"))
    assert unknown.status_code == 404
    assert (await client.get(f"/incidents?service_id={service['id']}", headers=owner)).json()["items"] == []
    admin = await _import(client, service["id"], body, tokens("admin", subject="root"))
    assert decode_results(admin.content)[1]["accepted"] == 1  # admin imports into any service


async def test_a_body_too_large_or_not_ndjson_is_refused_whole_and_a_dry_run_stores_nothing(client, owner, tokens):
    service = await new_service(client, owner)
    alice = tokens("integration", subject="alice")
    line = json.dumps(opening("INC000", at(1, 9), description="x" * 7000))
    too_large = await _import(client, service["id"], "\n".join([line] * 160).encode(), alice)
    assert too_large.status_code == 413
    wrong_type = await _import(client, service["id"], ndjson(opening("INC001", at(1, 9))), alice,
                               {"Content-Type": "text/csv"})
    assert wrong_type.status_code == 415
    not_array = await _import(client, service["id"], b'{"ref": "INC001"}', alice, {"Content-Type": "application/json"})
    assert not_array.status_code == 422 and not_array.json()["errors"][0]["field"] == "body"
    dry = await client.post(f"/services/{service['id']}/import-incidents?dry_run=true",
                            content=ndjson(*MIXED), headers={**alice, **NDJSON})
    assert decode_results(dry.content)[1] == {"accepted": 6, "already_imported": 0, "rejected": 6}
    assert (await client.get(f"/incidents?service_id={service['id']}", headers=owner)).json()["items"] == []
    as_array = await _import(client, service["id"], json.dumps([opening("INC001", at(1, 9))]).encode(), alice,
                             {"Content-Type": "application/json"})
    assert decode_results(as_array.content)[1] == {"accepted": 1, "already_imported": 0, "rejected": 0}
    listed = (await client.get(f"/incidents?service_id={service['id']}", headers=owner)).json()["items"]
    assert len(listed) == 1


async def test_two_runs_of_the_same_file_at_once_import_each_line_once(client, owner, tokens):
    service = await new_service(client, owner)
    alice = tokens("integration", subject="alice")
    lines = [line for n in range(40) for line in (
        opening(f"INC{n:03d}", at(1, 9)), {"ref": f"INC{n:03d}", "command": "acknowledge", "occurred_at": at(1, 9, 5)})]
    first, second = await asyncio.gather(*(_import(client, service["id"], ndjson(*lines), alice) for _ in range(2)))
    counts = [decode_results(response.content)[1] for response in (first, second)]
    assert sum(c["accepted"] for c in counts) == 80 and sum(c["already_imported"] for c in counts) == 80
    listed = (await client.get(f"/incidents?service_id={service['id']}&limit=100", headers=owner)).json()["items"]
    assert len(listed) == 40 and all(item["status"] == "acknowledged" for item in listed)
