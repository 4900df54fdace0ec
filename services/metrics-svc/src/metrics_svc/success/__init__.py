"""The success scorecard read from the facts (domain.success decides it), and its publication: ProjectOutcomeEvaluated
once a project's last dimension is known. Any number of projects is read in a constant number of statements.

The package's modules: `cards` (the scorecards and who reads them), `records` (a project's record and its
opportunity's verdict), `delivered` (the services it delivered, read over their windows) and `publication` (the
outcomes recorded once)."""

from __future__ import annotations

from metrics_svc.success.cards import Reader, readable_scorecard, scorecards, success_columns
from metrics_svc.success.publication import HANDLERS, outcome_time, publish_outcomes, with_outcomes

__all__ = ["HANDLERS", "Reader", "outcome_time", "publish_outcomes", "readable_scorecard", "scorecards",
           "success_columns", "with_outcomes"]
