"""The source mappings of `continuum import` (ServiceNow CSV, Jira Service Management JSON), the NDJSON framing
and the bodies the client sends: pure functions over small exports shaped like the real ones."""

from __future__ import annotations

import json
from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from pydantic import TypeAdapter

from continuum.importers.ndjson import FramingError, decode_results, encode_results, frame, frame_array
from continuum_dev.importers import jira, servicenow
from continuum_dev.importers.client import bodies
from continuum_dev.importers.records import Mapped
from service_svc.api.bulk import INCIDENT_LINE

SERVICENOW_CSV = """\ufeffnumber,opened_at,short_description,description,priority,state,category,subcategory,\
assignment_group,assigned_to,work_start,resolved_at,close_code,closed_at,u_outage,u_csat,caller_id
INC0010001,2025-03-03 09:14:00,VPN drops every hour,"Users in Lyon, then Paris",2 - High,Closed,network,vpn,\
Network Operations,Beth Anglin,2025-03-03 09:31:00,2025-03-03 13:02:00,Solved (Permanently),2025-03-06 13:02:00,,4,\
Abel Tuter
INC0010002,2025-03-04 22:05:00,Payroll batch stuck,,1 - Critical,Resolved,software,,Payroll Apps,,,\
2025-03-05 01:35:00,Solved (Work Around),,true,,Fred Luddy
INC0010003,2025-03-05 08:00:00,Printer jam on 3rd floor,,4 - Low,Canceled,hardware,,,,,,,,,,Bud Richman
INC0010004,2025-03-05 10:00:00,Mail quota,,9 - Unknown,New,inquiry,,,,,,,,,,Bud Richman
INC0010005,05/03/2025 10:00,Laptop slow,,3 - Moderate,In Progress,hardware,,Desktop,,,,,,,,Bud Richman
INC0010006,2025-03-06 10:00:00,Password reset loop,,3 - Moderate,Resolved,inquiry,,Service Desk,,\
2025-03-06 09:00:00,2025-03-06 11:00:00,Solved (Permanently),,,,Bud Richman
INC0010007,2025-03-07 10:00:00,Share unavailable,,3 - Moderate,Active,software,,,,,,,,,,Bud Richman
"""

JIRA_EXPORT = {
    "expand": "schema,names", "startAt": 0, "maxResults": 50, "total": 3,
    "issues": [
        {"key": "ITSM-101", "fields": {
            "summary": "Checkout returns 502", "created": "2025-03-03T09:14:00.000+0100",
            "priority": {"name": "Highest"}, "issuetype": {"name": "[System] Incident"},
            "components": [{"name": "Payments"}], "labels": ["checkout"],
            "assignee": {"displayName": "Mia Krämer"},
            "description": {"type": "doc", "content": [{"type": "paragraph", "content": [
                {"type": "text", "text": "Gateway timeouts"}]}]},
            "resolution": {"name": "Done"}, "resolutiondate": "2025-03-03T11:40:00.000+0100",
            "status": {"name": "Closed"}, "customfield_10049": {"rating": 5}},
         "changelog": {"histories": [
             {"created": "2025-03-03T09:20:00.000+0100", "items": [
                 {"field": "status", "fromString": "Waiting for support", "toString": "In Progress"}]},
             {"created": "2025-03-03T11:40:00.000+0100", "items": [
                 {"field": "status", "fromString": "In Progress", "toString": "Resolved"}]},
             {"created": "2025-03-06T11:40:00.000+0100", "items": [
                 {"field": "status", "fromString": "Resolved", "toString": "Closed"}]}]}},
        {"key": "ITSM-102", "fields": {
            "summary": "Slow search", "created": "2025-03-04T10:00:00.000+0000", "priority": {"name": "Medium"},
            "issuetype": {"name": "[System] Incident"}, "labels": ["search"], "status": {"name": "Waiting for support"},
            "resolution": None, "resolutiondate": None}},
        {"key": "ITSM-103", "fields": {
            "summary": "Unknown priority", "created": "2025-03-04T10:00:00.000+0000", "priority": {"name": "Urgent!"},
            "issuetype": {"name": "[System] Incident"}}},
    ],
}


def _valid(mapped: Mapped) -> None:
    """Every mapped line is one the import route takes."""
    for record in mapped.records:
        for line in record:
            INCIDENT_LINE.validate_python(line)


def test_servicenow_rows_map_to_incident_lines_in_the_exporting_users_time_zone():
    mapped = servicenow.read_csv(SERVICENOW_CSV, time_zone=ZoneInfo("Europe/Paris"))
    _valid(mapped)
    by_ref = {record[0]["ref"]: record for record in mapped.records}
    first = by_ref["INC0010001"]
    assert [line["command"] for line in first] == ["open", "assign", "acknowledge", "resolve", "close", "rate"]
    assert first[0]["occurred_at"] == "2025-03-03T08:14:00Z"  # 09:14 in Paris (UTC+1 in March)
    assert first[0]["priority"] == "P2" and first[0]["category"] == "network"
    assert first[1]["assignee"] == "Network Operations"
    assert first[3]["resolution_code"] == "Solved (Permanently)" and first[5]["score"] == 4
    outage = by_ref["INC0010002"]
    assert outage[0]["priority"] == "P1" and outage[0]["outage"] is True
    assert outage[-1]["command"] == "resolve" and outage[-1]["downtime_minutes"] == "210.00"
    assert [line["command"] for line in by_ref["INC0010007"]] == ["open"]  # still active: opened only
    assert "INC0010003" not in by_ref  # cancelled: nothing to import, and not an error either


def test_servicenow_rows_that_cannot_be_imported_are_named_with_their_column():
    mapped = servicenow.read_csv(SERVICENOW_CSV, time_zone=UTC)
    refused = {refusal.ref: refusal for refusal in mapped.refused}
    assert set(refused) == {"INC0010004", "INC0010005", "INC0010006"}
    assert refused["INC0010005"].column == "opened_at"  # a layout of its own (dd/MM/yyyy HH:mm): not guessed
    assert refused["INC0010004"].column == "priority" and refused["INC0010004"].row == 4
    assert refused["INC0010006"].column == "work_start"  # acknowledged before it was opened
    assert "opened_at" in refused["INC0010006"].message


def test_a_servicenow_export_without_its_key_columns_is_refused_whole():
    with pytest.raises(ValueError, match="number and opened_at"):
        servicenow.read_csv("sys_id,short_description\nabc,x\n", time_zone=UTC)


def test_servicenow_dates_outside_the_platform_calendar_are_refused():
    row = "number,opened_at,priority\nINC1,3001-01-01 00:00:00,1 - Critical\n"
    assert servicenow.read_csv(row, time_zone=UTC).refused[0].column == "opened_at"


def test_jira_issues_map_their_changelog_to_acknowledgement_and_closure():
    mapped = jira.read_json(json.dumps(JIRA_EXPORT), csat_field="customfield_10049")
    _valid(mapped)
    by_ref = {record[0]["ref"]: record for record in mapped.records}
    first = by_ref["ITSM-101"]
    assert [line["command"] for line in first] == ["open", "assign", "acknowledge", "resolve", "close", "rate"]
    assert first[0]["occurred_at"] == "2025-03-03T08:14:00Z" and first[0]["priority"] == "P1"
    assert first[0]["category"] == "Payments" and first[0]["description"] == "Gateway timeouts"
    assert first[2]["occurred_at"] == "2025-03-03T08:20:00Z"
    assert first[3]["resolution_code"] == "Done" and first[4]["occurred_at"] == "2025-03-06T10:40:00Z"
    assert first[5]["score"] == 5
    assert [line["command"] for line in by_ref["ITSM-102"]] == ["open"]
    assert by_ref["ITSM-102"][0]["category"] == "search"
    assert [(r.ref, r.column) for r in mapped.refused] == [("ITSM-103", "fields.priority.name")]


def test_a_jira_export_may_be_a_bare_list_of_issues():
    mapped = jira.read_json(json.dumps(JIRA_EXPORT["issues"][:2]))
    assert len(mapped.records) == 2 and not mapped.refused


LINE = TypeAdapter(dict)


def test_framing_numbers_every_line_and_refuses_the_bad_ones_alone():
    body = b'{"a": 1}\n\nnot json\n[1]\n{"text": "nul \\u0000 here"}\n'
    framed = frame(body, LINE)
    assert [number for number, _ in framed.lines] == [1]
    problems = {result.line: result.problem for result in framed.refused}
    assert problems[3]["status"] == 400 and problems[3]["line"] == 3
    assert problems[4]["status"] == 422
    assert problems[5]["errors"][0]["field"] == "text"
    with pytest.raises(FramingError):
        frame(b"\n".join([b"{}"] * 30), LINE, max_lines=10)
    with pytest.raises(FramingError):
        frame_array(b'{"not": "an array"}', LINE)


def test_results_go_back_in_line_order_with_a_summary():
    framed = frame(b'{"a": 1}\nnope\n', LINE)
    results, counts = decode_results(encode_results(framed.refused))
    assert results[0]["line"] == 2 and counts == {"accepted": 0, "already_imported": 0, "rejected": 1}


def test_the_client_keeps_each_record_in_one_body_under_the_limit():
    records = [[{"ref": f"R{n}", "command": "open", "pad": "x" * 200}, {"ref": f"R{n}", "command": "close"}]
               for n in range(50)]
    sent = list(bodies(Mapped(records=records), limit=2_000))
    assert sum(lines for _, lines in sent) == 100
    for body, lines in sent:
        assert len(body) <= 2_000
        refs = [json.loads(line)["ref"] for line in body.decode().splitlines()]
        assert len(refs) == lines and all(refs.count(ref) == 2 for ref in refs)
