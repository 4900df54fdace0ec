"""The success scorecard through the real consumer: a new service's project and an improvement of a service already in
operation, their histories imported as other services' CloudEvents; GET /kpis/projects/{id}/success for the project's
sponsor or manager (or admin) only, and ProjectOutcomeEvaluated on continuum.metrics.events once per project."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import sqlalchemy as sa

from continuum.contracts import handover as ho
from continuum.contracts import metrics as mc
from continuum.contracts import project as pr
from continuum.contracts import service as sv
from metrics_svc import success
from metrics_svc.domain.benefits import Verdict
from metrics_svc.domain.commands import DetectOpportunity, RecordBenefits
from metrics_svc.domain.detection import Detection
from metrics_svc.domain.outcome import EvaluateProjectOutcome
from metrics_svc.judgement import react
from tests.integration.metrics_svc.conftest import eventually
from tests.support.kafka import read_topic

NOW = datetime.now(UTC).replace(microsecond=0)
T = NOW - timedelta(days=400)
DAY = timedelta(days=1)


def service_history(service_id: UUID, *, stage: str) -> list[tuple]:
    targets = {p: sv.SlaTargets(response_minutes=30, resolution_minutes=240) for p in ("P1", "P2", "P3", "P4")}
    return [(sv.ServiceRegisteredV1(service_id=service_id, name=f"svc {service_id.hex[:6]}", description="d",
                                    owner="olga", stage=stage), T, service_id),
            (sv.SlaDefinedV1(service_id=service_id, availability_target_pct=Decimal("99.5"), targets=targets,
                             csat_target_pct=Decimal(80)), T, service_id)]


def incident(service_id: UUID, opened: datetime, *, sla_met: bool = True, csat: int | None = None) -> list[tuple]:
    ids = {"service_id": service_id, "incident_id": uuid4()}
    resolved = opened + timedelta(hours=1)
    events = [(sv.IncidentOpenedV1(**ids, priority="P3", category="app", title="slow", outage=False,
                                   detected_at=opened), opened, ids["incident_id"]),
              (sv.IncidentResolvedV1(**ids, resolved_at=resolved, resolution_code="fixed", response_sla_met=True,
                                     resolution_sla_met=sla_met), resolved, ids["incident_id"])]
    if csat is not None:
        events.append((sv.IncidentCsatRatedV1(**ids, score=csat), resolved, ids["incident_id"]))
    return events


def project_history(project_id: UUID, service_id: UUID, handover_id: UUID, *, benefit: bool) -> list[tuple]:
    ids, declared = {"project_id": project_id}, {"benefit_kpi": "availability_pct", "benefit_target": Decimal(99)}
    closing, accepted, completed = T + 30 * DAY, T + 33 * DAY, T + 47 * DAY
    request = uuid4()
    return [
        (pr.ProjectProposedV1(**ids, title="Stabilise", problem_statement="p", business_case="b", origin="manual",
                              target_service_ids=[service_id]), T, project_id),
        (pr.CharterApprovedV1(**ids, goal="g", scope_statement="s", budget_at_completion=Decimal(60_000),
                              planned_start=T.date(), planned_end=(T + 28 * DAY).date(), sponsor="alice",
                              **(declared if benefit else {})), T + DAY, project_id),
        (pr.TeamAssignedV1(**ids, sponsor="alice", project_manager="bob"), T + DAY, project_id),
        (pr.ChangeRequestRaisedV1(**ids, change_request_id=request, reason="r", scope_delta="add failover",
                                  schedule_delta_days=3, budget_delta=Decimal(5_000)), T + 10 * DAY, project_id),
        (pr.ChangeRequestApprovedV1(**ids, change_request_id=request, decided_by="alice"), T + 11 * DAY, project_id),
        (pr.ActualCostRecordedV1(**ids, amount=Decimal(50_000), incurred_on=(T + 20 * DAY).date(), category="work"),
         T + 20 * DAY, project_id),
        (pr.ProjectClosingStartedV1(**ids, title="Stabilise", target_service_ids=[service_id]), closing, project_id),
        (ho.HandoverOpenedV1(handover_id=handover_id, service_id=service_id, project_id=project_id,
                             opened_at=closing), closing, handover_id),
        (ho.HandoverAcceptedV1(handover_id=handover_id, service_id=service_id, project_id=project_id,
                               accepted_by="olga", accepted_at=accepted, readiness_score=Decimal(1),
                               early_life_support_days=14), accepted, handover_id),
        (sv.ServiceStageChangedV1(service_id=service_id, from_stage="transition", to_stage="operation", reason="r",
                                  handover_id=handover_id), accepted, service_id),
        (ho.HandoverCompletedV1(handover_id=handover_id, service_id=service_id, project_id=project_id,
                                completed_at=completed, early_life_incidents=1,
                                early_life_incident_rate_per_week=Decimal("0.50"), sla_met=True), completed,
         handover_id),
        (pr.ProjectAcceptedV1(**ids, accepted_by="alice"), completed + DAY, project_id),
        (pr.ProjectSuccessEvaluatedV1(**ids, scope_delivered=True, on_time=False, within_budget=True,
                                      milestones_planned=2, milestones_completed=2, milestones_descoped=0,
                                      planned_end=(T + 28 * DAY).date(), actual_end=(T + 48 * DAY).date(),
                                      schedule_slip_days=20, budget_at_completion=Decimal(60_000),
                                      actual_cost=Decimal(50_000), earned_value=Decimal(60_000)),
         completed + DAY, project_id),
    ]


def operation(service_id: UUID, *, before: bool) -> list[tuple]:
    """Monthly operating costs after the acceptance, ratings and requests; for a changed service, worse before."""
    events = [(sv.OperatingCostRecordedV1(service_id=service_id, amount=Decimal(1_000), incurred_on=T + (33 + 30 * m)
                                          * DAY, category="run"), T + (33 + 30 * m) * DAY, service_id)
              for m in range(13)]
    events += [e for day in (35, 40, 50, 60) for e in incident(service_id, T + day * DAY, csat=5)]
    events += [(sv.ServiceRequestSubmittedV1(service_id=service_id, request_id=uuid4(), title="access",
                                             requested_by="u", submitted_at=T + day * DAY), T + day * DAY, service_id)
               for day in (50, 55, 60, 65, 70)]
    if before:
        events += [e for day in range(5, 33, 4) for e in incident(service_id, T + day * DAY, sla_met=False, csat=2)]
        events += [(sv.ServiceRequestSubmittedV1(service_id=service_id, request_id=uuid4(), title="access",
                                                 requested_by="u", submitted_at=T + day * DAY), T + day * DAY,
                    service_id) for day in (10, 20)]
    return events


async def scorecard(client, token, project_id, **params):
    return await client.get(f"/kpis/projects/{project_id}/success", headers={"Authorization": f"Bearer {token}"},
                            params=params)


async def test_a_projects_success_scorecard_through_the_consumer_and_its_outcome_published_once(
        metrics_app, publish, issue_token, kafka_settings):
    new_service, changed_service = uuid4(), uuid4()
    fresh, improvement = uuid4(), uuid4()  # the projects
    history = [*service_history(new_service, stage="design"), *service_history(changed_service, stage="operation"),
               *project_history(fresh, new_service, uuid4(), benefit=True),
               *project_history(improvement, changed_service, uuid4(), benefit=False),
               *operation(new_service, before=False), *operation(changed_service, before=True)]
    others = [(uuid4(), uuid4()) for _ in range(5)]  # more projects, each on a service of its own, for a page
    history += [e for project_id, service_id in others
                for e in (*service_history(service_id, stage="design"),
                          *project_history(project_id, service_id, uuid4(), benefit=True))]
    history.sort(key=lambda item: item[1])
    history += incident(new_service, NOW - timedelta(hours=2))  # business time reaches today
    sponsor, manager = issue_token("sponsor", subject="alice"), issue_token("project_manager", subject="bob")
    async with metrics_app(check_interval_s=1, from_end=True) as app:
        client = app.state.test_client
        await publish.many(history)

        async def complete():
            response = await scorecard(client, sponsor, fresh)
            return response.status_code == 200 and response.json()["complete"] and response.json()

        body = await eventually(complete, app=app)
        dims = {d["dimension"]: d for d in body["dimensions"]}
        assert {d["state"] for d in dims.values()} == {"known"}
        assert dims["scope"]["extended"]["change_requests_approved"] == 1
        assert dims["time"]["extended"]["closing_to_value_days"] == "17.00"  # closing → acceptance 3, ELS 14
        assert dims["cost"]["figure"] == "63000"  # 50,000 project + 13 monthly 1,000s within the 365 days
        assert dims["value"]["extended"]["outcome"] == "realized" and dims["value"]["unit"] == "availability_pct"
        assert dims["quality"]["extended"]["services"][0]["before"] is None  # a new service

        changed = (await scorecard(client, manager, improvement)).json()
        cdims = {d["dimension"]: d for d in changed["dimensions"]}
        before = cdims["quality"]["extended"]["services"][0]["before"]
        assert before["sla_compliance_pct"] == "0.00" and before["incidents"] == 7
        assert cdims["quality"]["figure"] == "100.00"
        assert cdims["stakeholders"]["extended"]["service_request_growth_pct"] == "150.00"  # 2 → 5
        assert cdims["value"]["state"] == "not_applicable" and changed["complete"]

        earlier = (await scorecard(client, sponsor, fresh, as_of=(T + 40 * DAY).isoformat())).json()
        states = {d["dimension"]: d["state"] for d in earlier["dimensions"]}
        assert states["time"] == states["quality"] == states["cost"] == "not_yet_known"
        assert states["scope"] == "not_yet_known" and not earlier["complete"]  # not closed by then

        stranger = await scorecard(client, issue_token("sponsor", subject="carol"), fresh)
        assert stranger.status_code == 403
        assert stranger.json()["rule"] == "success-read-by-the-projects-sponsor-or-manager"
        assert (await scorecard(client, issue_token("admin"), fresh)).status_code == 200
        assert (await scorecard(client, sponsor, uuid4())).status_code == 404
        assert (await scorecard(client, sponsor, fresh, horizon_days=5)).status_code == 422

        def both_published(messages) -> bool:
            return {fresh, improvement} <= {UUID(json.loads(m.value)["project_id"]) for m in messages
                                            if m.headers.get("ce_type") == mc.ProjectOutcomeEvaluatedV1.ce_type()}

        messages = await read_topic(kafka_settings.bootstrap_servers, mc.ProjectOutcomeEvaluatedV1.topic(),
                                    until=both_published, settle_s=2.5)  # more periodic checks pass meanwhile
        outcomes = [json.loads(m.value) for m in messages
                    if m.headers.get("ce_type") == mc.ProjectOutcomeEvaluatedV1.ce_type()
                    and json.loads(m.value)["project_id"] in (str(fresh), str(improvement))]
        assert sorted(o["project_id"] for o in outcomes) == sorted([str(fresh), str(improvement)])
        assert [d["dimension"] for d in outcomes[0]["dimensions"]] == ["scope", "time", "cost", "quality",
                                                                       "stakeholders", "value"]
        async with app.state.platform.engine.begin() as conn:  # a redelivered batch or another round: nothing more
            assert await success.publish_outcomes(conn, app.state.bus, as_of=NOW) == []
            (_, card), = (await success.scorecards(conn, [fresh], as_of=NOW)).values()  # a replica that raced it
            assert await react(app.state.bus, EvaluateProjectOutcome(card, at=NOW), conn) is None  # refused
            columns = await success.success_columns(conn, [fresh, improvement, uuid4()],
                                                    success.Reader("bob", admin=False), as_of=NOW)
        assert set(columns) == {fresh, improvement} and all(card.complete for card in columns.values())
        page = [fresh, improvement, *(project_id for project_id, _ in others), uuid4()]
        one, seven = await statements_for(app, [fresh]), await statements_for(app, page)
        assert seven <= one + 2, (one, seven)  # not per project: a few reads are skipped when they have nothing to do


async def statements_for(app, ids) -> int:
    """How many statements the scorecards of `ids` take on their connection (about the same for any page size)."""
    count = [0]

    def counted(*_):
        count[0] += 1

    async with app.state.platform.engine.connect() as conn:
        sa.event.listen(conn.sync_connection, "before_cursor_execute", counted)
        found = await success.scorecards(conn, ids, as_of=NOW)
    assert len(found) == len(ids) - (len(ids) > 1)  # a page's unknown id is left out
    return count[0]


async def test_an_opportunity_projects_value_is_the_loops_verdict_on_its_opportunity(metrics_app, publish, issue_token):
    service_id, project_id, handover_id = uuid4(), uuid4(), uuid4()
    detected_at, accepted = NOW - 60 * DAY, NOW - 50 * DAY
    detection = Detection("recurring_incidents", "'db' incidents at 3.0× their usual rate for 5 days",
                          "incidents_in_category_per_day", Decimal(1), Decimal(3), 5, category="db",
                          evidence={"category": "db"})
    sponsor = issue_token("sponsor", subject="alice")
    async with metrics_app(from_end=True) as app:
        client, bus = app.state.test_client, app.state.bus
        async with app.state.platform.engine.begin() as conn:
            opportunity = await bus.handle(DetectOpportunity(service_id=service_id, detection=detection,
                                                             cooldown_days=14, at=detected_at), connection=conn)
        ids = {"project_id": project_id}
        await publish.many([
            (pr.ProjectProposedV1(**ids, title="Fix db", problem_statement="p", business_case="b",
                                  origin="improvement_opportunity", opportunity_id=opportunity.id,
                                  target_service_ids=[service_id]), detected_at + DAY, project_id),
            (pr.CharterApprovedV1(**ids, goal="g", scope_statement="s", budget_at_completion=Decimal(10),
                                  planned_start=detected_at.date(), planned_end=accepted.date(), sponsor="alice"),
             detected_at + 2 * DAY, project_id)])
        async with app.state.platform.engine.connect() as conn:  # converted first: topics are not read in order
            await eventually(lambda: _in_state(conn, opportunity.id, "converted"), app=app)
        await publish.many([
            (ho.HandoverOpenedV1(handover_id=handover_id, service_id=service_id, project_id=project_id,
                                 opened_at=accepted - DAY), accepted - DAY, handover_id),
            (ho.HandoverAcceptedV1(handover_id=handover_id, service_id=service_id, project_id=project_id,
                                   accepted_by="olga", accepted_at=accepted, readiness_score=Decimal(1),
                                   early_life_support_days=14), accepted, handover_id)])

        async def value():
            response = await scorecard(client, sponsor, project_id)
            return response.status_code == 200 and {d["dimension"]: d for d in response.json()["dimensions"]}["value"]

        measuring = await eventually(value, app=app)
        assert measuring["state"] == "not_yet_known" and "not judged" in measuring["reason"]
        async with app.state.platform.engine.connect() as conn:
            await eventually(lambda: _in_state(conn, opportunity.id, "measuring"), app=app)
        async with app.state.platform.engine.begin() as conn:  # the verdict, as the loop records it when due
            verdict = Verdict("realized", Decimal("0.2000"), {"gap_closed_pct": 80.0})
            await bus.handle(RecordBenefits(opportunity_id=opportunity.id, verdict=verdict, at=accepted + 30 * DAY),
                             connection=conn)
        judged = await value()
        assert judged["state"] == "known" and judged["figure"] == "0.2000"
        assert judged["extended"]["outcome"] == "realized" and judged["extended"]["effect"] == {"gap_closed_pct": 80.0}
        assert judged["traditional"] == {"opportunity_id": str(opportunity.id)}


async def _in_state(conn, opportunity_id, state: str) -> bool:
    found = (await conn.execute(sa.text("SELECT data->>'state' FROM summaries WHERE stream_id = :id"),
                                {"id": opportunity_id})).scalar()
    await conn.rollback()  # the next look sees what committed since
    return found == state
