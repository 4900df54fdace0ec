"""Figures of repeated runs: median with min and max, and ratios against a baseline run side by side."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class Measure:
    scenario: str
    subject: str
    metric: str
    unit: str
    higher_is_better: bool
    values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def cell(self) -> str:
        return f"{_fmt(self.median)} ({_fmt(min(self.values))}–{_fmt(max(self.values))})"


@dataclass(frozen=True)
class Ratio:
    scenario: str
    text: str
    value: float
    goal: str
    met: bool | None  # None: shown for context, no goal set


def ratio(scenario: str, ours: Measure, baseline: Measure, *, goal: float | None, at_least: bool) -> Ratio:
    value = ours.median / baseline.median if baseline.median else float("inf")
    text = f"{ours.subject} / {baseline.subject} ({ours.metric})"
    if goal is None:
        return Ratio(scenario, text, value, "—", None)
    met = value >= goal if at_least else value <= goal
    sign = "≥" if at_least else "≤"
    return Ratio(scenario, text, value, f"{sign} {goal}×", met)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _met(met: bool | None) -> str:
    return "—" if met is None else "yes" if met else "NO"


def render(measures: list[Measure], ratios: list[Ratio]) -> str:
    lines = ["| scenario | subject | metric | median (min–max) |", "|---|---|---|---|"]
    lines += [f"| {m.scenario} | {m.subject} | {m.metric} [{m.unit}] | {m.cell()} |" for m in measures]
    lines += ["", "| scenario | ratio | value | goal | met |", "|---|---|---|---|---|"]
    lines += [f"| {r.scenario} | {r.text} | {r.value:.2f}× | {r.goal} | {_met(r.met)} |" for r in ratios]
    return "\n".join(lines)
