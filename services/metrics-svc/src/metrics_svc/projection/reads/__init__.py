"""Reads the projected facts back as the pure domain's fact objects.

The package's modules: `_common` (what every read shares), `incidents`, `services` (a service's other facts),
`windowed` (many services' facts within a window) and `project_facts` (projects and handovers)."""

from __future__ import annotations

from metrics_svc.projection.reads._common import any_of, aware
from metrics_svc.projection.reads.incidents import (
    incident_facts,
    incidents_of,
    incidents_opened_within,
    incidents_touching,
    unusable_incidents,
)
from metrics_svc.projection.reads.project_facts import handover, handover_rows, project, project_ids, projects
from metrics_svc.projection.reads.services import (
    improvements_of_services,
    names_of,
    service_ids,
    services_with_facts,
    sla_of,
    slas_of,
)
from metrics_svc.projection.reads.windowed import changes_within, delivering_costs_within, operating_costs_within

__all__ = ["any_of", "aware", "changes_within", "delivering_costs_within", "handover", "handover_rows",
           "improvements_of_services", "incident_facts", "incidents_of", "incidents_opened_within",
           "incidents_touching", "names_of", "operating_costs_within", "project", "project_ids", "projects",
           "service_ids", "services_with_facts", "sla_of", "slas_of", "unusable_incidents"]
