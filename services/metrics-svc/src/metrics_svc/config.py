"""Configuration of metrics-svc: the platform settings plus the detection rules' and benefits' settings."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from continuum.config import ServiceSettings

from metrics_svc.domain.detection import RuleSettings


class DetectionSettings(BaseModel):
    """The detection rules' settings (env `DETECTION__<NAME>`); every window is business time, ending now."""

    enabled: bool = Field(True, description="Run the rules after each relevant fact changes.")
    recent_days: int = Field(7, gt=0, description="incident_rate_rise: the recent window.")
    baseline_days: int = Field(28, gt=0, description="incident_rate_rise: the trailing baseline before it.")
    rise_factor: Decimal = Field(Decimal(2), gt=0,
                                 description="incident_rate_rise: fires when recent ≥ factor × baseline (scaled).")
    rise_min_incidents: int = Field(5, gt=0, description="incident_rate_rise: fewer recent incidents never fire.")
    recurring_days: int = Field(30, gt=0, description="recurring_incidents: the window.")
    recurring_min_incidents: int = Field(5, gt=0, description="recurring_incidents: same-category count that fires.")
    breach_days: int = Field(30, gt=0, description="sla_breach_rate: the window.")
    breach_rate_pct: Decimal = Field(Decimal(20), ge=0, le=100, description="sla_breach_rate: fires above this %.")
    breach_min_incidents: int = Field(5, gt=0, description="sla_breach_rate: fewer SLA-bound incidents never fire.")
    availability_days: int = Field(30, gt=0, description="availability_below_target: the window.")
    csat_days: int = Field(30, gt=0, description="csat_below_target: the window.")
    csat_min_responses: int = Field(5, gt=0, description="csat_below_target: fewer responses never fire.")

    def rules(self) -> RuleSettings:
        return RuleSettings(**self.model_dump(exclude={"enabled"}))


class BenefitsSettings(BaseModel):
    """Benefits realisation (env `BENEFITS__<NAME>`)."""

    window_days: int = Field(30, gt=0, description="The KPI is measured over this many days after acceptance.")
    min_gap_closed_pct: Decimal = Field(
        Decimal(50), ge=0, le=100,
        description="Realized when the KPI closed at least this share of the gap from detection to baseline.")
    check_interval_s: float = Field(60, gt=0, description="How often due measurements are checked on the clock.")


class Config(ServiceSettings):
    """Settings of metrics-svc; see the README's configuration table."""

    detection: DetectionSettings = DetectionSettings()
    benefits: BenefitsSettings = BenefitsSettings()
