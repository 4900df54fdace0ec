"""References that exist (issue 14): a project targets only services project-svc learned from service events."""

from __future__ import annotations

from uuid import uuid4

from continuum.contracts.service import ServiceRegisteredV1, ServiceStageChangedV1
from tests.integration.project_svc.conftest import eventually, publish

PROPOSAL = {"title": "Stabilise", "problem_statement": "outages", "business_case": "lost sales"}


async def test_a_phantom_target_service_is_refused_naming_the_field_and_nothing_is_stored(client, as_role,
                                                                                          known_services):
    pm, known, phantom = as_role("project_manager", subject="bob"), str(uuid4()), str(uuid4())
    await known_services(known)
    refused = await client.post("/projects", headers=pm, json={**PROPOSAL, "target_service_ids": [known, phantom]})
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["rule"] == "target-services-known" and "may take a moment" in problem["detail"]
    assert [(e["field"], e["type"]) for e in problem["errors"]] == [("body.target_service_ids", "unknown_reference")]
    assert phantom in problem["errors"][0]["message"] and known not in problem["detail"]
    for target in (known, phantom):
        listed = (await client.get("/projects", params={"target_service_id": target}, headers=pm)).json()
        assert listed["items"] == []
    assert (await client.post("/projects", headers=pm, json={**PROPOSAL, "target_service_ids": [known]})
            ).status_code == 201


async def test_a_service_is_known_once_its_registration_is_read_and_refused_once_retired(client, as_role, producer):
    pm, service_id = as_role("project_manager", subject="bob"), str(uuid4())
    body = {**PROPOSAL, "target_service_ids": [service_id]}
    assert (await client.post("/projects", headers=pm, json=body)).status_code == 422
    await publish(producer, ServiceRegisteredV1, {"service_id": service_id, "name": "Payments gateway",
                                                  "description": "cards", "stage": "strategy"}, key=service_id)

    async def accepted():
        response = await client.post("/projects", headers=pm, json=body)
        assert response.status_code in (201, 422), response.text
        return response.status_code == 201

    await eventually(accepted)  # the "may take a moment" of the problem: here, until the consumer read it
    await publish(producer, ServiceStageChangedV1, {"service_id": service_id, "from_stage": "operation",
                                                    "to_stage": "retired", "reason": "replaced"}, key=service_id)

    async def refused_as_retired():
        response = await client.post("/projects", headers=pm, json=body)
        return response.status_code == 422 and response.json()["errors"][0]["type"] == "retired_reference"

    await eventually(refused_as_retired)
