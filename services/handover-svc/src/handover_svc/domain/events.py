"""The events a handover records, named in the past tense: the published contracts of the handover context.

Each is defined once, in `continuum.contracts.handover` (what subscribers read is what the aggregate records);
this module names them as the domain speaks of them.
"""

from __future__ import annotations

from continuum.contracts.handover import CriterionAddedV1 as CriterionAdded
from continuum.contracts.handover import CriterionMetV1 as CriterionMet
from continuum.contracts.handover import CriterionResetV1 as CriterionReset
from continuum.contracts.handover import CriterionWaivedV1 as CriterionWaived
from continuum.contracts.handover import EarlyLifeIncidentOpenedV1 as EarlyLifeIncidentOpened
from continuum.contracts.handover import EarlyLifeIncidentResolvedV1 as EarlyLifeIncidentResolved
from continuum.contracts.handover import EarlyLifeSlaBreachedV1 as EarlyLifeSlaBreached
from continuum.contracts.handover import EarlyLifeSupportExtendedV1 as EarlyLifeSupportExtended
from continuum.contracts.handover import HandoverAcceptedV1 as HandoverAccepted
from continuum.contracts.handover import HandoverCompletedV1 as HandoverCompleted
from continuum.contracts.handover import HandoverEvent
from continuum.contracts.handover import HandoverOpenedV1 as HandoverOpened
from continuum.contracts.handover import HandoverRejectedV1 as HandoverRejected
from continuum.contracts.handover import HandoverResubmittedV1 as HandoverResubmitted
from continuum.contracts.handover import PUBLISHED

# The aggregates of this context record exactly its published contracts (the codec stores these).
EVENT_TYPES = PUBLISHED
