"""The events of the service context, named in the past tense: the published contracts of `continuum.contracts.service`.

Each is defined once, in the contracts module (what subscribers read is what the aggregates record); this module
names them, and the parts of their data, as the domain speaks of them.
"""

from __future__ import annotations

from continuum.contracts.service import CalendarCreatedV1 as CalendarCreated
from continuum.contracts.service import CalendarDeletedV1 as CalendarDeleted
from continuum.contracts.service import CalendarHours
from continuum.contracts.service import CalendarRevisedV1 as CalendarRevised
from continuum.contracts.service import ChangeApprovedV1 as ChangeApproved
from continuum.contracts.service import ChangeImplementedV1 as ChangeImplemented
from continuum.contracts.service import ChangeRejectedV1 as ChangeRejected
from continuum.contracts.service import ChangeRequestedV1 as ChangeRequested
from continuum.contracts.service import Holiday
from continuum.contracts.service import ImprovementImplementedV1 as ImprovementImplemented
from continuum.contracts.service import ImprovementPlannedV1 as ImprovementPlanned
from continuum.contracts.service import IncidentAcknowledgedV1 as IncidentAcknowledged
from continuum.contracts.service import IncidentAssignedV1 as IncidentAssigned
from continuum.contracts.service import IncidentClosedV1 as IncidentClosed
from continuum.contracts.service import IncidentCsatRatedV1 as IncidentCsatRated
from continuum.contracts.service import IncidentOpenedV1 as IncidentOpened
from continuum.contracts.service import IncidentPutOnHoldV1 as IncidentPutOnHold
from continuum.contracts.service import IncidentReopenedV1 as IncidentReopened
from continuum.contracts.service import IncidentResolutionSlaBreachedV1 as IncidentResolutionSlaBreached
from continuum.contracts.service import IncidentResolvedV1 as IncidentResolved
from continuum.contracts.service import IncidentResponseSlaBreachedV1 as IncidentResponseSlaBreached
from continuum.contracts.service import IncidentResumedV1 as IncidentResumed
from continuum.contracts.service import IncidentSlaAppliedV1 as IncidentSlaApplied
from continuum.contracts.service import OperatingCostRecordedV1 as OperatingCostRecorded
from continuum.contracts.service import PUBLISHED
from continuum.contracts.service import ProblemIncidentLinkedV1 as ProblemIncidentLinked
from continuum.contracts.service import ProblemKnownErrorRecordedV1 as ProblemKnownErrorRecorded
from continuum.contracts.service import ProblemOpenedV1 as ProblemOpened
from continuum.contracts.service import ProblemResolvedV1 as ProblemResolved
from continuum.contracts.service import ProblemRootCauseRecordedV1 as ProblemRootCauseRecorded
from continuum.contracts.service import ServiceOwnerAssignedV1 as ServiceOwnerAssigned
from continuum.contracts.service import ServiceRegisteredV1 as ServiceRegistered
from continuum.contracts.service import ServiceRequestCancelledV1 as ServiceRequestCancelled
from continuum.contracts.service import ServiceRequestFulfilledV1 as ServiceRequestFulfilled
from continuum.contracts.service import ServiceRequestSubmittedV1 as ServiceRequestSubmitted
from continuum.contracts.service import ServiceStageChangedV1 as ServiceStageChanged
from continuum.contracts.service import SlaCalendarRevisedV1 as SlaCalendarRevised
from continuum.contracts.service import SlaDefinedV1 as SlaDefined
from continuum.contracts.service import SlaTargets as SlaTarget
from continuum.contracts.service import SlaWithdrawnV1 as SlaWithdrawn
from continuum.contracts.service import WorkingInterval

# The aggregates of this context record exactly its published contracts (the codec stores these).
EVENT_TYPES = PUBLISHED
