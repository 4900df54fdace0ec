"""Settings of outbound webhooks (env `WEBHOOKS__<NAME>`); docs/webhooks.md explains each one."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, Field, field_validator, model_validator


class WebhookSettings(BaseModel):
    enabled: bool = Field(True, description="Take events into deliveries and deliver them (the routes stay).")
    timeout_s: float = Field(10, gt=0, le=120, description="A receiver must answer a POST within this long.")
    poll_interval_s: float = Field(0.5, gt=0, description="How often the delivery loop looks for due deliveries.")
    max_in_flight: int = Field(64, ge=1, description="POSTs one process has in flight at once.")
    per_subscription_in_flight: int = Field(8, ge=1, description="POSTs in flight per subscription (all replicas): "
                                            "a slow receiver holds only its own slots.")
    lease_s: float = Field(60, gt=0, description="A claimed delivery is another replica's to retry after this long "
                           "(the claimer died); longer than timeout_s.")
    backoff_base_s: float = Field(5, gt=0, description="The first retry's delay bound; doubled per attempt.")
    backoff_max_s: float = Field(3600, gt=0, description="The largest delay bound (full jitter below it).")
    retry_for_s: float = Field(86400, gt=0, description="A delivery is retried for at least this long after its "
                               "first failure, then parked.")
    pause_after_failures: int = Field(100, ge=1, description="This many failed attempts in a row (no success "
                                      "between) pause the subscription.")
    response_excerpt_bytes: int = Field(1024, ge=0, le=65536, description="How much of a failed answer is kept.")
    allowed_networks: list[str] = Field(default_factory=list, description="Networks (CIDR) targets may resolve "
                                        "to although private, loopback or link-local (production).")
    keep_delivered_days: float = Field(7, ge=0, description="Delivered rows are listed (state=delivered) this "
                                       "long, then forgotten.")
    backfill_batch: int = Field(500, ge=1, description="Records per transaction when a subscription replays "
                                "the topics from the beginning.")

    @field_validator("allowed_networks")
    @classmethod
    def _networks(cls, networks: list[str]) -> list[str]:
        for network in networks:
            ipaddress.ip_network(network, strict=False)
        return networks

    @model_validator(mode="after")
    def _lease_outlives_timeout(self) -> WebhookSettings:
        if self.lease_s <= self.timeout_s:
            raise ValueError("webhooks.lease_s must be longer than webhooks.timeout_s")
        return self

    def networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(network, strict=False) for network in self.allowed_networks]
