"""Seeding the catalog over HTTP: a service owned by alice with its SLA (P2: respond in 30, resolve in 240)."""

from __future__ import annotations

SLA = {
    "availability_target_pct": "99.5",
    "csat_target_pct": "80",
    "targets": {"P1": {"response_minutes": 15, "resolution_minutes": 120},
                "P2": {"response_minutes": 30, "resolution_minutes": 240},
                "P3": {"response_minutes": 60, "resolution_minutes": 480},
                "P4": {"response_minutes": 240, "resolution_minutes": 2400}},
}


async def new_service(client, headers, *, sla: bool = True, owned_by: str | None = "alice") -> dict:
    """Registered by `headers` naming `owned_by` as its owner (the `owner` fixture is alice)."""
    body = {"name": "Payroll", "description": "Monthly payroll", "demanded_by": "HR",
            "expected_volume": "3000 payslips a month", "owner": owned_by}
    response = await client.post("/services", json=body, headers=headers)
    assert response.status_code == 201, response.text
    service = response.json()
    if sla:
        response = await client.post(f"/services/{service['id']}/define-sla", json=SLA, headers=headers)
        assert response.status_code == 200, response.text
        service = response.json()
    return service
