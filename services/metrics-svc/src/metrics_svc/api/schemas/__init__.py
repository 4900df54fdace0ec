"""Response and request DTOs of metrics-svc, each with examples.

The package's modules: `common` (figures, windows, problems and `number`, shared by the views), `services`,
`projects`, `handovers` and `portfolio` (each kind's KPIs) and `opportunities` (improvement opportunities).
"""

from __future__ import annotations

from metrics_svc.api.schemas.common import FigureView, ProblemView, WindowView, number, problems_field, problems_of
from metrics_svc.api.schemas.handovers import HandoverKpisView
from metrics_svc.api.schemas.opportunities import Dismiss, OpportunitySummary, OpportunityView
from metrics_svc.api.schemas.portfolio import PortfolioView
from metrics_svc.api.schemas.projects import ProjectKpisView
from metrics_svc.api.schemas.services import ServiceKpisView

__all__ = [
    "Dismiss", "FigureView", "HandoverKpisView", "OpportunitySummary", "OpportunityView", "PortfolioView",
    "ProblemView", "ProjectKpisView", "ServiceKpisView", "WindowView", "number", "problems_field", "problems_of",
]
