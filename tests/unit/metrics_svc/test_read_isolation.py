"""One bad fact never fails a KPI read (issue 14): a stored fact outside 1900–9999 (±infinity comes back from
PostgreSQL naive) or a non-finite number is left out and named, every other figure intact; and no fact the tables
can hold makes a KPI function or its response fail."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics_svc.api.dashboard_schemas import ServiceWeekView
from metrics_svc.api.schemas import HandoverKpisView, ProjectKpisView, ServiceKpisView
from metrics_svc.dashboard.read_model import point_of, series_moments, week_of
from metrics_svc.domain.facts import (
    ChangeFact,
    CostFact,
    CriterionFact,
    HandoverFact,
    ImprovementFact,
    IncidentFact,
    MilestoneFact,
    ProgressFact,
    ProjectFact,
)
from metrics_svc.domain.handover_kpis import handover_kpis
from metrics_svc.domain.project_kpis import project_kpis, usable_project
from metrics_svc.domain.service_kpis import improvement_register, service_kpis, usable_incidents
from metrics_svc.domain.windows import Window, computed
from metrics_svc.projection.reads import aware
from metrics_svc.queries import ServiceReport
from tests.unit.metrics_svc import stored_facts as sf
from tests.unit.metrics_svc.factories import AS_OF, SERVICE, incident

MINUS_INFINITY, INFINITY = datetime.min, datetime.max  # as asyncpg reads ±infinity back: naive
WINDOW = Window.ending(AS_OF, days=30)


def stored(fact_type, row: dict):
    """A row as reads.py turns it into a fact: the value asyncpg returns, made timezone-aware."""
    values = {k: aware(sf.read_back(v)) if isinstance(v, datetime) else v for k, v in row.items()}
    return fact_type(**{k: v for k, v in values.items() if k in fact_type.__dataclass_fields__})


def answered(view) -> dict:
    """The response as a client gets it: strict JSON (no NaN or infinity)."""
    return json.loads(json.dumps(view.model_dump(mode="json"), allow_nan=False))


def test_an_incident_opened_at_minus_infinity_is_left_out_and_named_and_the_rest_is_intact():
    good = [incident(3, ack_min=10, resolve_min=60), incident(5, ack_min=30, resolve_min=120)]
    bad = IncidentFact(uuid4(), SERVICE, "P2", "db", True, aware(MINUS_INFINITY), resolved_at=AS_OF - timedelta(1))
    clean = service_kpis(WINDOW, incidents=good, changes=[], operating_costs=[], project_costs=[])
    mixed = service_kpis(WINDOW, incidents=[bad, *good], changes=[], operating_costs=[], project_costs=[])
    assert mixed.mttr_minutes == clean.mttr_minutes and mixed.availability_pct == clean.availability_pct
    assert mixed.incident_count.value == 2
    [problem] = mixed.problems
    assert problem.fact == f"incident {bad.incident_id} opened_at" and "-infinity" in problem.reason


def test_a_project_cost_in_year_one_is_left_out_of_ac_and_named():
    milestone = MilestoneFact(uuid4(), date(2026, 2, 1), Decimal(100), actual_date=date(2026, 2, 1))
    costs = (CostFact(uuid4(), Decimal(80), AS_OF - timedelta(days=3)),
             CostFact(uuid4(), Decimal(5), aware(MINUS_INFINITY)))
    project = ProjectFact(uuid4(), "manual", None, (), Decimal(100), True, (milestone,), (), costs)
    earned = project_kpis(project, AS_OF)
    assert (earned.pv, earned.ev, earned.ac, earned.cpi) == (Decimal(100), Decimal(100), Decimal(80), Decimal("1.25"))
    assert [p.fact for p in earned.problems] == [f"project {costs[1].owner_id} cost incurred_at"]
    assert answered(ProjectKpisView.of(project.project_id, earned))["problems"][0]["reason"].startswith(
        "incurred_at is -infinity")


def test_a_handover_opened_at_infinity_keeps_its_readiness_and_names_the_moment():
    criteria = (CriterionFact("docs", True, AS_OF - timedelta(days=9), AS_OF - timedelta(days=2)),
                CriterionFact("runbooks", True, AS_OF - timedelta(days=9)))
    handover = HandoverFact(uuid4(), SERVICE, None, aware(INFINITY), criteria=criteria)
    kpis = handover_kpis(handover, [], AS_OF)
    assert kpis.readiness_score == Decimal("0.5") and kpis.days_in_transition is None
    assert [p.fact for p in kpis.problems] == [f"handover {handover.handover_id} opened_at"]


def test_a_figure_whose_arithmetic_overflows_is_null_with_its_reason_and_the_others_stand():
    accepted = AS_OF - timedelta(days=1)
    handover = HandoverFact(uuid4(), SERVICE, None, accepted - timedelta(days=3), accepted_at=accepted,
                            readiness_score=Decimal(1), early_life_support_days=2**31 - 1)  # an int4 column
    kpis = handover_kpis(handover, [], AS_OF)
    assert kpis.accepted and kpis.readiness_score == 1 and kpis.days_in_transition == 3
    assert [(p.figure, p.reason) for p in kpis.problems] == [
        ("early_life_incidents", "could not be computed from the stored facts (OverflowError)")]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(incidents=st.lists(sf.incident_rows(st.just(SERVICE)), max_size=6),
       changes=st.lists(sf.change_rows(st.just(SERVICE)), max_size=3),
       costs=st.lists(sf.cost_rows("service_id", st.just(SERVICE)), max_size=3),
       improvements=st.lists(sf.improvement_rows(st.just(SERVICE)), max_size=3),
       as_of=sf.as_of_moments(), days=st.sampled_from([7, 30, 90]))
def test_no_storable_service_fact_fails_a_service_read(incidents, changes, costs, improvements, as_of, days):
    incident_facts = [stored(IncidentFact, row) for row in incidents]
    cost_facts = [CostFact(row["service_id"], row["amount"], aware(sf.read_back(row["incurred_at"]))) for row in costs]
    kpis = service_kpis(Window.ending(as_of, days=days), incidents=incident_facts,
                        changes=[stored(ChangeFact, row) for row in changes], operating_costs=cost_facts,
                        project_costs=cost_facts)
    register = improvement_register(as_of, [stored(ImprovementFact, row) for row in improvements])
    body = answered(ServiceKpisView.of(ServiceReport(SERVICE, kpis, None, register.planned, register.implemented,
                                                     problems=kpis.problems), days))
    for problem in body["problems"]:
        assert problem["figure"] or problem["fact"]
    usable = usable_incidents(incident_facts, [])
    for week in Window.ending(as_of, days=7 * 4).weeks():
        answered(ServiceWeekView.of(week_of(week, usable)))


project_ids = st.just(UUID(int=7))
milestone_ids = st.sampled_from([UUID(int=1), UUID(int=2)])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(project=sf.project_rows(project_ids, st.just(SERVICE)),
       milestones=st.lists(sf.milestone_rows(project_ids), max_size=3),
       progress=st.lists(sf.progress_rows(project_ids, milestone_ids), max_size=3),
       costs=st.lists(sf.cost_rows("project_id", project_ids), max_size=3), as_of=sf.as_of_moments())
def test_no_storable_project_fact_fails_its_earned_value_or_series(project, milestones, progress, costs, as_of):
    fact = ProjectFact(
        project_id=project["project_id"], origin=project["origin"], opportunity_id=project["opportunity_id"],
        target_service_ids=tuple(UUID(s) for s in project["target_service_ids"]),
        budget_at_completion=project["budget_at_completion"], baselined=project["baselined"],
        milestones=tuple(MilestoneFact(m["milestone_id"], m["planned_date"], m["planned_value"], m["actual_date"])
                         for m in milestones),
        progress=tuple(ProgressFact(p["milestone_id"], p["percent_complete"], aware(sf.read_back(p["recorded_at"])))
                       for p in progress),
        costs=tuple(CostFact(c["project_id"], c["amount"], aware(sf.read_back(c["incurred_at"]))) for c in costs),
    )
    answered(ProjectKpisView.of(fact.project_id, project_kpis(fact, as_of)))
    usable, problems = usable_project(fact, []), []
    points = computed("points", lambda: [point_of(usable, m, as_of) for m in series_moments(usable, as_of)[:5]],
                      problems, [])  # as earned_value_series guards the series
    assert points or problems


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(handover=sf.handover_rows(st.just(SERVICE), project_ids),
       criteria=st.lists(sf.criterion_rows(UUID(int=9)), max_size=3),
       incidents=st.lists(sf.incident_rows(st.just(SERVICE)), max_size=3), as_of=sf.as_of_moments())
def test_no_storable_handover_fact_fails_its_kpis(handover, criteria, incidents, as_of):
    fact = stored(HandoverFact, handover)
    fact = HandoverFact(**{**fact.__dict__, "criteria": tuple(
        CriterionFact(c["key"], c["mandatory"], aware(sf.read_back(c["added_at"])),
                      aware(sf.read_back(c["settled_at"])) if c["settled_at"] else None) for c in criteria)})
    kpis = handover_kpis(fact, [stored(IncidentFact, row) for row in incidents], as_of)
    answered(HandoverKpisView.of(fact.handover_id, kpis))


ordinary_moments = st.datetimes(min_value=datetime(2025, 9, 1), max_value=datetime(2026, 4, 1), timezones=st.just(UTC))


@settings(max_examples=100, deadline=None)
@given(incidents=st.lists(st.tuples(sf.incident_rows(st.just(SERVICE)), ordinary_moments,
                                    st.none() | st.integers(0, 10_000)), max_size=6))
def test_ordinary_facts_raise_no_problem(incidents):
    """The guards catch only what is odd: facts within the calendar give every figure and no problem."""
    facts = [stored(IncidentFact, {**row, "opened_at": opened, "acknowledged_at": None, "csat_at": None,
                                   "outage_minutes": Decimal(minutes or 0),
                                   "resolved_at": None if minutes is None else opened + timedelta(minutes=minutes)})
             for row, opened, minutes in incidents]
    kpis = service_kpis(WINDOW, incidents=facts, changes=[], operating_costs=[], project_costs=[])
    assert kpis.problems == ()
    assert kpis.incident_count.based_on == sum(1 for f in facts if WINDOW.holds(f.opened_at))
