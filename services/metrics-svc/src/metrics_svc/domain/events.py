"""The events metrics-svc's aggregates record (the ImprovementOpportunity and the ProjectOutcome), named in the
past tense: the published contracts of the metrics context.

Each is defined once, in `continuum.contracts.metrics`; this module names them as the domain speaks of them.
"""

from __future__ import annotations

from continuum.contracts.metrics import BenefitsInconclusiveV1 as BenefitsInconclusive
from continuum.contracts.metrics import BenefitsMeasurementScheduledV1 as BenefitsMeasurementScheduled
from continuum.contracts.metrics import BenefitsNotRealizedV1 as BenefitsNotRealized
from continuum.contracts.metrics import BenefitsRealizedV1 as BenefitsRealized
from continuum.contracts.metrics import BenefitsVerdict
from continuum.contracts.metrics import ImprovementOpportunityAbandonedV1 as ImprovementOpportunityAbandoned
from continuum.contracts.metrics import ImprovementOpportunityConvertedV1 as ImprovementOpportunityConverted
from continuum.contracts.metrics import ImprovementOpportunityDetectedV1 as ImprovementOpportunityDetected
from continuum.contracts.metrics import ImprovementOpportunityDismissedV1 as ImprovementOpportunityDismissed
from continuum.contracts.metrics import ImprovementOpportunityLapsedV1 as ImprovementOpportunityLapsed
from continuum.contracts.metrics import OutcomeDimension
from continuum.contracts.metrics import PUBLISHED
from continuum.contracts.metrics import ProjectOutcomeEvaluatedV1 as ProjectOutcomeEvaluated

# The aggregates of this context record exactly its published contracts (the codec stores these).
EVENT_TYPES = PUBLISHED
