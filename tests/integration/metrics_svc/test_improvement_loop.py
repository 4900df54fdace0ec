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
from continuum.contracts import service as sv
from tests.integration.metrics_svc.conftest import eventually
from tests.integration.metrics_svc.loop_history import (
    DAY,
    CALM,
    History,
    history,
    in_business_time_order,
    monday_before,
    opened,
    probe,
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


async def on_metrics_topic(kafka_settings, contract, service_id: UUID, settle_s: float = 1.0,
                           expect: int = 0) -> list[dict]:
    """The `contract` events of the service on the metrics topic, once at least `expect` of them arrived."""
    def of_service(messages) -> list[dict]:
        found = [json.loads(m.value) for m in messages if m.headers.get("ce_type") == contract.ce_type()]
        return [f for f in found if f["service_id"] == str(service_id)]

    messages = await read_topic(kafka_settings.bootstrap_servers, contract.topic(), settle_s=settle_s,
                                until=lambda messages: len(of_service(messages)) >= expect)
    return of_service(messages)


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
        assert evidence["p_value"] < evidence["alpha"] <= 1e-3  # the level the test was held to
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


async def test_a_one_day_burst_is_an_incident_not_an_opportunity(metrics_app, publish, reader):
    """Fifteen `network` incidents in one day after two calm months; a service with a real rise, imported
    alongside, shows the days after the burst were judged."""
    burst = history(START, RISE_DAY + 20, lambda day: CALM | ({"network": 15.0} if day == RISE_DAY + 2 else {}),
                    seed=2)
    control = history(START, RISE_DAY + 20, steady(**rise("db", from_day=RISE_DAY, to=3.5)), seed=3)
    async with metrics_app(from_end=True) as app:
        client = app.state.test_client
        await publish.many(opened(in_business_time_order(burst.incidents, control.incidents)))
        found = await eventually(lambda: one_for(client, reader, control.service_id), app=app)
        await judged_until(client, reader, burst, RISE_DAY + 20, app=app)
        assert datetime.fromisoformat(found["detected_at"]) > burst.day(RISE_DAY + 3)
        await asyncio.sleep(1)
        assert len(burst.between(RISE_DAY + 2, RISE_DAY + 3)) >= 10
        assert await listed(client, reader, burst.service_id) == []


async def propose(publish, opportunity_id: str, service_id: UUID, at: datetime) -> UUID:
    project_id = uuid4()
    await publish(pr.ProjectProposedV1(project_id=project_id, title="Stabilise", problem_statement="db incidents",
                                       business_case="fewer incidents", origin="improvement_opportunity",
                                       opportunity_id=UUID(opportunity_id), target_service_ids=[service_id]),
                  at=at, subject=project_id)
    return project_id


async def approve_charter(publish, project_id: UUID, at: datetime) -> None:
    await publish(pr.CharterApprovedV1(project_id=project_id, goal="fewer db incidents", scope_statement="db",
                                       budget_at_completion=Decimal(1000), planned_start=at.date(),
                                       planned_end=(at + DAY * 7).date(), sponsor="sam"), at=at, subject=project_id)


async def accept_handover(publish, project_id: UUID, service_id: UUID, at: datetime) -> UUID:
    handover_id = uuid4()
    await publish(ho.HandoverAcceptedV1(handover_id=handover_id, service_id=service_id, project_id=project_id,
                                        accepted_by="olivia", accepted_at=at, readiness_score=Decimal(1),
                                        early_life_support_days=14), at=at, subject=handover_id)
    return handover_id


async def state_of(client, headers, opportunity_id: str, state: str) -> dict | None:
    body = await view(client, headers, opportunity_id)
    return body if body["state"] == state else None


async def history_of(client, headers, opportunity_id: str) -> list[str]:
    items = (await client.get(f"/opportunities/{opportunity_id}/history", headers=headers)).json()["items"]
    return [item["event_type"] for item in items]


async def test_conversion_waits_for_the_charter_and_a_converted_opportunity_can_still_be_dismissed(
    metrics_app, publish, reader, owner, kafka_settings, issue_token
):
    rates = steady(**rise("db", from_day=RISE_DAY, to=3.5))
    dismissed, cancelled = history(START, RISE_DAY + 12, rates, seed=1), history(START, RISE_DAY + 12, rates, seed=7)
    async with metrics_app(from_end=True) as app:
        client = app.state.test_client
        await publish.many(opened(in_business_time_order(dismissed.incidents, cancelled.incidents)))
        first = await eventually(lambda: one_for(client, reader, dismissed.service_id), app=app)
        second = await eventually(lambda: one_for(client, reader, cancelled.service_id), app=app)
        at = dismissed.day(RISE_DAY + 12)
        project = await propose(publish, first["id"], dismissed.service_id, at)
        other = await propose(publish, second["id"], cancelled.service_id, at)
        await publish(pr.ProjectCancelledV1(project_id=other, reason="not now"), at=at + DAY, subject=other)
        abandoned = await eventually(lambda: state_of(client, reader, second["id"], "abandoned"), app=app)
        assert abandoned["abandonment_reason"] == "not now"  # an open one: its proposal was cancelled
        assert (await view(client, reader, first["id"]))["state"] == "open"  # proposed is not converted
        assert (await view(client, reader, first["id"]))["project_id"] is None

        await approve_charter(publish, project, at + DAY * 2)
        converted = await eventually(lambda: state_of(client, reader, first["id"], "converted"), app=app)
        assert converted["project_id"] == str(project)

        url = f"/opportunities/{first['id']}/dismiss"
        assert (await client.post(url, json={"reason": "seasonal"}, headers=reader)).status_code == 403
        refused = await client.post(url, json={"reason": "seasonal"}, headers=owner)
        assert refused.status_code == 403 and refused.json()["rule"] == "dismissed-by-the-services-owner"
        await publish(sv.ServiceOwnerAssignedV1(service_id=dismissed.service_id, owner="olivia"), at=at + DAY * 2,
                      subject=dismissed.service_id)
        await eventually(lambda: _owner_known(app, dismissed.service_id), app=app)
        mallory = {"Authorization": f"Bearer {issue_token('service_owner', subject='mallory')}"}
        refused = await client.post(url, json={"reason": "seasonal"}, headers=mallory)
        assert refused.status_code == 403 and refused.json()["rule"] == "dismissed-by-the-services-owner"
        answer = await client.post(url, json={"reason": "a known seasonal peak"}, headers=owner)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["state"] == "dismissed" and body["dismissal_reason"] == "a known seasonal peak"
        assert body["closed_at"] is not None
        again = await client.post(url, json={"reason": "again"}, headers=owner)
        assert again.status_code == 409 and again.json()["rule"] == "only-open-or-converted-opportunities-can-be-dismissed"
        assert await history_of(client, reader, first["id"]) == [
            "ImprovementOpportunityDetected", "ImprovementOpportunityConverted", "ImprovementOpportunityDismissed"]
        # read while the app (and its relay) still runs: the relay publishes a moment after the answer
        published = await on_metrics_topic(kafka_settings, mc.ImprovementOpportunityDismissedV1,
                                           dismissed.service_id, expect=1)
    assert [(m["opportunity_id"], m["dismissed_by"]) for m in published] == [(first["id"], "olivia")]


async def test_an_open_opportunity_lapses_when_its_signal_clears(metrics_app, publish, reader, kafka_settings):
    """A week of `db` incidents at four times their rate, then calm again, and no project chartered."""
    fading = history(START, RISE_DAY + 50, steady(**rise("db", from_day=RISE_DAY, to=4.0, until_day=RISE_DAY + 7)),
                     seed=3)
    async with metrics_app(from_end=True) as app:
        client = app.state.test_client
        await publish.many(opened(fading.between(0, RISE_DAY + 10)))
        found = await eventually(lambda: one_for(client, reader, fading.service_id), app=app)
        detected_at = datetime.fromisoformat(found["detected_at"])
        await publish.many(opened(fading.between(RISE_DAY + 10, RISE_DAY + 50)))
        lapsed = await eventually(lambda: state_of(client, reader, found["id"], "lapsed"), app=app)
    closed_at = datetime.fromisoformat(lapsed["closed_at"])
    assert detected_at + DAY * 14 <= closed_at <= fading.day(RISE_DAY + 40)
    assert await history_of_kafka(kafka_settings, fading.service_id) == [found["id"]]


async def history_of_kafka(kafka_settings, service_id: UUID) -> list[str]:
    lapsed = await on_metrics_topic(kafka_settings, mc.ImprovementOpportunityLapsedV1, service_id)
    assert all(m["rule"] == "recurring_incidents" and m["category"] == "db" for m in lapsed)
    return [m["opportunity_id"] for m in lapsed]


async def verdicts(kafka_settings, service_id: UUID) -> list[dict]:
    found = []
    for contract in (mc.BenefitsRealizedV1, mc.BenefitsNotRealizedV1, mc.BenefitsInconclusiveV1):
        found += [{"type": contract.__name__} | m
                  for m in await on_metrics_topic(kafka_settings, contract, service_id, settle_s=0.5)]
    return found


async def test_benefits_are_judged_only_after_28_days_of_business_time_past_the_acceptance(
    metrics_app, publish, reader, kafka_settings
):
    """Two services regress in `db`; each one's project is chartered and handed over on day 80. Afterwards one
    returns to its calm rate, the other stays regressed. The periodic check runs every half second, the wall
    clock is a year past all of it: no verdict until business time is 28 days past the acceptance."""
    fall = history(START, RISE_DAY + 52, steady(db=lambda day: 1.0 if day < RISE_DAY or day > 80 else 3.5), seed=1)
    stay = history(START, RISE_DAY + 52, steady(**rise("db", from_day=RISE_DAY, to=3.5)), seed=3)
    both = (fall, stay)
    async with metrics_app(check_interval_s=0.5, from_end=True) as app:
        client = app.state.test_client
        await publish.many(opened(in_business_time_order(*(h.between(0, RISE_DAY + 12) for h in both))))
        found = [await eventually(lambda h=h: one_for(client, reader, h.service_id), app=app) for h in both]
        projects = [await propose(publish, f["id"], h.service_id, h.day(RISE_DAY + 12)) for f, h in zip(found, both)]
        accepted_at = fall.day(80, 12)
        # the second project's acceptance is read before its charter (another topic: nothing orders them); the
        # charter then finds it, and its measurement is scheduled all the same
        handover = await accept_handover(publish, projects[1], stay.service_id, accepted_at)

        async def handover_read() -> bool:
            return (await client.get(f"/kpis/handovers/{handover}", headers=reader)).status_code == 200

        await eventually(handover_read, app=app)
        for project in projects:
            await approve_charter(publish, project, fall.day(RISE_DAY + 12, 1))
        await eventually(lambda: state_of(client, reader, found[0]["id"], "converted"), app=app)
        await eventually(lambda: state_of(client, reader, found[1]["id"], "measuring"), app=app)
        await publish.many(opened(in_business_time_order(*(h.between(RISE_DAY + 12, 81) for h in both))))
        await accept_handover(publish, projects[0], fall.service_id, accepted_at)
        for f in found:
            await eventually(lambda f=f: state_of(client, reader, f["id"], "measuring"), app=app)

        await asyncio.sleep(2)  # periodic checks on the clock: nothing to judge yet
        await publish.many(opened(in_business_time_order(*(h.between(81, 108) for h in both))))
        await judged_until(client, reader, stay, 108, app=app)
        await asyncio.sleep(2)
        for f, h in zip(found, both):
            assert (await view(client, reader, f["id"]))["state"] == "measuring"
            assert await verdicts(kafka_settings, h.service_id) == []

        await publish.many(opened(in_business_time_order(*(h.between(108, RISE_DAY + 52) for h in both))))
        realized = await eventually(lambda: state_of(client, reader, found[0]["id"], "benefits_realized"), app=app)
        not_realized = await eventually(lambda: state_of(client, reader, found[1]["id"], "benefits_not_realized"),
                                        app=app)
        for h in both:
            await eventually(lambda h=h: verdicts(kafka_settings, h.service_id), app=app)
    for body in (realized, not_realized):
        assert body["effect"]["category"] == "db" and len(body["effect"]["ratio_to_regressed_interval"]) == 2
        assert body["effect"]["post_days"] >= 28
    assert realized["effect"]["gap_closed_pct"] >= 50 and realized["effect"]["ratio_to_regressed_interval"][1] < 1
    assert not_realized["effect"]["measured_rate"] > 2 * not_realized["effect"]["baseline_rate"]
    for h, expected in zip(both, ("BenefitsRealizedV1", "BenefitsNotRealizedV1")):
        published = await verdicts(kafka_settings, h.service_id)
        assert [m["type"] for m in published] == [expected] and published[0]["window_days"] >= 28


async def test_a_service_that_falls_silent_after_its_fix_is_judged_on_the_topics_business_time(
    metrics_app, publish, reader, kafka_settings
):
    """A service regresses in `db`, its project is handed over on day 80, and it has no incident at all afterwards;
    another service's incidents carry business time on. The quiet service's incidents arrived in step with the
    topic, so its silence is silence: the verdict is recorded at the first look, 28 days after the acceptance,
    without waiting for an incident of its own that never comes (it used to stay `measuring`)."""
    fix = 80
    silent = history(START, fix + 1, steady(**rise("db", from_day=RISE_DAY, to=3.5)), seed=1)
    clock = history(START, RISE_DAY + 52, steady(), seed=5)
    async with metrics_app(check_interval_s=0.5, from_end=True) as app:
        client = app.state.test_client
        await publish.many(opened(in_business_time_order(silent.between(0, RISE_DAY + 12),
                                                         clock.between(0, RISE_DAY + 12))))
        found = await eventually(lambda: one_for(client, reader, silent.service_id), app=app)
        project = await propose(publish, found["id"], silent.service_id, silent.day(RISE_DAY + 12))
        await approve_charter(publish, project, silent.day(RISE_DAY + 12, 1))
        await eventually(lambda: state_of(client, reader, found["id"], "converted"), app=app)
        await publish.many(opened(in_business_time_order(silent.between(RISE_DAY + 12, fix + 1),
                                                         clock.between(RISE_DAY + 12, fix + 1))))
        accepted_at = silent.day(fix, 12)
        await accept_handover(publish, project, silent.service_id, accepted_at)
        await eventually(lambda: state_of(client, reader, found["id"], "measuring"), app=app)
        await publish.many(opened(clock.between(fix + 1, RISE_DAY + 52)))
        realized = await eventually(lambda: state_of(client, reader, found["id"], "benefits_realized"), app=app)
    assert realized["effect"]["post_incidents"] == 0 and realized["effect"]["post_days"] == 28  # the first look
    published = await verdicts(kafka_settings, silent.service_id)
    assert [(m["type"], m["window_days"]) for m in published] == [("BenefitsRealizedV1", 28)]


async def test_two_replicas_in_one_group_detect_each_regression_once(metrics_app, publish, reader, kafka_settings):
    """Two metrics-svc instances share the database and the consumer group, so each reads some partitions and a
    service's incidents arrive through both; every regression still makes exactly one opportunity."""
    rates = steady(**rise("db", from_day=RISE_DAY, to=3.5))
    regressed = [history(START, RISE_DAY + 14, rates, seed=seed) for seed in (1, 3, 4, 6)]
    calm = history(START, RISE_DAY + 14, steady(), seed=5)
    name = f"metrics-svc-{uuid4().hex[:8]}"
    async with metrics_app(name=name, from_end=True) as one, metrics_app(name=name) as two:
        client = one.state.test_client
        await both_reading(publish, one, two)
        await publish.many(opened(in_business_time_order(*(h.incidents for h in regressed), calm.incidents)))
        for h in regressed:
            await eventually(lambda h=h: one_for(client, reader, h.service_id), app=one)
        await judged_until(client, reader, calm, RISE_DAY + 14, app=one)
        await asyncio.sleep(2)
        assert one.state.platform.consumer.status.handled > 0 and two.state.platform.consumer.status.handled > 0
        for h in regressed:
            items = await listed(client, reader, h.service_id)
            assert [(i["rule"], i["category"]) for i in items] == [("recurring_incidents", "db")]
        assert await listed(client, reader, calm.service_id) == []
    for h in regressed:
        detected = await on_metrics_topic(kafka_settings, mc.ImprovementOpportunityDetectedV1, h.service_id)
        assert len({d["opportunity_id"] for d in detected}) == 1


async def both_reading(publish, *apps) -> None:
    """Until each app has handled something: the group has settled with partitions on both. The warm-up incidents
    are older than any history here, so they move no business time."""
    warm_up = START - DAY * 30
    while True:
        await publish.many(opened(probe(warm_up)))
        if all(app.state.platform.consumer.status.handled > 0 for app in apps):
            return
        await asyncio.sleep(0.5)


async def _owner_known(app, service_id) -> bool:
    from metrics_svc.projection.loop_reads import service_owner
    from metrics_svc.projection.tables import LIVE

    async with app.state.engine.connect() as conn:
        return await service_owner(conn, LIVE, service_id) == "olivia"
