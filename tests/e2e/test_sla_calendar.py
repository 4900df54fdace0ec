"""An SLA on business hours through the four services (issue #16): service-svc measures the clocks on the
service's calendar, and metrics-svc's SLA compliance, read from the topic, follows those clocks — two Friday-evening
incidents resolved on Monday morning, one inside its business target and one past it, are 50 % compliant (on a
24x7 clock both would have breached: 0 %)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

from tests.e2e.test_story import SLA, eventually, ok

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = {day: [{"start": "08:00", "end": "17:00"}] for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}


def last_friday_at(hour: int, minute: int) -> datetime:
    """16:30 in Berlin on the Friday of two weeks ago: the Monday after is long past, well inside a 30-day window."""
    today = datetime.now(BERLIN).date()
    friday = today - timedelta(days=(today.weekday() - 4) % 7 + 14)
    return datetime(friday.year, friday.month, friday.day, hour, minute, tzinfo=BERLIN)


async def test_sla_compliance_is_judged_on_the_calendar_of_the_sla(system, issue_token):
    service_svc, metrics_svc = system["service-svc"], system["metrics-svc"]
    owner = {"Authorization": f"Bearer {issue_token('service_owner', 'integration', subject='carla')}"}
    viewer = {"Authorization": f"Bearer {issue_token('viewer', subject='vera')}"}
    calendar = await ok(await service_svc.post("/calendars", headers=owner, json={
        "name": f"Berlin office {uuid4().hex[:6]}", "time_zone": "Europe/Berlin", "week": OFFICE}), 201)
    service = await ok(await service_svc.post("/services", headers=owner, json={
        "name": f"Calendar payroll {uuid4().hex[:6]}", "description": "Payroll", "demanded_by": "HR",
        "expected_volume": "1k payslips a month"}), 201)
    url = f"/services/{service['id']}"
    await ok(await service_svc.post(f"{url}/assign-owner", json={"owner": "carla"}, headers=owner))
    p3 = {"response_minutes": 60, "resolution_minutes": 120, "calendar_id": calendar["id"]}
    await ok(await service_svc.post(f"{url}/define-sla", headers=owner,
                                    json={**SLA, "targets": {**SLA["targets"], "P3": p3}}))

    opened = last_friday_at(16, 30)  # 30 business minutes left on Friday
    monday = opened + timedelta(days=3)
    resolved = {"inside": monday.replace(hour=9, minute=0), "past": monday.replace(hour=10, minute=0)}
    expected_minutes = {"inside": 90, "past": 150}  # 30 on Friday, then 60 or 120 on Monday morning
    ids = {}
    for which, at in resolved.items():
        incident = await ok(await service_svc.post("/incidents", headers=owner, json={
            "service_id": service["id"], "priority": "P3", "category": "payroll", "title": f"Payslips late ({which})",
            "outage": False, "occurred_at": opened.isoformat(), "detected_at": opened.isoformat()}), 201)
        path = f"/incidents/{incident['id']}"
        await ok(await service_svc.post(f"{path}/acknowledge", headers=owner,
                                        json={"occurred_at": (opened + timedelta(minutes=10)).isoformat()}))
        await ok(await service_svc.post(f"{path}/resolve", headers=owner,
                                        json={"resolution_code": "fixed", "occurred_at": at.isoformat()}))
        ids[which] = incident["id"]

    for which, incident_id in ids.items():
        read = await ok(await service_svc.get(f"/incidents/{incident_id}", headers=viewer))
        assert read["calendar_id"] == calendar["id"]
        assert read["resolution_sla_met"] is (which == "inside")
        assert float(read["clocks"]["resolution"]["elapsed_minutes"]) == expected_minutes[which]
        history = await ok(await service_svc.get(f"/incidents/{incident_id}/history", headers=viewer))
        [resolution] = [e for e in history["items"] if e["event_type"] == "IncidentResolved"]
        assert float(resolution["data"]["business_minutes"]) == expected_minutes[which]

    async def compliance():
        response = await metrics_svc.get(f"/kpis/services/{service['id']}", params={"window": 30}, headers=viewer)
        if response.status_code == 404:  # the registration not yet read from the topic
            return None
        figure = (await ok(response))["sla_compliance_pct"]
        return figure if figure["based_on"] == 2 else None

    figure = await eventually(compliance, what="metrics-svc to project both incidents")
    assert figure["value"] == 50.0
