"""The loop's judgement of completed business days: for each service concerned, each day end not judged yet
(and the recent ones again when incidents arrive late), the detection rules, the lapse of open opportunities
whose signal cleared, and the benefits verdicts that fall due. Pure decisions come from the domain
(detection, benefits); this package reads what they need, in a few statements for any number of services.

The package's modules: `service_days` (what one service's judgement works on), `judging` (one service's day ends
judged in order, and `react`) and `judge` (`Judge`: which day ends, for which services, with which facts).
"""

from __future__ import annotations

from metrics_svc.judgement.judge import Judge
from metrics_svc.judgement.judging import react
from metrics_svc.judgement.service_days import Recent

__all__ = ["Judge", "Recent", "react"]
