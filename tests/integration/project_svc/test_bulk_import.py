"""POST /imports/projects on the real PostgreSQL and Kafka: projects and their costs in one file, a bad line named
and undone alone, a re-run that doubles nothing, and an importer who is neither sponsor nor project manager."""

from __future__ import annotations

import json
import uuid

from continuum.importers.ndjson import decode_results

NDJSON = {"Content-Type": "application/x-ndjson"}
SERVICE = str(uuid.uuid4())


def ndjson(*lines: dict) -> bytes:
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


def project(ref: str, *, sponsor: str = "alice", costs: tuple[str, ...] = ("12500.00",)) -> list[dict]:
    lines = [
        {"ref": ref, "command": "propose", "occurred_at": "2025-01-06T09:00:00Z", "title": f"{ref} gateway",
         "target_service_ids": [SERVICE]},
        {"ref": ref, "command": "approve-charter", "occurred_at": "2025-01-10T09:00:00Z", "goal": "No outage",
         "budget_at_completion": "100000.00", "planned_start": "2025-01-13", "planned_end": "2025-06-30",
         "sponsor": sponsor, "project_manager": "bob"},
        {"ref": ref, "command": "start-planning", "occurred_at": "2025-01-13T09:00:00Z"},
        {"ref": ref, "command": "add-milestone", "occurred_at": "2025-01-14T09:00:00Z", "milestone": "M1",
         "name": "Second site", "planned_date": "2025-06-01", "planned_value": "100000.00"},
        {"ref": ref, "command": "baseline", "occurred_at": "2025-01-15T09:00:00Z"},
    ]
    return lines + [{"ref": ref, "command": "record-cost", "occurred_at": f"2025-02-{day + 10:02d}T17:00:00Z",
                     "amount": amount, "incurred_on": f"2025-02-{day + 10:02d}", "category": "labour"}
                    for day, amount in enumerate(costs)]


async def test_projects_and_costs_are_imported_each_line_answered_and_a_re_run_doubles_nothing(
        client, issue_token, known_services):
    await known_services(SERVICE)
    alice = {"Authorization": f"Bearer {issue_token('integration', subject='alice')}", **NDJSON}
    lines = project("PRJ-1", costs=("12500.00", "-5.00", "800.00")) + project("PRJ-2", sponsor="carol")
    lines.append({"ref": "PRJ-3", "command": "propose", "occurred_at": "2025-01-06T09:00:00Z", "title": "Unknown",
                  "target_service_ids": [str(uuid.uuid4())]})
    response = await client.post("/imports/projects", content=ndjson(*lines), headers=alice)
    assert response.status_code == 200, response.text
    results, counts = decode_results(response.content)
    by_line = {result["line"]: result for result in results}
    assert [by_line[n]["status"] for n in range(1, 10) if n != 7] == ["accepted"] * 8
    assert by_line[7]["problem"]["errors"][0]["field"] == "amount"  # -5.00: refused at the edge, line 7 named
    assert by_line[10]["problem"]["rule"] == "imported-by-the-projects-sponsor-or-manager"  # carol's, not alice's
    assert by_line[10]["problem"]["status"] == 403 and by_line[14]["status"] == "rejected"
    assert by_line[15]["problem"]["errors"][0]["field"] == "target_service_ids"
    assert counts["accepted"] == 8  # PRJ-1's 7 good lines and PRJ-2's proposal

    first = by_line[1]["id"]
    read = (await client.get(f"/projects/{first}", headers=alice)).json()
    assert read["state"] == "executing" and read["sponsor"] == "alice"
    second = (await client.get(f"/projects/{by_line[9]['id']}", headers=alice)).json()
    assert second["state"] == "proposed"  # its charter refused: nothing of it stored, the proposal stands
    history = (await client.get(f"/projects/{first}/history", headers=alice)).json()["items"]
    assert sum(e["event_type"] == "ActualCostRecorded" for e in history) == 2

    again, counts = decode_results((await client.post("/imports/projects", content=ndjson(*lines),
                                                      headers=alice)).content)
    assert counts["already_imported"] == 8 and counts["accepted"] == 0
    assert len((await client.get(f"/projects/{first}/history", headers=alice)).json()["items"]) == len(history)
