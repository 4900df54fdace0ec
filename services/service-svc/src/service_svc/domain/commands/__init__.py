"""Commands of the service context, in the imperative: what a caller (or an inbound event) asks for.

Modules, one per aggregate: `services`, `calendars`, `incidents`, `problems`, `changes`, `service_requests`;
`ownership` holds ByTheServicesOwner.
"""

from __future__ import annotations

from service_svc.domain.commands.calendars import (
    AddHolidays,
    ByTheCalendarsOwner,
    CreateCalendar,
    DeleteCalendar,
    ReviseCalendar,
)
from service_svc.domain.commands.changes import (
    ApproveChange,
    ImplementChange,
    RejectChange,
    RequestChange,
)
from service_svc.domain.commands.incidents import (
    AcknowledgeIncident,
    AssignIncident,
    CloseIncident,
    HoldIncident,
    OpenIncident,
    RateIncident,
    RecordSlaBreaches,
    ReopenIncident,
    ResolveIncident,
    ResumeIncident,
)
from service_svc.domain.commands.ownership import ByTheServicesOwner
from service_svc.domain.commands.problems import (
    LinkIncident,
    OpenProblem,
    RecordKnownError,
    RecordRootCause,
    ResolveProblem,
)
from service_svc.domain.commands.service_requests import (
    CancelRequest,
    FulfilRequest,
    SubmitRequest,
)
from service_svc.domain.commands.services import (
    AssignOwner,
    ChangeStage,
    DefineSla,
    ImplementImprovement,
    PlanImprovement,
    RecordHandoverAcceptance,
    RecordOperatingCost,
    RegisterService,
    WithdrawSla,
)

__all__ = [
    "AcknowledgeIncident",
    "AddHolidays",
    "ApproveChange",
    "AssignIncident",
    "AssignOwner",
    "ByTheCalendarsOwner",
    "ByTheServicesOwner",
    "CancelRequest",
    "ChangeStage",
    "CloseIncident",
    "CreateCalendar",
    "DefineSla",
    "DeleteCalendar",
    "FulfilRequest",
    "HoldIncident",
    "ImplementChange",
    "ImplementImprovement",
    "LinkIncident",
    "OpenIncident",
    "OpenProblem",
    "PlanImprovement",
    "RateIncident",
    "RecordHandoverAcceptance",
    "RecordKnownError",
    "RecordOperatingCost",
    "RecordRootCause",
    "RecordSlaBreaches",
    "RegisterService",
    "RejectChange",
    "ReopenIncident",
    "RequestChange",
    "ResolveIncident",
    "ResolveProblem",
    "ResumeIncident",
    "ReviseCalendar",
    "SubmitRequest",
    "WithdrawSla",
]
