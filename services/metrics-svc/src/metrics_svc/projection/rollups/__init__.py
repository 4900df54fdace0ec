"""Daily rollups of the incident facts, maintained in the consumer's transaction: what every incident KPI sums, per
service and UTC day, so that a window, a weekly series or any `as_of` reads a bounded number of rows.

A rollup row moves by what the facts say, never by what the event says. When incidents' facts change (opened,
acknowledged, resolved, reopened, breached, rated — in any order, late or twice), what they contribute to each hour
is kept aside before the batch's writes (negated, in a temporary table) and, after them, what they contribute now
plus what was kept aside is added to each hour and day where it is not nothing, by the same SQL (a statement each
way, no row of it through Python): the incident's old contribution leaves with its old day and its new one arrives
with its new day, a redelivery or a reopen changes nothing but what the facts say, and a batch costs what its
incidents touch, never the history of the days they fall on (a shuffled import touches every day); a row is
written only where its sums change (an incident rated moves its rating's hour, not the hours it was opened and
resolved in). Additions commute, so two transactions adding to one day both count. Availability needs the
union of outages, which does not add up: each resolved outage's span (domain.service_kpis.outage_span) is kept cut
at every UTC midnight (`outage_pieces`), and a day's down time is the union of its pieces. Open outages stay in the
incident facts (a partial index finds them).

The package's modules: `pieces` (UTC days, outage pieces), `sql` (the sums' SQL, shared with the reads), `maintenance`
(the consumer's maintenance) and `refresh` (the grouped derivation of whole services).
"""

from __future__ import annotations

from metrics_svc.projection.rollups.maintenance import arrive, leave
from metrics_svc.projection.rollups.pieces import midnight, utc_day
from metrics_svc.projection.rollups.refresh import refresh_services
from metrics_svc.projection.rollups.sql import SUM_COLUMNS, USABLE, lateral_sums, sum_parts

__all__ = ["SUM_COLUMNS", "USABLE", "arrive", "lateral_sums", "leave", "midnight", "refresh_services", "sum_parts",
           "utc_day"]
