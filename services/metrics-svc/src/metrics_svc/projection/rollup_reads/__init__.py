"""Bounded reads of the incident KPIs (projection.rollups): a window [lo, hi) of business time is its whole UTC days
read from the daily rollups and its partial days at either edge summed from the facts of those days only, so any
window, week or `as_of` costs the same whatever the history. A constant number of statements answers any number
of windows of any number of services.

The package's modules: `sums` (what a window adds up), `splits` (a window cut into whole days and partial days and
hours), `day_sums` and `outages` (the statements reading them), `asks` (the asks answered together), `availability`
(what they fetched, and a window's availability from it) and `grouped` (one window's sums grouped by service)."""

from __future__ import annotations

from metrics_svc.projection.rollup_reads.asks import Answer, Ask, answer
from metrics_svc.projection.rollup_reads.grouped import opened_counts, window_sums
from metrics_svc.projection.rollup_reads.outages import faults
from metrics_svc.projection.rollup_reads.sums import Sums

__all__ = ["Answer", "Ask", "Sums", "answer", "faults", "opened_counts", "window_sums"]
