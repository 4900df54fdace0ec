"""Read side: the KPIs computed at read time by the pure functions from the projected facts.

The package's modules: `connection` (the snapshot every read of a request shares), `services`, `projects`,
`handovers` (each item's report) and `portfolio` (all of them together)."""

from __future__ import annotations

from metrics_svc.queries.connection import snapshot
from metrics_svc.queries.handovers import handover_report, handovers_with_kpis
from metrics_svc.queries.portfolio import ItemProblem, PortfolioReport, portfolio_report
from metrics_svc.queries.projects import project_report, project_reports
from metrics_svc.queries.services import ServiceReport, service_report, service_reports

__all__ = ["ItemProblem", "PortfolioReport", "ServiceReport", "handover_report", "handovers_with_kpis",
           "portfolio_report", "project_report", "project_reports", "service_report", "service_reports", "snapshot"]
