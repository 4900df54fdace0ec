"""The Handover aggregate: service acceptance criteria, the decision, and early life support.

Modules: `state` (HandoverState, the fold of the events and the views: HandoverFold), `criteria_commands` (the
criteria's commands, _Criteria) and `aggregate` (Handover: opening, the decision, early life support).
"""

from __future__ import annotations

from handover_svc.domain.handover.aggregate import Handover
from handover_svc.domain.handover.state import HandoverState

__all__ = ["Handover", "HandoverState"]
