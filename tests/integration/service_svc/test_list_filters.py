"""The filters every list takes (q, opened_after/opened_before, sort) on incidents, over HTTP on the real stack:
imported out of order, searched, bounded and paged under each sort without a gap or a repeat."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.integration.service_svc.seed import new_service

TITLES = ["Disk full on db-1", "VPN down", "disk latency", "Printer jam", "DISK quota 100%_", "Mail delayed"]


async def imported(client, importer, service_id: str) -> list[tuple[str, datetime, str]]:
    """Six incidents opened on days 5, 0, 4, 1, 3, 2 ago: recorded in another order than opened."""
    now = datetime.now(UTC).replace(microsecond=0)
    made = []
    for title, days in zip(TITLES, (5, 0, 4, 1, 3, 2), strict=True):
        opened_at = now - timedelta(days=days, hours=1)
        response = await client.post("/incidents", headers=importer, json={
            "service_id": service_id, "priority": "P3", "category": "x", "title": title, "outage": False,
            "occurred_at": opened_at.isoformat(), "detected_at": opened_at.isoformat()})
        assert response.status_code == 201, response.text
        made.append((response.json()["id"], opened_at, title))
    return made


async def every_page(client, headers, params: dict) -> list[str]:
    ids, cursor = [], None
    while True:
        page = await client.get("/incidents", headers=headers,
                                params={**params, "limit": 2, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        ids += [item["id"] for item in page.json()["items"]]
        if (cursor := page.json()["next_cursor"]) is None:
            return ids


async def test_lists_search_bound_and_sort_by_the_business_time_opened(client, owner, importer, agent):
    service = await new_service(client, owner)
    made = await imported(client, importer, service["id"])
    mine = {"service_id": service["id"]}
    by_time = [id_ for id_, _, _ in sorted(made, key=lambda m: m[1])]

    assert await every_page(client, agent, {**mine, "sort": "opened_at"}) == by_time
    assert await every_page(client, agent, {**mine, "sort": "-opened_at"}) == by_time[::-1]
    assert await every_page(client, agent, mine) == [id_ for id_, _, _ in made]  # created: the order recorded

    disk = await every_page(client, agent, {**mine, "q": "disk", "sort": "opened_at"})
    assert disk == [id_ for id_ in by_time if "disk" in dict((m[0], m[2]) for m in made)[id_].lower()]
    assert len(disk) == 3
    literal = await every_page(client, agent, {**mine, "q": "100%_"})  # LIKE's wildcards are searched literally
    assert literal == [made[4][0]]

    after, before = made[4][1], made[3][1] + timedelta(seconds=1)  # days 3 ago to 1 ago, both included
    bounded = await every_page(client, agent, {**mine, "opened_after": after.isoformat(),
                                               "opened_before": before.isoformat(), "sort": "-opened_at"})
    assert bounded == [made[3][0], made[5][0], made[4][0]]


async def test_bad_list_parameters_are_a_422_naming_them(client, owner, importer, agent):
    await imported(client, importer, (await new_service(client, owner))["id"])
    naive = await client.get("/incidents", params={"opened_after": "2026-01-01T00:00:00"}, headers=agent)
    assert naive.status_code == 422 and "opened_after" in naive.text
    sort = await client.get("/incidents", params={"sort": "title"}, headers=agent)
    assert sort.status_code == 422 and "sort" in sort.text
    nul = await client.get("/incidents", params={"q": "a\x00b"}, headers=agent)
    assert nul.status_code == 422
    first = (await client.get("/incidents", params={"limit": 1}, headers=agent)).json()
    other = await client.get("/incidents", params={"cursor": first["next_cursor"], "sort": "opened_at"},
                             headers=agent)
    assert other.status_code == 422  # a cursor of one sort is not one of another


async def test_a_bulk_import_of_older_incidents_sorts_and_pages_by_the_time_they_were_opened(
        client, owner, importer, agent, tokens):
    """Imported after the incidents recorded live but opened before them: `opened_at` (written by the batched
    append) puts them first, paging by 2 under each sort neither skips nor repeats, and bounds find them."""
    service = await new_service(client, owner)
    live = await imported(client, importer, service["id"])  # opened 0–5 days ago, recorded first
    oldest = min(opened for _, opened, _ in live)
    lines = [{"ref": f"OLD{n}", "command": "open", "priority": "P3", "category": "x", "title": f"old {n}",
              "occurred_at": (oldest - timedelta(days=30 - n)).isoformat()} for n in (3, 1, 2)]
    body = "\n".join(json.dumps(line) for line in lines).encode() + b"\n"
    response = await client.post(f"/services/{service['id']}/import-incidents", content=body,
                                 headers={**tokens("integration", subject="alice"),
                                          "Content-Type": "application/x-ndjson"})
    assert response.status_code == 200, response.text
    results = [json.loads(row) for row in response.text.splitlines()]
    old = {row["ref"]: row["id"] for row in results if row.get("status") == "accepted"}
    assert len(old) == 3, response.text
    mine = {"service_id": service["id"]}
    by_time = [old["OLD1"], old["OLD2"], old["OLD3"], *[id_ for id_, _, _ in sorted(live, key=lambda m: m[1])]]

    assert await every_page(client, agent, {**mine, "sort": "opened_at"}) == by_time
    assert await every_page(client, agent, {**mine, "sort": "-opened_at"}) == by_time[::-1]
    created = await every_page(client, agent, mine)
    assert created[:6] == [id_ for id_, _, _ in live] and sorted(created[6:]) == sorted(old.values())
    before_live = await every_page(client, agent, {**mine, "opened_before": oldest.isoformat(), "sort": "opened_at"})
    assert before_live == by_time[:3]
    one = await every_page(client, agent, {**mine, "opened_after": (oldest - timedelta(days=28)).isoformat(),
                                           "opened_before": oldest.isoformat()})
    assert sorted(one) == sorted([old["OLD2"], old["OLD3"]])
