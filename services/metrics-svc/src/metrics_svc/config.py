"""Configuration of metrics-svc: the platform settings plus the improvement loop's (detection, benefits)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from continuum.config import ServiceSettings

from metrics_svc.domain.benefits import BenefitsSettings as BenefitsRules
from metrics_svc.domain.detection import RuleSettings
from metrics_svc.webhooks.settings import WebhookSettings


class DetectionSettings(BaseModel):
    """The detection rules' settings (env `DETECTION__<NAME>`); docs/improvement-loop.md explains each one."""

    enabled: bool = Field(True, description="Judge each completed business day for the services it concerns.")
    alpha: float = Field(3e-4, gt=0, lt=1, description="recurring_incidents: false-alarm probability per category "
                         "and day, shared by the window lengths tried (each is tested at alpha / their number).")
    min_window_days: int = Field(3, ge=2, description="The shortest recent window tried.")
    max_window_days: int = Field(28, ge=3, description="The longest recent window tried.")
    window_growth: float = Field(1.35, gt=1, description="Each window length tried is about this much longer.")
    baseline_days: int = Field(56, ge=7, description="The baseline before each recent window.")
    min_history_days: int = Field(28, ge=7, description="No incident test before the service has this much history.")
    min_rise_ratio: float = Field(1.5, gt=1, description="The smallest rise (window rate / baseline rate) reported.")
    min_days_with_incidents: int = Field(3, ge=1, description="A window needs incidents on this many distinct days.")
    burst_days: int = Field(2, ge=0, description="At most this many days of a window that stand out from the rest "
                            "of it are left out (a burst is an incident).")
    burst_alpha: float = Field(0.1, gt=0, lt=1, description="A window's busiest day stands out when its count is "
                               "this improbable at the rate of the window's other days (binomial tail).")
    share_alpha: float = Field(1e-3, gt=0, lt=1, description="The rise must also be significant against the rest "
                               "of the service at this level, when the rest is large enough (adoption guard).")
    min_control_incidents: int = Field(10, ge=1, description="Other categories' incidents needed for that guard.")
    max_dispersion: float = Field(4.0, ge=1, description="The largest overdispersion factor applied.")
    lapse_days: int = Field(14, ge=1, description="An open opportunity lapses when its last this-many days show no "
                            "significant rise over the baseline it was detected against.")
    clear_alpha: float = Field(0.05, gt=0, lt=1, description="'Significant' for the lapse test.")
    cooldown_days: int = Field(14, ge=0, description="After a lapse or a dismissal, no new opportunity for the same "
                               "service, rule and category for this many days.")
    proportion_alpha: float = Field(1e-3, gt=0, lt=1, description="sla_breach_rate and csat_below_target: the "
                                    "one-sided binomial tests' level.")
    breach_days: int = Field(30, gt=0, description="sla_breach_rate: the window.")
    breach_rate_pct: Decimal = Field(Decimal(20), ge=0, le=100, description="sla_breach_rate: the allowed rate.")
    breach_min_incidents: int = Field(10, gt=0, description="sla_breach_rate: the minimum sample.")
    availability_days: int = Field(30, gt=0, description="availability_below_target: the window.")
    availability_min_outages: int = Field(2, gt=0, description="availability_below_target: distinct outages needed.")
    csat_days: int = Field(30, gt=0, description="csat_below_target: the window.")
    csat_min_responses: int = Field(10, gt=0, description="csat_below_target: the minimum sample.")
    grace_hours: float = Field(6, ge=0, description="A day is judged once the event streams' business time is this "
                               "far past its end (events published slightly out of order still count).")
    live_window_hours: float = Field(24, ge=0, description="When every partition is caught up and the newest event "
                                     "is this close to the clock, business time is the clock (a live system).")
    in_step_hours: float = Field(24, ge=0, description="A service's events are in step with the service topic while "
                                 "each arrives at most this far behind the newest business time the topic had reached. "
                                 "One that arrives further behind (a history imported or replayed after the topic "
                                 "passed it) makes the service catch up: its days wait for it to settle.")
    catch_up_settle_s: float = Field(5, ge=0, description="A service catching up is judged once none of its events "
                                     "has arrived behind for this long on the clock: then once, on all that came.")

    def rules(self) -> RuleSettings:
        return RuleSettings(**self.model_dump(exclude={"enabled", "grace_hours", "live_window_hours", "in_step_hours",
                                                    "catch_up_settle_s"}))


class BenefitsSettings(BaseModel):
    """Benefits realisation (env `BENEFITS__<NAME>`)."""

    min_days: int = Field(28, gt=0, description="No verdict before this many days after the handover's acceptance.")
    look_every_days: int = Field(7, gt=0, description="After that, the verdict is tried this often.")
    max_days: int = Field(90, gt=0, description="BenefitsInconclusive if still undecided this long after acceptance.")
    min_expected: float = Field(10, gt=0, description="A look needs this many incidents expected at the regressed "
                                "level over the measured days.")
    min_gap_closed_pct: float = Field(50, ge=0, le=100, description="Realized needs at least this share of the gap "
                                      "from the regressed level to the baseline closed.")
    confidence: float = Field(0.9, gt=0.5, lt=1, description="Confidence of the tests and intervals.")
    level_days: int = Field(14, gt=0, description="The regressed level is the KPI's over this many days before the "
                            "acceptance, after the detection (regression to the mean: not the peak that fired).")
    still_regressed_alpha: float = Field(0.01, gt=0, lt=1, description="The regressed level must still be this "
                                         "significantly above the baseline at acceptance, or the verdict is "
                                         "Inconclusive (the signal faded before the project could fix it).")
    min_regressed_days: int = Field(7, gt=0, description="When the detection is more recent than this, the regressed "
                                    "level reaches back to the shift's estimated start.")
    min_responses: int = Field(10, gt=0, description="SLA and CSAT verdicts: the minimum sample.")
    check_interval_s: float = Field(60, gt=0, description="How often lapses and verdicts are checked on the clock.")

    def rules(self) -> BenefitsRules:
        return BenefitsRules(**self.model_dump(exclude={"check_interval_s"}))


class Config(ServiceSettings):
    """Settings of metrics-svc; see the README's configuration table."""

    detection: DetectionSettings = DetectionSettings()
    benefits: BenefitsSettings = BenefitsSettings()
    webhooks: WebhookSettings = WebhookSettings()
