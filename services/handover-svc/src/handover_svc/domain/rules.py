"""The handover's domain rules as pure functions; each broken rule raises a DomainError naming it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from continuum.domain import DomainError, NotAllowed

from handover_svc.domain.criteria import EARLY_LIFE_SUPPORT_AGREED

CRITERION_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
OWNER_DECIDES = "decided-by-the-services-owner"
# a new service is accepted from transition, a changed one in operation; never from strategy, design or retired
ACCEPTANCE_STAGES = ("transition", "operation")
FRESHNESS = "as handover-svc last heard from service-svc (a change made a moment ago may take a moment to arrive)"


def require_services_owner(owner: str | None, acting: str | None, *, service_id: object) -> None:
    """The service's owner decides on its handovers; `acting` None is admin or integration, for any service."""
    if acting is None or acting == owner:
        return
    if owner is None:
        raise NotAllowed(OWNER_DECIDES, f"service {service_id} has no owner yet, {FRESHNESS}")
    raise NotAllowed(OWNER_DECIDES, f"{acting!r} is not the owner ({owner!r}) of service {service_id}, {FRESHNESS}")


def require_stage_for_acceptance(stage: str | None) -> None:
    if stage not in ACCEPTANCE_STAGES:
        raise DomainError("service-in-transition-or-operation",
                          f"a handover is accepted for a service in transition (a new one) or in operation (a "
                          f"changed one); this service is in {stage or 'a stage not known yet'}, {FRESHNESS}")


def require_new_criterion_key(key: str, existing: Mapping[str, Any]) -> None:
    if not CRITERION_KEY.match(key):
        raise DomainError("criterion-key-format", f"{key!r} is not lower-case letters, digits and hyphens")
    if key in existing:
        raise DomainError("criterion-key-unique", f"the handover already has a criterion {key!r}")


def require_evidence(evidence: str) -> None:
    if not evidence.strip():
        raise DomainError("criterion-met-with-evidence", "meeting a criterion needs evidence (a link or a text)")


def require_justification(justification: str) -> None:
    if not justification.strip():
        raise DomainError("waiver-needs-justification", "waiving a criterion needs a justification")


def require_reason(reason: str) -> None:
    if not reason.strip():
        raise DomainError("reset-needs-reason", "putting a criterion back to pending needs a reason")


def require_early_life_terms(key: str, days: int | None, max_per_week: Decimal | None) -> None:
    """The early-life-support criterion is met only with its number of days, and only it carries them."""
    if key == EARLY_LIFE_SUPPORT_AGREED:
        if days is None or days < 1:
            raise DomainError("early-life-support-days-agreed",
                              "the early-life-support period needs its number of days (at least 1)")
        if max_per_week is not None and max_per_week < 0:
            raise DomainError("early-life-threshold-not-negative", "the incident threshold cannot be negative")
    elif days is not None or max_per_week is not None:
        raise DomainError("early-life-terms-on-their-criterion",
                          f"early-life-support terms belong to {EARLY_LIFE_SUPPORT_AGREED!r}, not {key!r}")


def require_reasons(reasons: list[str]) -> list[str]:
    kept = [reason.strip() for reason in reasons if reason.strip()]
    if not kept:
        raise DomainError("rejection-needs-reasons", "a rejection needs at least one reason")
    return kept


def require_no_mandatory_pending(pending_mandatory: list[str]) -> None:
    if pending_mandatory:
        raise DomainError("no-mandatory-criterion-pending",
                          f"mandatory criteria still pending: {', '.join(pending_mandatory)}")


def require_extension(days: int, reason: str) -> None:
    if days < 1:
        raise DomainError("extension-days-positive", "an extension adds at least one day")
    if not reason.strip():
        raise DomainError("extension-needs-reason", "an extension of early life support needs a reason")


def require_ending_justification(justification: str) -> None:
    if not justification.strip():
        raise DomainError("ending-early-needs-justification",
                          "ending early life support before its exit criteria hold needs a justification")


def require_exit_criteria(failing: list[str]) -> None:
    if failing:
        raise DomainError("early-life-exit-criteria-hold",
                          f"early life support cannot end yet: {', '.join(failing)}")
