"""Earned value (DESIGN §6) on hand-made project facts; undefined ratios are null."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from metrics_svc.domain.facts import CostFact, MilestoneFact, ProgressFact, ProjectFact
from metrics_svc.domain.project_kpis import project_kpis

AS_OF = datetime(2026, 3, 1, tzinfo=UTC)
M1, M2, M3 = uuid4(), uuid4(), uuid4()


def project(**changes) -> ProjectFact:
    base = ProjectFact(
        project_id=uuid4(), origin="manual", opportunity_id=None, target_service_ids=(),
        budget_at_completion=Decimal(1000), baselined=True,
        milestones=(MilestoneFact(M1, date(2026, 1, 31), Decimal(300), actual_date=date(2026, 2, 3)),
                    MilestoneFact(M2, date(2026, 2, 20), Decimal(300)),
                    MilestoneFact(M3, date(2026, 4, 30), Decimal(400))),
        progress=(ProgressFact(M2, Decimal(50), AS_OF - timedelta(days=5)),
                  ProgressFact(M3, Decimal(10), AS_OF - timedelta(days=1)),
                  ProgressFact(M3, Decimal(25), AS_OF + timedelta(days=1))),
        costs=(CostFact(uuid4(), Decimal(400), AS_OF - timedelta(days=20)),
               CostFact(uuid4(), Decimal(200), AS_OF - timedelta(days=2)),
               CostFact(uuid4(), Decimal(999), AS_OF + timedelta(days=2))),
    )
    return ProjectFact(**{**base.__dict__, **changes})


def test_earned_value_figures_as_of_a_date():
    ev = project_kpis(project(), AS_OF)
    assert (ev.pv, ev.ev, ev.ac) == (600, 300 + 150 + 40, 600)
    assert ev.sv == -110 and ev.cv == -110
    assert ev.spi == Decimal(490) / 600 and ev.cpi == Decimal(490) / 600
    assert ev.eac == Decimal(1000) / (Decimal(490) / 600) and ev.vac == 1000 - ev.eac
    assert ev.milestones_missed_pct == 100  # M1 completed late, M2 overdue; M3 not yet due
    assert [m.schedule_variance_days for m in ev.milestones] == [-3, -9, None]  # late: negative, as in project-svc
    assert ev.budget_deviation_pct == (ev.eac - 1000) * 100 / 1000


def test_a_project_with_nothing_yet_has_null_ratios():
    ev = project_kpis(project(milestones=(), progress=(), costs=()), AS_OF)
    assert (ev.pv, ev.ev, ev.ac, ev.sv, ev.cv) == (0, 0, 0, 0, 0)
    assert ev.spi is None and ev.cpi is None and ev.eac is None and ev.vac is None
    assert ev.milestones_missed_pct is None and ev.budget_deviation_pct is None and ev.based_on == 0


def test_as_of_a_past_date_ignores_later_progress_and_costs():
    ev = project_kpis(project(), datetime(2026, 2, 1, tzinfo=UTC))
    assert (ev.pv, ev.ev, ev.ac) == (300, 0, 0) and ev.milestones_missed_pct == 100
    assert ev.cpi is None and ev.spi == 0


@given(st.lists(st.tuples(st.integers(1, 10_000), st.integers(0, 100)), min_size=1, max_size=8),
       st.integers(1, 100_000))
def test_cost_and_schedule_identities_hold(milestones, spent):
    facts = [MilestoneFact(uuid4(), date(2026, 1, 1), Decimal(value)) for value, _ in milestones]
    progress = [ProgressFact(m.milestone_id, Decimal(pct), AS_OF - timedelta(days=1))
                for m, (_, pct) in zip(facts, milestones)]
    bac = sum(Decimal(value) for value, _ in milestones)
    ev = project_kpis(project(milestones=tuple(facts), progress=tuple(progress), budget_at_completion=bac,
                              costs=(CostFact(uuid4(), Decimal(spent), AS_OF - timedelta(days=1)),)), AS_OF)
    assert ev.pv == bac and 0 <= ev.ev <= ev.pv and ev.sv == ev.ev - ev.pv and ev.cv == ev.ev - ev.ac
    if ev.ev:
        assert abs(ev.vac - (bac - bac * spent / ev.ev)) < Decimal("1e-6")
    else:
        assert ev.cpi == 0 and ev.eac is None
