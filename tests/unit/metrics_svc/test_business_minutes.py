"""Business MTTA/MTTR (issue 16): the mean of the business minutes service-svc's events carried, over the incidents
acknowledged (resolved) in the window whose event carried them; the wall-clock figures keep every incident."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from metrics_svc.domain.service_kpis import business_mtta, business_mttr, mtta, mttr, service_kpis
from metrics_svc.domain.windows import Figure, Window
from tests.unit.metrics_svc.factories import AS_OF, incident

WEEK = Window.ending(AS_OF, days=7)


def test_only_incidents_whose_events_carried_business_minutes_count_in_the_business_figures():
    weekend = replace(incident(3, ack_min=3810, resolve_min=3840), ack_business_minutes=Decimal(90),
                      resolve_business_minutes=Decimal(120))  # Friday 17:00 to Monday 09:00 on office hours
    before_calendars = incident(2, ack_min=10, resolve_min=60)  # its events carried none
    zero = replace(incident(1, ack_min=0, resolve_min=30), ack_business_minutes=Decimal(0),
                   resolve_business_minutes=Decimal(0))  # acknowledged and resolved outside working hours
    incidents = [weekend, before_calendars, zero]
    assert business_mtta(WEEK, incidents) == Figure(Decimal(45), 2)  # (90 + 0) / 2: 0 counts, absent does not
    assert business_mttr(WEEK, incidents) == Figure(Decimal(60), 2)
    assert mtta(WEEK, incidents) == Figure(Decimal(3820) / 3, 3)
    assert mttr(WEEK, incidents) == Figure(Decimal(3930) / 3, 3)


def test_without_any_business_minutes_the_business_figures_are_null_while_the_wall_clock_ones_are_not():
    kpis = service_kpis(WEEK, incidents=[incident(2, ack_min=10, resolve_min=60)], changes=[], operating_costs=[],
                        project_costs=[])
    assert kpis.business_mtta_minutes == Figure(None, 0) and kpis.business_mttr_minutes == Figure(None, 0)
    assert kpis.mtta_minutes == Figure(Decimal(10), 1) and kpis.mttr_minutes == Figure(Decimal(60), 1)


def test_a_resolution_outside_the_window_is_left_out_as_in_the_wall_clock_figure():
    late = replace(incident(1, resolve_min=3 * 24 * 60), resolve_business_minutes=Decimal(600))
    assert business_mttr(WEEK, [late]) == mttr(WEEK, [late]) == Figure(None, 0)
