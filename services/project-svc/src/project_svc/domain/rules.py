"""Pure rules of the project domain: each raises a DomainError naming the rule it guards."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from continuum.domain import DomainError

from project_svc.domain.entities import State

SCALE = range(1, 6)


def require_state(state: State, allowed: Iterable[State], action: str) -> None:
    allowed = tuple(allowed)
    if state not in allowed:
        names = "-or-".join(s.value for s in allowed)
        raise DomainError(f"{action}-requires-{names}", f"cannot {action.replace('-', ' ')} a {state.value} project")


def require_text(value: str, what: str) -> None:
    if not value.strip():
        raise DomainError(f"{what}-required", f"a {what.replace('-', ' ')} is required")


def dates_in_order(start: date, end: date) -> None:
    if end < start:
        raise DomainError("planned-end-not-before-start", f"planned end {end} is before planned start {start}")


def positive_budget(amount: Decimal) -> None:
    if amount <= 0:
        raise DomainError("budget-positive", f"the budget at completion must be positive, not {amount}")


def within_schedule(when: date, start: date, end: date, what: str) -> None:
    if not start <= when <= end:
        raise DomainError(f"{what}-within-schedule", f"{what.replace('-', ' ')} {when} is outside {start}..{end}")


def risk_scale(probability: int, impact: int) -> None:
    if probability not in SCALE or impact not in SCALE:
        raise DomainError("risk-scale-1-to-5", f"probability {probability} and impact {impact} must be 1..5")


def planned_values_sum_to_bac(values: Iterable[Decimal], bac: Decimal) -> None:
    total = sum(values, Decimal(0))
    if total != bac:
        raise DomainError("planned-values-sum-to-bac", f"planned values sum to {total}, the budget is {bac}")


def not_in_future(when: date, today: date, what: str) -> None:
    if when > today:
        raise DomainError(f"{what}-not-in-future", f"{what.replace('-', ' ')} {when} is after today ({today})")
