"""The SQL the rollups and the bounded reads share: which incidents count (USABLE), what SLA subject and breach
mean, and the incident sums in SUM_NAMES' order (per row of a range, or per moment, per day or hour)."""

from __future__ import annotations

from collections.abc import Callable

from metrics_svc.projection.tables import NOT_FINITE, FactTables, usable_sql

SUM_NAMES = ("opened", "sla_subject", "sla_met", "acknowledged", "ack_us", "resolved", "resolve_us",
             "csat_responses", "csat_positive", "ack_business", "ack_business_us", "resolved_business",
             "resolve_business_us")

USABLE = usable_sql("i")
"""SQL (alias i) for an incident every figure may use: domain.service_kpis.usable_incidents."""

BREACHED = ("(i.response_breached OR i.resolution_breached OR i.response_sla_met IS FALSE"
            " OR i.resolution_sla_met IS FALSE)")

SUBJECT = f"(i.response_sla_met IS NOT NULL OR i.resolution_sla_met IS NOT NULL OR {BREACHED})"


def measured(column: str) -> str:
    """SQL: the event carried business minutes (domain.service_kpis.measured: null, or not finite, is absent)."""
    return f"(i.{column} IS NOT NULL AND i.{column} NOT IN {NOT_FINITE})"


def business_us(column: str) -> str:
    """SQL: the business minutes in microseconds where measured, else 0 (exact: numeric)."""
    return f"CASE WHEN {measured(column)} THEN i.{column} * 60000000 ELSE 0 END"


def lateral_sums(incidents: str) -> str:
    """Per row of `d` (service_id, lo, hi): the incident sums of [lo, hi), as IncidentFact's KPIs define them."""
    def over(moment: str, columns: str) -> str:
        return (f"CROSS JOIN LATERAL (SELECT {columns} FROM {incidents} i WHERE i.service_id = d.service_id"
                f" AND i.{moment} >= d.lo AND i.{moment} < d.hi AND {USABLE})")

    def micros(moment: str) -> str:
        return f"coalesce(sum(extract(epoch FROM i.{moment} - i.opened_at) * 1000000), 0) AS us"

    def business(column: str) -> str:
        return (f"count(*) FILTER (WHERE {measured(column)}) AS bn,"
                f" coalesce(sum({business_us(column)}), 0) AS bus")

    return "\n".join([
        over("opened_at", f"count(*) AS n, count(*) FILTER (WHERE {SUBJECT}) AS subject, "
                          f"count(*) FILTER (WHERE {SUBJECT} AND NOT {BREACHED}) AS met") + " o",
        over("acknowledged_at", f"count(*) AS n, {micros('acknowledged_at')}, {business('ack_business_minutes')}")
        + " a",
        over("resolved_at", f"count(*) AS n, {micros('resolved_at')}, {business('resolve_business_minutes')}")
        + " r",
        over("csat_at", "count(*) FILTER (WHERE i.csat IS NOT NULL) AS n, "
                        "count(*) FILTER (WHERE i.csat >= 4) AS positive") + " c",
    ])


SUM_COLUMNS = "o.n, o.subject, o.met, a.n, a.us, r.n, r.us, c.n, c.positive, a.bn, a.bus, r.bn, r.bus"


def sum_parts(part: Callable[..., str]) -> str:
    """The incident sums in SUM_NAMES' order as a UNION ALL of one SELECT per moment (opened, acknowledged,
    resolved, rated): `part(moment, values, extra="")` is the caller's SELECT of the incidents of one moment."""
    def micros(moment: str) -> str:
        return f"extract(epoch FROM i.{moment} - i.opened_at) * 1000000"

    flag = "CASE WHEN {} THEN 1 ELSE 0 END".format
    ack = f"{flag(measured('ack_business_minutes'))}, {business_us('ack_business_minutes')}"
    resolve = f"{flag(measured('resolve_business_minutes'))}, {business_us('resolve_business_minutes')}"
    return " UNION ALL ".join([
        part("opened_at", f"1, {flag(SUBJECT)}, {flag(f'{SUBJECT} AND NOT {BREACHED}')}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0"),
        part("acknowledged_at", f"0, 0, 0, 1, {micros('acknowledged_at')}, 0, 0, 0, 0, {ack}, 0, 0"),
        part("resolved_at", f"0, 0, 0, 0, 0, 1, {micros('resolved_at')}, 0, 0, 0, 0, {resolve}"),
        part("csat_at", f"0, 0, 0, 0, 0, 0, 0, 1, {flag('i.csat >= 4')}, 0, 0, 0, 0", " AND i.csat IS NOT NULL"),
    ])


def _sums_select(t: FactTables, *, hourly: bool, where: str) -> str:
    """(service_id, bucket, the SUM_NAMES sums) of the incidents `where` selects, per day or hour."""
    def bucket(moment: str) -> str:
        utc = f"(i.{moment} AT TIME ZONE 'UTC')"
        return f"date_trunc('hour', {utc}) AT TIME ZONE 'UTC'" if hourly else f"{utc}::date"

    def part(moment: str, values: str, extra: str = "") -> str:
        return (f"SELECT i.service_id, {bucket(moment)} AS b, {values} FROM {t.incidents.name} i"
                f" WHERE {where} AND i.{moment} IS NOT NULL AND {USABLE}{extra}")

    parts = sum_parts(part)
    sums = ", ".join(f"sum(x.v{n})" for n in range(len(SUM_NAMES)))
    names = ", ".join(f"v{n}" for n in range(len(SUM_NAMES)))
    return (f"SELECT x.service_id, x.b, {sums} FROM ({parts}) AS x(service_id, b, {names})"
            " GROUP BY x.service_id, x.b")
