"""An SLA on business hours through the four services (issue #16): service-svc measures the clocks on the
service's calendar, and metrics-svc, read from the topic, follows those clocks.

- SLA compliance: two Friday-evening incidents resolved on Monday morning, one inside its business target and one
  past it, are 50 % compliant (on a 24x7 clock both would have breached: 0 %).
- MTTA/MTTR: `/kpis/services/{id}` gives both the wall-clock figures and the business ones, and says which is
  which: an incident opened Friday 17:00, acknowledged Monday 08:30 and resolved Monday 09:00 on a Mon–Fri
  08:00–18:00 calendar took 90 and 120 business minutes, 3810 and 3840 wall-clock ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4
from zoneinfo import ZoneInfo

from tests.e2e.test_story import SLA, eventually, ok

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
OFFICE = {day: [{"start": "08:00", "end": "17:00"}] for day in WEEKDAYS}


def last_friday_at(hour: int, minute: int, zone=BERLIN) -> datetime:
    """That time on the Friday of two weeks ago: the Monday after is long past, well inside a 30-day window."""
    today = datetime.now(zone).date()
    friday = today - timedelta(days=(today.weekday() - 4) % 7 + 14)
    return datetime(friday.year, friday.month, friday.day, hour, minute, tzinfo=zone)


def wall_minutes(start: datetime, end: datetime) -> Decimal:
    """Elapsed wall-clock minutes (in UTC: a weekend with a DST change is an hour longer or shorter)."""
    return Decimal((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds()) / 60


def headers(issue_token) -> tuple[dict, dict]:
    owner = {"Authorization": f"Bearer {issue_token('service_owner', 'integration', subject='carla')}"}
    viewer = {"Authorization": f"Bearer {issue_token('viewer', subject='vera')}"}
    return owner, viewer


async def service_on_calendar(service_svc, owner: dict, *, zone: str, week: dict, p3: dict) -> tuple[dict, dict]:
    """A calendar, and a service whose SLA counts P3 on it (the other priorities on 24x7)."""
    calendar = await ok(await service_svc.post("/calendars", headers=owner, json={
        "name": f"Office {uuid4().hex[:6]}", "time_zone": zone, "week": week}), 201)
    service = await ok(await service_svc.post("/services", headers=owner, json={
        "name": f"Calendar payroll {uuid4().hex[:6]}", "description": "Payroll", "demanded_by": "HR",
        "expected_volume": "1k payslips a month"}), 201)
    url = f"/services/{service['id']}"
    await ok(await service_svc.post(f"{url}/assign-owner", json={"owner": "carla"}, headers=owner))
    await ok(await service_svc.post(f"{url}/define-sla", headers=owner, json={
        **SLA, "targets": {**SLA["targets"], "P3": {**p3, "calendar_id": calendar["id"]}}}))
    return calendar, service


async def incident(service_svc, owner: dict, service: dict, *, opened: datetime, acknowledged: datetime,
                   resolved: datetime, title: str) -> str:
    created = await ok(await service_svc.post("/incidents", headers=owner, json={
        "service_id": service["id"], "priority": "P3", "category": "payroll", "title": title, "outage": False,
        "occurred_at": opened.isoformat(), "detected_at": opened.isoformat()}), 201)
    path = f"/incidents/{created['id']}"
    await ok(await service_svc.post(f"{path}/acknowledge", headers=owner,
                                    json={"occurred_at": acknowledged.isoformat()}))
    await ok(await service_svc.post(f"{path}/resolve", headers=owner,
                                    json={"resolution_code": "fixed", "occurred_at": resolved.isoformat()}))
    return created["id"]


async def projected(metrics_svc, viewer: dict, service: dict, incidents: int) -> dict:
    """The service's KPIs once metrics-svc has read every incident's resolution from the topic."""
    async def report():
        response = await metrics_svc.get(f"/kpis/services/{service['id']}", params={"window": 30}, headers=viewer)
        if response.status_code == 404:  # the registration not yet read from the topic
            return None
        body = await ok(response)
        return body if body["business_mttr_minutes"]["based_on"] == incidents else None

    return await eventually(report, what="metrics-svc to project every incident's business minutes")


def value(figure: dict) -> Decimal:
    return Decimal(figure["value"])


async def test_sla_compliance_is_judged_on_the_calendar_of_the_sla(system, issue_token):
    service_svc, metrics_svc = system["service-svc"], system["metrics-svc"]
    owner, viewer = headers(issue_token)
    calendar, service = await service_on_calendar(service_svc, owner, zone="Europe/Berlin", week=OFFICE,
                                                  p3={"response_minutes": 60, "resolution_minutes": 120})
    opened = last_friday_at(16, 30)  # 30 business minutes left on Friday
    monday = opened + timedelta(days=3)
    resolved = {"inside": monday.replace(hour=9, minute=0), "past": monday.replace(hour=10, minute=0)}
    expected_minutes = {"inside": 90, "past": 150}  # 30 on Friday, then 60 or 120 on Monday morning
    ids = {which: await incident(service_svc, owner, service, opened=opened, acknowledged=opened + timedelta(minutes=10),
                                 resolved=at, title=f"Payslips late ({which})") for which, at in resolved.items()}

    for which, incident_id in ids.items():
        read = await ok(await service_svc.get(f"/incidents/{incident_id}", headers=viewer))
        assert read["calendar_id"] == calendar["id"]
        assert read["resolution_sla_met"] is (which == "inside")
        assert float(read["clocks"]["resolution"]["elapsed_minutes"]) == expected_minutes[which]
        history = await ok(await service_svc.get(f"/incidents/{incident_id}/history", headers=viewer))
        [resolution] = [e for e in history["items"] if e["event_type"] == "IncidentResolved"]
        assert float(resolution["data"]["business_minutes"]) == expected_minutes[which]

    kpis = await projected(metrics_svc, viewer, service, incidents=2)
    assert kpis["sla_compliance_pct"] == {"value": "50", "based_on": 2}
    assert value(kpis["business_mttr_minutes"]) == 120  # (90 + 150) / 2
    assert value(kpis["mttr_minutes"]) == (wall_minutes(opened, resolved["inside"])
                                           + wall_minutes(opened, resolved["past"])) / 2  # 3900 without DST
    assert kpis["business_mtta_minutes"] == kpis["mtta_minutes"] == {"value": "10", "based_on": 2}  # in hours


async def test_business_mtta_and_mttr_beside_the_wall_clock_ones(system, issue_token):
    """Friday 17:00 to Monday 09:00 on Mon–Fri 08:00–18:00: one business hour on Friday, one on Monday."""
    service_svc, metrics_svc = system["service-svc"], system["metrics-svc"]
    owner, viewer = headers(issue_token)
    week = {day: [{"start": "08:00", "end": "18:00"}] for day in WEEKDAYS}
    _, service = await service_on_calendar(service_svc, owner, zone="UTC", week=week,
                                           p3={"response_minutes": 240, "resolution_minutes": 480})
    opened = last_friday_at(17, 0, zone=UTC)
    monday = opened + timedelta(days=3)
    await incident(service_svc, owner, service, opened=opened, acknowledged=monday.replace(hour=8, minute=30),
                   resolved=monday.replace(hour=9), title="Payslips late over the weekend")

    kpis = await projected(metrics_svc, viewer, service, incidents=1)
    assert kpis["business_mtta_minutes"] == {"value": "90", "based_on": 1}
    assert kpis["mtta_minutes"] == {"value": "3810", "based_on": 1}
    assert kpis["business_mttr_minutes"] == {"value": "120", "based_on": 1}
    assert kpis["mttr_minutes"] == {"value": "3840", "based_on": 1}
    assert kpis["sla_compliance_pct"] == {"value": "100", "based_on": 1}  # 120 of 480 business minutes

    schema = (await ok(await metrics_svc.get("/openapi.json")))["components"]["schemas"]["ServiceKpisView"]
    described = {name: schema["properties"][name].get("description", "") for name in
                 ("mtta_minutes", "mttr_minutes", "business_mtta_minutes", "business_mttr_minutes")}
    assert "wall-clock minutes" in described["mtta_minutes"] and "wall-clock minutes" in described["mttr_minutes"]
    assert all("business minutes of the SLA's calendar" in described[n]
               for n in ("business_mtta_minutes", "business_mttr_minutes"))
