"""The events of the project context, named in the past tense: the published contracts of `continuum.contracts.project`.

Each is defined once, in the contracts module (what subscribers read is what the aggregate records); this module
names them, and the parts of their data, as the domain speaks of them.
"""

from __future__ import annotations

from continuum.contracts.project import ActualCostRecordedV1 as ActualCostRecorded
from continuum.contracts.project import ChangeRequestApprovedV1 as ChangeRequestApproved
from continuum.contracts.project import ChangeRequestRaisedV1 as ChangeRequestRaised
from continuum.contracts.project import ChangeRequestRejectedV1 as ChangeRequestRejected
from continuum.contracts.project import CharterApprovedV1 as CharterApproved
from continuum.contracts.project import ExecutionStartedV1 as ExecutionStarted
from continuum.contracts.project import HandoverAcceptanceRecordedV1 as HandoverAcceptanceRecorded
from continuum.contracts.project import MilestoneAddedV1 as MilestoneAdded
from continuum.contracts.project import MilestoneCompletedV1 as MilestoneCompleted
from continuum.contracts.project import MilestoneDescopedV1 as MilestoneDescoped
from continuum.contracts.project import MilestoneProgressRecordedV1 as MilestoneProgressRecorded
from continuum.contracts.project import PUBLISHED
from continuum.contracts.project import PlanBaselinedV1 as PlanBaselined
from continuum.contracts.project import PlannedMilestone
from continuum.contracts.project import PlanningStartedV1 as PlanningStarted
from continuum.contracts.project import ProjectAcceptedV1 as ProjectAccepted
from continuum.contracts.project import ProjectCancelledV1 as ProjectCancelled
from continuum.contracts.project import ProjectClosedV1 as ProjectClosed
from continuum.contracts.project import ProjectClosingStartedV1 as ProjectClosingStarted
from continuum.contracts.project import ProjectProposedV1 as ProjectProposed
from continuum.contracts.project import ProjectPutOnHoldV1 as ProjectPutOnHold
from continuum.contracts.project import ProjectResumedV1 as ProjectResumed
from continuum.contracts.project import ProjectSuccessEvaluatedV1 as ProjectSuccessEvaluated
from continuum.contracts.project import RiskIdentifiedV1 as RiskIdentified
from continuum.contracts.project import RiskReassessedV1 as RiskReassessed
from continuum.contracts.project import TeamAssignedV1 as TeamAssigned
from continuum.contracts.project import TeamDisbandedV1 as TeamDisbanded
from continuum.contracts.project import TeamMember

# The aggregates of this context record exactly its published contracts (the codec stores these).
EVENT_TYPES = PUBLISHED
