"""SLA calendars over HTTP on the real stack: calendars, holidays (JSON, iCalendar, generated), SLAs counting
business minutes per priority, the watcher's breach at the business deadline on Kafka, deletion refused in use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.service_svc.seed import SLA, new_service
from tests.integration.service_svc.test_watcher_and_consumer import breaches, eventually
from tests.support.apps import serving
from tests.support.kafka import read_topic

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
OFFICE = {day: [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
          for day in WEEKDAYS[:5]}
ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//continuum tests//EN\r\n"
       "BEGIN:VEVENT\r\nUID:xmas\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\n"
       "SUMMARY:Christmas\r\nEND:VEVENT\r\n"
       "BEGIN:VEVENT\r\nUID:eve\r\nDTSTART;VALUE=DATE:20261231\r\nSUMMARY:New Year's Eve\r\nEND:VEVENT\r\n"
       "END:VCALENDAR\r\n")


async def new_calendar(client, headers, **overrides) -> dict:
    body = {"name": "Berlin office hours", "time_zone": "Europe/Berlin", "week": OFFICE, **overrides}
    response = await client.post("/calendars", json=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.headers["location"].endswith(response.json()["id"])
    return response.json()


def fields(response) -> list[str]:
    assert response.status_code == 422, response.text
    return [error["field"] for error in response.json()["errors"]]


async def test_a_calendar_is_created_revised_and_read_as_of(client, owner, tokens):
    calendar = await new_calendar(client, owner, holidays=[{"first_day": "2026-05-01", "name": "Labour Day"}])
    url = f"/calendars/{calendar['id']}"
    assert calendar["owner"] == "alice" and calendar["current"]["week"]["monday"][1] == {"start": "13:00",
                                                                                       "end": "17:00"}
    assert calendar["current"]["holidays"] == [{"first_day": "2026-05-01", "last_day": "2026-05-01",
                                                "name": "Labour Day"}]
    created_at = datetime.now(UTC)
    revised = await client.post(f"{url}/revise", json={"time_zone": "America/New_York", "week": OFFICE,
                                                      "reason": "the team moved"}, headers=owner)
    assert revised.status_code == 200, revised.text
    assert [r["revision"] for r in revised.json()["revisions"]] == [1, 2]
    other = await client.post(f"{url}/revise", json={"time_zone": "UTC", "week": OFFICE, "reason": "mine now"},
                              headers=tokens("service_owner", subject="mallory"))
    assert other.status_code == 403 and other.json()["rule"] == "decided-by-the-calendars-owner"
    back_then = (await client.get(url, params={"as_of": created_at.isoformat()}, headers=owner)).json()
    assert back_then["current"]["time_zone"] == "Europe/Berlin"
    listed = (await client.get("/calendars", params={"owner": "alice", "time_zone": "America/New_York"},
                               headers=owner)).json()
    assert calendar["id"] in [item["id"] for item in listed["items"]]
    history = (await client.get(f"{url}/history", headers=owner)).json()
    assert [item["event_type"] for item in history["items"]] == ["CalendarCreated", "CalendarRevised"]
    built_in = (await client.get("/calendars/24x7", headers=owner)).json()
    assert built_in["current"]["week"]["sunday"] == [{"start": "00:00", "end": "24:00"}]


async def test_bad_calendars_are_422_naming_the_field_and_store_nothing(client, owner):
    def body(**overrides):
        return {"name": "x", "time_zone": "Europe/Berlin", "week": OFFICE, **overrides}

    assert fields(await client.post("/calendars", json=body(time_zone="Europe/Atlantis"), headers=owner)) == [
        "body.time_zone"]
    overlapping = {"monday": [{"start": "08:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]}
    assert fields(await client.post("/calendars", json=body(week=overlapping), headers=owner)) == ["body.week.monday"]
    inverted = {"tuesday": [{"start": "17:00", "end": "08:00"}]}
    assert fields(await client.post("/calendars", json=body(week=inverted), headers=owner)) == [
        "body.week.tuesday.0"]
    assert fields(await client.post("/calendars", json=body(week={}), headers=owner)) == ["body.week"]
    assert fields(await client.post("/calendars", json=body(week={"monday": [{"start": "08:00", "end": "25:00"}]}),
                                    headers=owner)) == ["body.week.monday.0.end"]
    out_of_calendar = [{"first_day": "3000-01-01"}]
    assert fields(await client.post("/calendars", json=body(holidays=out_of_calendar), headers=owner)) == [
        "body.holidays.0.first_day"]
    inverted_range = [{"first_day": "2026-12-26", "last_day": "2026-12-24"}]
    assert fields(await client.post("/calendars", json=body(holidays=inverted_range), headers=owner)) == [
        "body.holidays.0"]
    assert (await client.get("/calendars", params={"owner": "alice", "time_zone": "Europe/Atlantis"},
                             headers=owner)).json()["items"] == []


async def test_holidays_from_json_an_icalendar_file_and_the_holidays_package(client, owner):
    calendar = await new_calendar(client, owner)
    url = f"/calendars/{calendar['id']}/holidays"
    added = await client.post(url, json={"holidays": [{"first_day": "2026-10-03", "name": "Unity Day"}]},
                              headers=owner)
    assert added.status_code == 200 and added.json()["added"] == 1
    imported = await client.post(f"{url}/ical", content=ICS, headers={**owner, "Content-Type": "text/calendar"})
    assert imported.status_code == 200, imported.text
    holidays = imported.json()["calendar"]["current"]["holidays"]
    assert {"first_day": "2026-12-24", "last_day": "2026-12-26", "name": "Christmas"} in holidays
    assert {"first_day": "2026-12-31", "last_day": "2026-12-31", "name": "New Year's Eve"} in holidays
    broken = await client.post(f"{url}/ical", content="BEGIN:VCALENDAR\r\nnot a line\r\n",
                               headers={**owner, "Content-Type": "text/calendar"})
    assert fields(broken) == ["body"]
    wrong_type = await client.post(f"{url}/ical", content=ICS, headers={**owner, "Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    generated = await client.post(f"{url}/generate", json={"country": "DE", "subdivision": "BE", "years": [2027]},
                                  headers=owner)
    assert generated.status_code == 200, generated.text
    assert generated.json()["added"] >= 9
    assert {"first_day": "2027-03-26", "last_day": "2027-03-26", "name": "Good Friday"} in (
        generated.json()["calendar"]["current"]["holidays"])
    assert fields(await client.post(f"{url}/generate", json={"country": "ZZ", "years": [2027]},
                                    headers=owner)) == ["body.country"]
    assert fields(await client.post(f"{url}/generate", json={"country": "DE", "years": [3000]},
                                    headers=owner)) == ["body.years.0"]
    again = await client.post(f"{url}/generate", json={"country": "DE", "subdivision": "BE", "years": [2027]},
                              headers=owner)
    assert again.status_code == 409 and again.json()["rule"] == "holidays-new"


async def test_an_sla_counts_business_minutes_on_its_calendar_and_the_watcher_breaches_at_the_business_deadline(
        make_app, owner, agent, importer, kafka_settings, spec):
    day0 = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)
    first_hour = {day: [{"start": "00:00", "end": "01:00"}] for day in WEEKDAYS}
    async with serving(make_app()) as client:
        calendar = await new_calendar(client, owner, name="First hour of the day", time_zone="UTC", week=first_hour)
        service = await new_service(client, owner)
        sla = {**SLA, "targets": {**SLA["targets"], "P3": {"response_minutes": 90, "resolution_minutes": 600,
                                                           "calendar_id": calendar["id"]}}}
        unknown = {**SLA, "targets": {**SLA["targets"], "P3": {**sla["targets"]["P3"],
                                                               "calendar_id": "00000000-0000-4000-8000-000000000000"}}}
        assert fields(await client.post(f"/services/{service['id']}/define-sla", json=unknown, headers=owner)) == [
            "body.targets.P3.calendar_id"]
        defined = await client.post(f"/services/{service['id']}/define-sla", json=sla, headers=owner)
        assert defined.json()["sla"]["targets"]["P3"]["calendar_id"] == calendar["id"]
        assert defined.json()["sla"]["targets"]["P2"]["calendar_id"] == "24x7"
        opened = await client.post("/incidents", json={
            "service_id": service["id"], "priority": "P3", "category": "batch", "title": "Night run late",
            "outage": False, "occurred_at": (day0 + timedelta(minutes=10)).isoformat()}, headers=importer)
        assert opened.status_code == 201, opened.text
        incident = opened.json()
        assert incident["calendar_id"] == calendar["id"]

        async def breached() -> bool:
            return len(await breaches(client, agent, incident["id"])) == 1

        await eventually(breached)
        read = (await client.get(f"/incidents/{incident['id']}", headers=agent)).json()
        before_revision = (await client.get(f"/incidents/{incident['id']}/history", headers=agent)).json()
        revised = await client.post(f"/calendars/{calendar['id']}/revise", json={
            "time_zone": "UTC", "week": {day: [{"start": "00:00", "end": "02:00"}] for day in first_hour},
            "reason": "two hours"}, headers=owner)
        assert revised.status_code == 200, revised.text
        after_revision = (await client.get(f"/incidents/{incident['id']}", headers=agent)).json()
        history = (await client.get(f"/incidents/{incident['id']}/history", headers=agent)).json()
        service_history = (await client.get(f"/services/{service['id']}/history", headers=agent)).json()
        opened_after = (await client.post("/incidents", json={
            "service_id": service["id"], "priority": "P3", "category": "batch", "title": "Another",
            "outage": False}, headers=agent)).json()
        its_history = (await client.get(f"/incidents/{opened_after['id']}/history", headers=agent)).json()
        in_use = await client.post(f"/calendars/{calendar['id']}/delete", json={"reason": "gone"}, headers=owner)
    # 50 business minutes on day 0 (00:10–01:00), 40 on day 1: the response target passes at day 1, 00:40
    expected = day0 + timedelta(days=1, minutes=40)
    response = read["clocks"]["response"]
    assert response["breached"] and response["target_minutes"] == 90 and float(response["elapsed_minutes"]) >= 90
    resolution = read["clocks"]["resolution"]
    assert float(resolution["elapsed_minutes"]) <= 4 * 60  # four working hours at most, not three days
    assert float(resolution["remaining_minutes"]) == 600 - float(resolution["elapsed_minutes"])
    assert resolution["within_calendar_hours"] == (datetime.now(UTC).hour == 0)
    [recorded] = [item for item in before_revision["items"] if item["event_type"] == "IncidentResponseSlaBreached"]
    assert datetime.fromisoformat(recorded["data"]["breached_at"]) == expected
    assert datetime.fromisoformat(recorded["occurred_at"]) == expected
    applied = [item for item in history["items"] if item["event_type"] == "IncidentSlaApplied"]
    assert len(applied) == 2 and [r["revision"] for r in applied[-1]["data"]["calendar"]] == [2]
    assert float(after_revision["clocks"]["resolution"]["elapsed_minutes"]) >= float(resolution["elapsed_minutes"])
    assert [(e["event_type"], e["data"].get("calendar_revision")) for e in service_history["items"]][-1] == (
        "SlaCalendarRevised", 2)
    [applied_after] = [e for e in its_history["items"] if e["event_type"] == "IncidentSlaApplied"]
    assert [r["revision"] for r in applied_after["data"]["calendar"]] == [2]  # a copy of revision 1 is not used
    assert in_use.status_code == 409 and in_use.json()["rule"] == "calendar-not-in-use"
    assert service["id"] in in_use.json()["detail"]

    def the_breach(messages):
        return [m for m in messages if m.headers.get("ce_subject") == incident["id"]
                and m.headers["ce_type"].endswith(".IncidentResponseSlaBreached.v1")]

    messages = await read_topic(kafka_settings.bootstrap_servers, spec.topic, until=lambda ms: bool(the_breach(ms)))
    assert datetime.fromisoformat(the_breach(messages)[0].headers["ce_time"]) == expected


async def test_a_calendar_no_sla_counts_on_any_more_can_be_deleted(client, owner):
    calendar = await new_calendar(client, owner)
    service = await new_service(client, owner)
    on_calendar = {**SLA, "targets": {p: {**t, "calendar_id": calendar["id"]} for p, t in SLA["targets"].items()}}
    assert (await client.post(f"/services/{service['id']}/define-sla", json=on_calendar,
                              headers=owner)).status_code == 200
    url = f"/calendars/{calendar['id']}"
    assert (await client.post(f"{url}/delete", json={"reason": "x"}, headers=owner)).status_code == 409
    assert (await client.post(f"/services/{service['id']}/define-sla", json=SLA, headers=owner)).status_code == 200
    deleted = await client.post(f"{url}/delete", json={"reason": "office closed"}, headers=owner)
    assert deleted.status_code == 200 and deleted.json()["deleted"]
    refused = await client.post(f"/services/{service['id']}/define-sla", json=on_calendar, headers=owner)
    assert fields(refused) == [f"body.targets.{p}.calendar_id" for p in ("P1", "P2", "P3", "P4")]


async def test_an_sla_moved_onto_a_calendar_mid_incident_keeps_the_minutes_counted(client, owner, agent, importer):
    now = datetime.now(UTC)
    workday = (now + timedelta(days=3)).date()  # the calendar's only working day: neither today nor tomorrow
    calendar = await new_calendar(client, owner, time_zone="UTC",
                                  week={WEEKDAYS[workday.weekday()]: [{"start": "09:00", "end": "17:00"}]})
    service = await new_service(client, owner)
    incident = (await client.post("/incidents", headers=importer, json={
        "service_id": service["id"], "priority": "P3", "category": "batch", "title": "Slow reports",
        "outage": False, "occurred_at": (now - timedelta(minutes=120)).isoformat()})).json()
    assert float(incident["clocks"]["resolution"]["elapsed_minutes"]) >= 120  # 24x7 so far: wall-clock minutes
    moved = {**SLA, "targets": {**SLA["targets"], "P3": {**SLA["targets"]["P3"], "calendar_id": calendar["id"]}}}
    assert (await client.post(f"/services/{service['id']}/define-sla", json=moved, headers=owner)).status_code == 200
    read = (await client.get(f"/incidents/{incident['id']}", headers=agent)).json()
    resolution = read["clocks"]["resolution"]
    assert read["calendar_id"] == calendar["id"] and not resolution["within_calendar_hours"]
    counted = float(resolution["elapsed_minutes"])
    assert 120 <= counted < 122  # kept, and nothing added outside the calendar's hours
    start = datetime.combine(workday, datetime.min.time(), UTC) + timedelta(hours=9)
    due = datetime.fromisoformat(resolution["due_at"])
    assert abs((due - (start + timedelta(minutes=480 - counted))).total_seconds()) < 1


async def test_incidents_opened_while_their_calendar_is_revised_all_count_on_the_revision(client, owner, agent):
    """Openings racing a revision: each either commits first and is recounted, or reads the revision. Either way it
    counts on revision 2 from the revision's start; one stamped before that start counts on revision 1 until then."""
    import asyncio

    calendar = await new_calendar(client, owner, time_zone="UTC")
    service = await new_service(client, owner)
    on_calendar = {**SLA, "targets": {p: {**t, "calendar_id": calendar["id"]} for p, t in SLA["targets"].items()}}
    assert (await client.post(f"/services/{service['id']}/define-sla", json=on_calendar,
                              headers=owner)).status_code == 200
    body = {"service_id": service["id"], "priority": "P3", "category": "batch", "title": "Race", "outage": False}
    revision = {"time_zone": "UTC", "week": {day: [{"start": "06:00", "end": "22:00"}] for day in WEEKDAYS},
                "reason": "longer hours"}
    opens = [client.post("/incidents", json=body, headers=agent) for _ in range(12)]
    revise = client.post(f"/calendars/{calendar['id']}/revise", json=revision, headers=owner)
    answers = await asyncio.gather(*opens[:6], revise, *opens[6:])
    assert all(answer.status_code in (200, 201) for answer in answers), [a.text for a in answers if a.is_error]
    for opened in (answer.json() for answer in answers if answer.status_code == 201):
        history = (await client.get(f"/incidents/{opened['id']}/history", headers=agent)).json()["items"]
        applied = [item for item in history if item["event_type"] == "IncidentSlaApplied"][-1]["data"]
        revised = next(r for r in applied["calendar"] if r["revision"] == 2)
        before = datetime.fromisoformat(applied["applied_at"]) < datetime.fromisoformat(revised["effective_from"])
        assert [r["revision"] for r in applied["calendar"]] == ([1, 2] if before else [2]), opened["id"]
