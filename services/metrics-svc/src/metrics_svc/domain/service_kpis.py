"""Service KPIs of DESIGN §6 over a window of business time: pure functions of the projected facts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from metrics_svc.domain.facts import ChangeFact, CostFact, ImprovementFact, IncidentFact
from metrics_svc.domain.windows import (
    Figure,
    Problem,
    Window,
    computed,
    count_in,
    mean,
    minutes_between,
    ratio_pct,
    unusable_fact,
    usable_amount,
    usable_costs,
    usable_moment,
)

INCIDENT_MOMENTS = ("opened_at", "acknowledged_at", "resolved_at", "csat_at")


@dataclass(frozen=True)
class WeekCount:
    week: Window
    incidents: int


@dataclass(frozen=True)
class ServiceKpis:
    window: Window
    mtta_minutes: Figure  # wall-clock minutes
    mttr_minutes: Figure
    incident_count: Figure
    weekly_incidents: list[WeekCount]
    sla_compliance_pct: Figure
    availability_pct: Figure
    csat_pct: Figure
    change_success_rate_pct: Figure
    tco: Figure
    incident_reduction_pct: Figure
    business_mtta_minutes: Figure  # business minutes of the SLA's calendar, as service-svc's clocks measured them
    business_mttr_minutes: Figure
    problems: tuple[Problem, ...] = ()

    @classmethod
    def unavailable(cls, window: Window, problem: Problem) -> ServiceKpis:
        """Every figure null, for a service whose facts could not be read at all."""
        figures = {f.name: Figure(None, 0) for f in fields(cls) if f.type == "Figure"}
        return cls(window=window, weekly_incidents=[], problems=(problem,), **figures)


def usable_incidents(incidents: Sequence[IncidentFact], problems: list[Problem]) -> list[IncidentFact]:
    """The incidents every figure may use; each one left out (a moment outside the business calendar, outage minutes
    not finite) is named in `problems`."""
    usable = []
    for incident in incidents:
        bad = [(name, getattr(incident, name)) for name in INCIDENT_MOMENTS
               if not usable_moment(getattr(incident, name))]
        if not usable_amount(incident.outage_minutes):
            bad.append(("outage_minutes", incident.outage_minutes))
        problems.extend(unusable_fact(f"incident {incident.incident_id}", *field) for field in bad)
        if not bad:
            usable.append(incident)
    return usable


def usable_changes(changes: Sequence[ChangeFact], problems: list[Problem]) -> list[ChangeFact]:
    problems.extend(unusable_fact(f"change {c.change_id}", "implemented_at", c.implemented_at)
                    for c in changes if not usable_moment(c.implemented_at))
    return [c for c in changes if usable_moment(c.implemented_at)]


def opened_in(window: Window, incidents: Sequence[IncidentFact]) -> list[IncidentFact]:
    return [incident for incident in incidents if window.holds(incident.opened_at)]


def mtta(window: Window, incidents: Sequence[IncidentFact]) -> Figure:
    """Mean minutes from opening to acknowledgement, over incidents acknowledged in the window."""
    times = [minutes_between(i.opened_at, i.acknowledged_at) for i in incidents if window.holds(i.acknowledged_at)]
    return Figure(mean(times), len(times))


def mttr(window: Window, incidents: Sequence[IncidentFact]) -> Figure:
    """Mean minutes from opening to resolution, over incidents resolved in the window."""
    times = [minutes_between(i.opened_at, i.resolved_at) for i in incidents if window.holds(i.resolved_at)]
    return Figure(mean(times), len(times))


def measured(minutes: Decimal | None) -> bool:
    """Business minutes an event carried: absent in events recorded before calendars (and a value that is not a
    finite number, which no valid event carries, counts as absent), never read as 0."""
    return minutes is not None and usable_amount(minutes)


def business_mtta(window: Window, incidents: Sequence[IncidentFact]) -> Figure:
    """Mean business minutes from opening to acknowledgement, over incidents acknowledged in the window whose
    acknowledgement carried them (the others count in the wall-clock MTTA only)."""
    times = [i.ack_business_minutes for i in incidents
             if window.holds(i.acknowledged_at) and measured(i.ack_business_minutes)]
    return Figure(mean(times), len(times))


def business_mttr(window: Window, incidents: Sequence[IncidentFact]) -> Figure:
    """Mean business minutes the resolution clock ran (time on hold left out, a reopen continuing it), over
    incidents resolved in the window whose resolution carried them (the others count in the wall-clock MTTR only)."""
    times = [i.resolve_business_minutes for i in incidents
             if window.holds(i.resolved_at) and measured(i.resolve_business_minutes)]
    return Figure(mean(times), len(times))


def incident_count(window: Window, incidents: Sequence[IncidentFact]) -> Figure:
    count = len(opened_in(window, incidents))
    return Figure(Decimal(count), count)


def weekly_incidents(window: Window, incidents: Sequence[IncidentFact]) -> list[WeekCount]:
    return [WeekCount(week, count_in(week, (i.opened_at for i in incidents))) for week in window.weeks()]


def sla_compliance(window: Window, incidents: Sequence[IncidentFact]) -> Figure:
    """Incidents meeting their SLA / incidents subject to an SLA, over incidents opened in the window."""
    subject = [i for i in opened_in(window, incidents) if i.subject_to_sla]
    met = sum(1 for i in subject if not i.breached)
    return Figure(ratio_pct(met, len(subject)), len(subject))


def outage_span(incident: IncidentFact) -> tuple[datetime, datetime] | None:
    """When an outage incident had the service down: its recorded outage minutes up to the resolution (from the
    opening when none were recorded), or from the opening on while it is unresolved."""
    if not incident.outage:
        return None
    if incident.resolved_at is None:
        return incident.opened_at, datetime.max.replace(tzinfo=UTC)
    start = incident.resolved_at - timedelta(minutes=float(incident.outage_minutes)) if incident.outage_minutes \
        else incident.opened_at
    return start, incident.resolved_at


def outages_in(window: Window, incidents: Sequence[IncidentFact]) -> list[tuple[IncidentFact, datetime, datetime]]:
    """Outage incidents overlapping the window, each with its span clipped to the window."""
    clipped = []
    for incident in incidents:
        span = outage_span(incident)
        if span is not None and span[0] < window.end and span[1] > window.start:
            clipped.append((incident, max(span[0], window.start), min(span[1], window.end)))
    return clipped


def availability(window: Window, incidents: Sequence[IncidentFact]) -> Figure:
    """(agreed time − down time) / agreed time; down time is the union of the outages' spans within the window,
    so an outage still open counts up to the window's end and overlapping outages count once."""
    outages = outages_in(window, incidents)
    down, covered_until = Decimal(0), window.start
    for _, start, end in sorted(outages, key=lambda outage: outage[1]):
        start = max(start, covered_until)
        if end > start:
            down += minutes_between(start, end)
            covered_until = end
    return Figure(ratio_pct(window.minutes - down, window.minutes), len(outages))


def csat(window: Window, incidents: Sequence[IncidentFact]) -> Figure:
    """Responses of 4–5 / responses, over ratings given in the window."""
    scores = [i.csat for i in incidents if i.csat is not None and window.holds(i.csat_at)]
    satisfied = sum(1 for score in scores if score >= 4)
    return Figure(ratio_pct(satisfied, len(scores)), len(scores))


def change_success_rate(window: Window, changes: Sequence[ChangeFact]) -> Figure:
    done = [c for c in changes if window.holds(c.implemented_at)]
    return Figure(ratio_pct(sum(1 for c in done if c.successful), len(done)), len(done))


def tco(window: Window, operating_costs: Sequence[CostFact], project_costs: Sequence[CostFact]) -> Figure:
    """Operating costs + actual costs of the projects delivering to the service, incurred in the window."""
    costs = [c for c in (*operating_costs, *project_costs) if window.holds(c.incurred_at)]
    return Figure(sum((c.amount for c in costs), Decimal(0)), len(costs))


def incident_reduction(window: Window, incidents: Sequence[IncidentFact]) -> Figure:
    """(baseline − now) / baseline: incidents in the window against the window of the same length before it."""
    now, baseline = len(opened_in(window, incidents)), len(opened_in(window.before(), incidents))
    return Figure(ratio_pct(baseline - now, baseline), now + baseline)


@dataclass(frozen=True)
class ImprovementRegister:
    planned: int
    implemented: int


def improvement_register(as_of: datetime, improvements: Sequence[ImprovementFact]) -> ImprovementRegister:
    """The service's improvement register as of a moment: items planned by then, and of those the implemented."""
    known = [i for i in improvements if usable_moment(i.planned_at) and usable_moment(i.implemented_at)]
    planned = [i for i in known if i.planned_at is not None and i.planned_at < as_of]
    implemented = [i for i in planned if i.implemented_at is not None and i.implemented_at < as_of]
    return ImprovementRegister(len(planned), len(implemented))


def service_kpis(window: Window, *, incidents: Sequence[IncidentFact], changes: Sequence[ChangeFact],
                 operating_costs: Sequence[CostFact], project_costs: Sequence[CostFact]) -> ServiceKpis:
    """Every figure on its own: a stored fact no figure can use is left out, a figure that fails is null, and
    `problems` says which and why."""
    problems: list[Problem] = []
    incidents = usable_incidents(incidents, problems)
    changes = usable_changes(changes, problems)
    costs = (usable_costs(operating_costs, problems, of="service"), usable_costs(project_costs, problems, of="project"))

    def figure(name: str, compute) -> Figure:
        return computed(name, compute, problems, Figure(None, 0))

    return ServiceKpis(
        window=window,
        mtta_minutes=figure("mtta_minutes", lambda: mtta(window, incidents)),
        mttr_minutes=figure("mttr_minutes", lambda: mttr(window, incidents)),
        incident_count=figure("incident_count", lambda: incident_count(window, incidents)),
        weekly_incidents=computed("weekly_incidents", lambda: weekly_incidents(window, incidents), problems, []),
        sla_compliance_pct=figure("sla_compliance_pct", lambda: sla_compliance(window, incidents)),
        availability_pct=figure("availability_pct", lambda: availability(window, incidents)),
        csat_pct=figure("csat_pct", lambda: csat(window, incidents)),
        change_success_rate_pct=figure("change_success_rate_pct", lambda: change_success_rate(window, changes)),
        tco=figure("tco", lambda: tco(window, *costs)),
        incident_reduction_pct=figure("incident_reduction_pct", lambda: incident_reduction(window, incidents)),
        business_mtta_minutes=figure("business_mtta_minutes", lambda: business_mtta(window, incidents)),
        business_mttr_minutes=figure("business_mttr_minutes", lambda: business_mttr(window, incidents)),
        problems=tuple(problems),
    )
