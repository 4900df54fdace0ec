"""handover-svc over HTTP on the real PostgreSQL and Kafka: commands, rules, reads, roles."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from tests.integration.handover_svc.conftest import OWNER

PROBLEM = "application/problem+json"
DEFAULT_KEYS = ["documentation-complete", "support-team-trained", "knowledge-base-populated", "sla-defined",
                "service-owner-named", "monitoring-in-place", "runbooks-and-escalation-contacts",
                "early-life-support-period-agreed", "known-errors-documented"]


def owner(role) -> dict[str, str]:
    """The headers of the service's owner (as `known` records it)."""
    return role("service_owner", subject=OWNER)


async def open_by_hand(client, role, known, *, owned_by: str | None = OWNER, at: datetime | None = None,
                       **body) -> dict:
    """A handover opened by a project manager, for a service (owned by `owned_by`, in transition) and a project
    that handover-svc knows; with `at`, imported as opened then."""
    body = {"service_id": str(uuid4()), "project_id": str(uuid4()), **body}
    await known(service_id=UUID(body["service_id"]), project_id=body["project_id"] and UUID(body["project_id"]),
                owner=owned_by)
    if at is not None:
        body["occurred_at"] = at.isoformat()
    headers = role("project_manager", *(("integration",) if at else ()))
    response = await client.post("/handovers", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def meet_all(client, role, handover_id: str, *, skip: tuple[str, ...] = (), days: int = 30,
                   at: datetime | None = None) -> dict:
    """Meet every default criterion still pending (service events may have ticked some already); with `at`,
    imported as met then."""
    pm = role("project_manager", *(("integration",) if at else ()), subject="pm@example.com")
    body = (await client.get(f"/handovers/{handover_id}", headers=pm)).json()
    pending = {c["key"] for c in body["criteria"] if c["status"] == "pending"}
    for key in DEFAULT_KEYS:
        if key in skip or key not in pending:
            continue
        payload = {"evidence": f"https://wiki.example.com/{key}", **({"occurred_at": at.isoformat()} if at else {})}
        if key == "early-life-support-period-agreed":
            payload["early_life_support_days"] = days
        response = await client.post(f"/handovers/{handover_id}/criteria/{key}/meet", json=payload, headers=pm)
        assert response.status_code == 200, response.text
        body = response.json()
    return body


async def test_open_by_hand_starts_with_nine_pending_mandatory_criteria(client, role, known):
    service_id = uuid4()
    await known(service_id=service_id)
    response = await client.post("/handovers", json={"service_id": str(service_id)}, headers=role("project_manager"))
    assert response.status_code == 201
    body = response.json()
    assert response.headers["Location"] == f"/handovers/{body['id']}" and response.headers["ETag"] == '"10"'
    assert [c["key"] for c in body["criteria"]] == DEFAULT_KEYS
    assert all(c["status"] == "pending" and c["mandatory"] for c in body["criteria"])
    assert body["readiness"] == {"score_pct": "0", "settled": 0, "total": 9, "pending": DEFAULT_KEYS,
                                 "pending_mandatory": DEFAULT_KEYS}
    read = await client.get(response.headers["Location"], headers=role("viewer"))
    assert read.status_code == 200 and read.json()["state"] == "open"


async def test_at_most_one_open_handover_per_project_and_service(client, role, known):
    first = await open_by_hand(client, role, known)
    again = await client.post("/handovers", json={"service_id": first["service_id"], "project_id": first["project_id"]},
                              headers=role("project_manager"))
    assert again.status_code == 409 and again.json()["rule"] == "one-open-handover-per-project-and-service"
    another = uuid4()
    await known(project_id=another)
    other_project = await client.post("/handovers", json={"service_id": first["service_id"],
                                                          "project_id": str(another)},
                                      headers=role("project_manager"))
    assert other_project.status_code == 201


async def test_accept_with_a_mandatory_criterion_pending_is_a_409_naming_it(client, role, known):
    handover = await open_by_hand(client, role, known)
    await meet_all(client, role, handover["id"], skip=("support-team-trained",))
    response = await client.post(f"/handovers/{handover['id']}/accept", json={}, headers=owner(role))
    assert response.status_code == 409 and response.headers["content-type"] == PROBLEM
    assert response.json()["rule"] == "no-mandatory-criterion-pending"
    assert "support-team-trained" in response.json()["detail"]


async def test_waiving_needs_the_service_owner_and_a_justification(client, role, known):
    handover = await open_by_hand(client, role, known)
    url = f"/handovers/{handover['id']}/criteria/monitoring-in-place/waive"
    by_pm = await client.post(url, json={"justification": "shared monitoring"}, headers=role("project_manager"))
    assert by_pm.status_code == 403
    empty = await client.post(url, json={"justification": ""}, headers=owner(role))
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "body.justification"
    blank = await client.post(url, json={"justification": "   "}, headers=owner(role))
    assert blank.status_code == 409 and blank.json()["rule"] == "waiver-needs-justification"
    waived = await client.post(url, json={"justification": "shared monitoring"},
                               headers=owner(role))
    assert waived.status_code == 200
    criterion = next(c for c in waived.json()["criteria"] if c["key"] == "monitoring-in-place")
    assert criterion["status"] == "waived" and criterion["confirmed_by"] == "owner@example.com"
    assert waived.json()["readiness"]["score_pct"] == "22.22"  # and the service owner named, from service events


async def test_score_pending_list_and_an_extra_optional_criterion(client, role, known):
    handover = await open_by_hand(client, role, known)
    added = await client.post(f"/handovers/{handover['id']}/criteria",
                              json={"key": "security-review", "title": "Security review", "mandatory": False},
                              headers=role("project_manager"))
    assert added.status_code == 201 and added.json()["status"] == "pending" and not added.json()["mandatory"]
    assert added.headers["Location"] == f"/handovers/{handover['id']}/criteria/security-review"
    read_back = await client.get(added.headers["Location"], headers=role("viewer"))
    assert read_back.json() == added.json()
    listed = (await client.get(f"/handovers/{handover['id']}/criteria", headers=role("viewer"))).json()
    assert [c["key"] for c in listed][-1] == "security-review" and len(listed) == 10
    body = await meet_all(client, role, handover["id"])
    assert body["readiness"]["score_pct"] == "90" and body["readiness"]["pending"] == ["security-review"]
    assert body["readiness"]["pending_mandatory"] == []
    summaries = (await client.get("/handovers", params={"service_id": handover["service_id"]},
                                  headers=role("viewer"))).json()["items"]
    assert [(item["id"], item["readiness_pct"]) for item in summaries] == [(handover["id"], "90")]
    accepted = await client.post(f"/handovers/{handover['id']}/accept", json={}, headers=owner(role))
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"


async def test_reject_with_reasons_then_resubmit_and_accept(client, role, known):
    handover = await open_by_hand(client, role, known)
    await meet_all(client, role, handover["id"])
    url = f"/handovers/{handover['id']}"
    rejected = await client.post(f"{url}/reject", json={"reasons": ["KB lacks the billing FAQ"]},
                                 headers=owner(role))
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    assert rejected.json()["last_rejection"]["reasons"] == ["KB lacks the billing FAQ"]
    too_early = await client.post(f"{url}/accept", json={}, headers=owner(role))
    assert too_early.status_code == 409 and too_early.json()["rule"] == "handover-awaiting-decision"
    reset = await client.post(f"{url}/criteria/knowledge-base-populated/reset", json={"reason": "billing FAQ"},
                              headers=role("project_manager"))
    assert reset.json()["readiness"]["pending"] == ["knowledge-base-populated"]
    await client.post(f"{url}/criteria/knowledge-base-populated/meet", json={"evidence": "KB-42 with FAQ"},
                      headers=role("project_manager"))
    resubmitted = await client.post(f"{url}/resubmit", json={"note": "FAQ added"}, headers=role("project_manager"))
    assert resubmitted.status_code == 200 and resubmitted.json()["state"] == "open"
    accepted = await client.post(f"{url}/accept", headers=owner(role))  # no body needed
    assert accepted.status_code == 200 and accepted.json()["accepted_by"] == OWNER


async def test_list_filters_and_cursor_paging(client, role, known):
    service_id = str(uuid4())
    opened = [await open_by_hand(client, role, known, service_id=service_id) for _ in range(3)]
    await open_by_hand(client, role, known)
    await client.post(f"/handovers/{opened[0]['id']}/reject", json={"reasons": ["x"]}, headers=owner(role))
    viewer = role("viewer")
    first = (await client.get(f"/handovers?service_id={service_id}&limit=2", headers=viewer)).json()
    second = (await client.get(f"/handovers?service_id={service_id}&limit=2&cursor={first['next_cursor']}",
                               headers=viewer)).json()
    assert [h["id"] for h in first["items"] + second["items"]] == [h["id"] for h in opened]
    assert second["next_cursor"] is None
    rejected = (await client.get(f"/handovers?service_id={service_id}&state=rejected", headers=viewer)).json()
    assert [h["id"] for h in rejected["items"]] == [opened[0]["id"]]
    by_project = (await client.get(f"/handovers?project_id={opened[1]['project_id']}", headers=viewer)).json()
    assert [h["id"] for h in by_project["items"]] == [opened[1]["id"]]
    bad = await client.get("/handovers?state=nonsense", headers=viewer)
    assert bad.status_code == 422


async def test_history_and_as_of_show_the_past(client, role, known):
    integration = role("integration")
    t0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
    service_id = uuid4()
    await known(service_id=service_id)
    created = await client.post("/handovers", json={"service_id": str(service_id), "occurred_at": t0.isoformat()},
                                headers=integration)
    handover_id = created.json()["id"]
    met = await client.post(f"/handovers/{handover_id}/criteria/documentation-complete/meet",
                            json={"evidence": "docs", "occurred_at": (t0 + timedelta(days=2)).isoformat()},
                            headers=integration)
    assert met.status_code == 200
    then = await client.get(f"/handovers/{handover_id}?as_of={(t0 + timedelta(days=1)).isoformat().replace('+00:00', 'Z')}",
                            headers=role("viewer"))
    assert then.json()["readiness"]["settled"] == 0 and then.headers["ETag"] == '"10"'
    history = (await client.get(f"/handovers/{handover_id}/history", headers=role("viewer"))).json()
    types = [entry["event_type"] for entry in history["items"]]
    assert types[0] == "HandoverOpened" and types[-1] == "CriterionMet" and len(types) == 11
    not_allowed = await client.post("/handovers", json={"service_id": str(uuid4()), "occurred_at": t0.isoformat()},
                                    headers=role("project_manager"))
    assert not_allowed.status_code == 403


async def test_unknown_handover_and_criterion_and_stale_if_match(client, role, known):
    missing = await client.get(f"/handovers/{uuid4()}", headers=role("viewer"))
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    handover = await open_by_hand(client, role, known)
    unknown = await client.post(f"/handovers/{handover['id']}/criteria/no-such-thing/meet", json={"evidence": "x"},
                                headers=role("project_manager"))
    assert unknown.status_code == 409 and unknown.json()["rule"] == "criterion-known"
    no_such = await client.get(f"/handovers/{handover['id']}/criteria/no-such-thing", headers=role("viewer"))
    assert no_such.status_code == 404 and no_such.headers["content-type"] == PROBLEM
    bad_key = await client.post(f"/handovers/{handover['id']}/criteria/Bad%20Key/meet", json={"evidence": "x"},
                                headers=role("project_manager"))
    assert bad_key.status_code == 422
    stale = await client.post(f"/handovers/{handover['id']}/criteria/documentation-complete/meet",
                              json={"evidence": "x"}, headers={**role("project_manager"), "If-Match": '"3"'})
    assert stale.status_code == 412


async def test_concurrent_openings_for_one_project_and_service_make_one_handover(client, role, known):
    body = {"service_id": str(uuid4()), "project_id": str(uuid4())}
    await known(service_id=UUID(body["service_id"]), project_id=UUID(body["project_id"]))
    responses = await asyncio.gather(*(client.post("/handovers", json=body, headers=role("project_manager"))
                                       for _ in range(12)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 11, statuses
    assert {r.json()["rule"] for r in responses if r.status_code == 409} == {"one-open-handover-per-project-and-service"}


async def test_a_handover_for_a_service_or_project_handover_svc_does_not_know_is_a_422_naming_the_field(
        client, role, known):
    pm = role("project_manager")
    service_id, project_id = uuid4(), uuid4()
    phantom = await client.post("/handovers", json={"service_id": str(service_id)}, headers=pm)
    assert phantom.status_code == 422 and phantom.headers["content-type"] == PROBLEM
    assert phantom.json()["rule"] == "service-known" and phantom.json()["errors"][0]["field"] == "body.service_id"
    assert "may take a moment" in phantom.json()["detail"]
    await known(service_id=service_id)
    phantom_project = await client.post("/handovers", json={"service_id": str(service_id),
                                                            "project_id": str(project_id)}, headers=pm)
    assert phantom_project.status_code == 422 and phantom_project.json()["rule"] == "project-known"
    assert phantom_project.json()["errors"][0]["field"] == "body.project_id"
    listed = (await client.get(f"/handovers?service_id={service_id}", headers=role("viewer"))).json()
    assert listed["items"] == []  # nothing stored
    await known(project_id=project_id)
    opened = await client.post("/handovers", json={"service_id": str(service_id), "project_id": str(project_id)},
                               headers=pm)
    assert opened.status_code == 201


async def test_acceptance_is_refused_for_a_service_in_strategy_and_allowed_in_transition_or_operation(
        client, role, known):
    handover = await open_by_hand(client, role, known)
    service_id = UUID(handover["service_id"])
    await meet_all(client, role, handover["id"])
    for stage in ("strategy", "design"):
        await known(service_id=service_id, stage=stage)
        refused = await client.post(f"/handovers/{handover['id']}/accept", json={}, headers=owner(role))
        assert refused.status_code == 409 and refused.json()["rule"] == "service-in-transition-or-operation"
        assert stage in refused.json()["detail"]
    await known(service_id=service_id, stage="operation")  # a changed service, already live
    accepted = await client.post(f"/handovers/{handover['id']}/accept", json={}, headers=owner(role))
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
