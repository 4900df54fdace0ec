"""The improvement loop of metrics-svc on real Kafka and PostgreSQL: histories of incidents imported in bulk as
CloudEvents, opportunities and verdicts read over HTTP and from the metrics topic.

Each test's app starts its consumer group at the end of the topics (`from_end`), so business time — the service
topic's watermark — is the test's own. A business day is judged only once events later than its end (plus the
6 hours' grace) have arrived; the histories start on a Monday far in the past, so the wall clock never counts.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from continuum.contracts import handover as ho
from continuum.contracts import metrics as mc
from continuum.contracts import project as pr
from tests.integration.metrics_svc.conftest import eventually
from tests.integration.metrics_svc.loop_history import (
    DAY,
    CALM,
    History,
    history,
    in_business_time_order,
    monday_before,
    opened,
    rise,
    shifted,
    steady,
)
from tests.support.kafka import read_topic

START = monday_before(datetime.now(UTC), 400)
RISE_DAY = 60  # every history below: calm for 60 days, then what the test is about


@pytest.fixture
def reader(issue_token) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token('viewer')}"}


@pytest.fixture
def owner(issue_token) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token('service_owner', subject='olivia')}"}


async def listed(client, headers, service_id: UUID) -> list[dict]:
    return (await client.get("/opportunities", params={"service_id": str(service_id)}, headers=headers)).json()["items"]


async def one_for(client, headers, service_id: UUID, **expected) -> dict | None:
    items = await listed(client, headers, service_id)
    return items[0] if items and all(items[0][k] == v for k, v in expected.items()) else None


async def view(client, headers, opportunity_id) -> dict:
    return (await client.get(f"/opportunities/{opportunity_id}", headers=headers)).json()


async def judged_until(client, headers, control: History, day: int, *, app) -> None:
    """Wait until metrics-svc has projected the control service's incidents of the days before `day`."""
    expected = len(control.between(day - 30, day))

    async def counted() -> bool:
        body = (await client.get(f"/kpis/services/{control.service_id}", headers=headers,
                                 params={"window": 30, "as_of": control.day(day).isoformat()})).json()
        return body.get("incident_count", {}).get("based_on") == expected

    await eventually(counted, app=app)


async def on_metrics_topic(kafka_settings, contract, service_id: UUID, settle_s: float = 1.0) -> list[dict]:
    messages = await read_topic(kafka_settings.bootstrap_servers, contract.topic(), settle_s=settle_s)
    found = [json.loads(m.value) for m in messages if m.headers.get("ce_type") == contract.ce_type()]
    return [f for f in found if f["service_id"] == str(service_id)]


async def test_a_sustained_rise_in_one_category_is_found_once_business_time_has_passed_its_day(
    metrics_app, publish, reader, kafka_settings
):
    """Service A's history, read through: the rise in `db` is found a few days after it began, with its evidence.
    Service B has the very same history 14 weeks later, imported up to an hour before the day end A's opportunity
    was found at: nothing yet — until its later incidents move business time past that day end (and the grace);
    then B gets the same finding at the same day end (a verdict depends only on the facts before it)."""
    rates = steady(**rise("db", from_day=RISE_DAY, to=3.5))
    a = history(START, RISE_DAY + 12, rates, seed=1)
    async with metrics_app(from_end=True) as app:
        client = app.state.test_client
        await publish.many(opened(a.incidents))
        found = await eventually(lambda: one_for(client, reader, a.service_id), app=app)
        assert found["rule"] == "recurring_incidents" and found["category"] == "db" and found["state"] == "open"
        detected_at = datetime.fromisoformat(found["detected_at"])
        assert a.day(RISE_DAY + 2) <= detected_at <= a.day(RISE_DAY + 10)
        assert detected_at.time() == datetime.min.time()  # judged at a day end

        evidence = (await view(client, reader, found["id"]))["evidence"]
        assert evidence["category"] == "db" and "Poisson" in evidence["test"]
        assert evidence["p_value"] < evidence["alpha"] <= 1e-3 / 26
        assert evidence["observed"] >= 2 * evidence["expected"] > 0
        shift = date.fromisoformat(evidence["shift_start"])
        assert a.day(RISE_DAY - 7).date() <= shift <= a.day(RISE_DAY + 3).date()
        rising = [i for i in a.between(RISE_DAY - 7, RISE_DAY + 12) if i.category == "db"]
        assert evidence["incident_ids"] and set(evidence["incident_ids"]) <= {str(i.incident_id) for i in rising}

        weeks = timedelta(weeks=14)
        b = shifted(a, weeks)
        b_end = detected_at + weeks
        held_back = b_end - timedelta(hours=1)
        await publish.many(opened(i for i in b.incidents if i.opened_at < held_back))
        await judged_until(client, reader, b, (b_end - b.start).days, app=app)
        await asyncio.sleep(1)
        assert await listed(client, reader, b.service_id) == []  # its facts are in, but its last day is not over

        await publish.many(opened(i for i in b.incidents if i.opened_at >= held_back))  # the next days come in
        again = await eventually(lambda: one_for(client, reader, b.service_id), app=app)
        assert datetime.fromisoformat(again["detected_at"]) == b_end and again["category"] == "db"
        evidence_b = (await view(client, reader, again["id"]))["evidence"]
        for key in ("observed", "expected", "p_value", "window_days"):
            assert evidence_b[key] == evidence[key], key
        assert date.fromisoformat(evidence_b["shift_start"]) == shift + weeks

    detected = await on_metrics_topic(kafka_settings, mc.ImprovementOpportunityDetectedV1, a.service_id)
    assert [d["opportunity_id"] for d in detected] == [found["id"]]
    assert detected[0]["category"] == "db" and detected[0]["evidence"]["incident_ids"] == evidence["incident_ids"]
