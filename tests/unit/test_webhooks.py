"""Pure pieces of webhooks: Standard Webhooks signatures (checked by the reference package), the SSRF check of
targets, subscription filters and the retry schedule."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from continuum.webhooks import (
    TargetRefused,
    check_target,
    check_target_url,
    new_secret,
    refused_address,
    standard_webhook_headers,
)
from metrics_svc.webhooks.dispatcher import full_jitter_delay
from metrics_svc.webhooks.settings import WebhookSettings
from metrics_svc.webhooks.subscription import Filters


def test_signatures_verify_with_the_reference_package_and_each_secret_of_a_rotation_signs():
    old, new = new_secret(), new_secret()
    body = b'{"incident_id":"6f1c0e0e-8a43-4c1e-9b43-2f0d2f8c0a11"}'
    now = int(datetime.now(UTC).timestamp())
    headers = standard_webhook_headers(secrets_in_use=[new, old], message_id="evt-1", timestamp=now, body=body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert Webhook(secret).verify(body, headers) == {"incident_id": "6f1c0e0e-8a43-4c1e-9b43-2f0d2f8c0a11"}
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):  # one byte changed
        Webhook(new).verify(body.replace(b"6f", b"7f"), headers)


@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"), ("192.168.0.10", "private"),
    ("172.16.5.4", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("::ffff:10.0.0.1", "private"), ("0.0.0.0", "private"), ("100.64.0.1", "not-global"), ("93.184.215.14", None),
    ("2606:4700::6810:84e5", None),
])
def test_production_refuses_loopback_link_local_and_private_addresses(address, reason):
    assert refused_address(address, allow_loopback=False, allowed=()) == reason


def test_loopback_allowed_outside_production_and_an_allow_listed_network_always():
    assert refused_address("127.0.0.1", allow_loopback=True, allowed=()) is None
    assert refused_address("169.254.169.254", allow_loopback=True, allowed=()) == "link-local"
    assert refused_address("10.1.2.3", allow_loopback=False, allowed=[ipaddress.ip_network("10.0.0.0/8")]) is None


def test_production_targets_are_https_without_credentials():
    with pytest.raises(TargetRefused, match="https"):
        check_target_url("http://hooks.example.com/x", require_https=True)
    with pytest.raises(TargetRefused, match="credentials"):
        check_target_url("https://user:pw@hooks.example.com/x", require_https=True)
    with pytest.raises(TargetRefused):
        check_target_url("file:///etc/passwd", require_https=False)
    assert check_target_url("https://hooks.example.com:8443/x", require_https=True) == ("hooks.example.com", 8443)


async def test_a_name_resolving_to_loopback_is_refused_in_production():
    with pytest.raises(TargetRefused, match="loopback"):
        await check_target("https://localhost/hook", require_https=True, allow_loopback=False)
    await check_target("http://localhost/hook", require_https=False, allow_loopback=True)


def test_filters_exact_prefix_source_subject_and_own_events():
    filters = Filters(event_types=("continuum.service.Incident*", "continuum.project.ProjectClosed.v1"),
                      skip_own_events=True)

    def takes(event_type, actor="someone", source="/continuum/service-svc", subject="s1"):
        return filters.matches(event_type=event_type, source=source, subject=subject, actor=actor, owner="glpi")

    assert takes("continuum.service.IncidentOpened.v1")
    assert takes("continuum.project.ProjectClosed.v1")
    assert not takes("continuum.project.ProjectClosed.v2")
    assert not takes("continuum.service.ServiceRegistered.v1")
    assert not takes("continuum.service.IncidentOpened.v1", actor="glpi")
    narrow = Filters(sources=("/continuum/handover-svc",), subjects=("h1",))
    assert narrow.matches(event_type="x", source="/continuum/handover-svc", subject="h1", actor=None, owner="o")
    assert not narrow.matches(event_type="x", source="/continuum/service-svc", subject="h1", actor=None, owner="o")
    assert not narrow.matches(event_type="x", source="/continuum/handover-svc", subject="h2", actor=None, owner="o")


def test_full_jitter_stays_under_the_exponential_bound():
    settings = WebhookSettings()
    for attempts, bound in ((1, 5), (3, 20), (30, 3600)):
        delays = [full_jitter_delay(attempts, settings) for _ in range(200)]
        assert all(0 <= delay <= bound for delay in delays)
        assert max(delays) > bound / 2  # jittered over the whole range, not a fixed step


def test_the_default_schedule_retries_for_at_least_a_day_and_leases_outlive_timeouts():
    assert WebhookSettings().retry_for_s >= 24 * 3600
    with pytest.raises(ValueError, match="lease_s"):
        WebhookSettings(timeout_s=30, lease_s=10)


def test_the_relay_sends_the_actor_and_the_consumer_reads_it_back():
    from types import SimpleNamespace
    from uuid import uuid4

    from continuum.kafka import cloudevents

    stored = SimpleNamespace(event_id=uuid4(), stream_id=uuid4(), event_type="IncidentOpened", schema_version=1,
                             version=1, occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
                             metadata={"actor": "glpi", "correlation_id": "c1"})
    headers = cloudevents.encode_headers(stored, context="service", source="/continuum/service-svc")
    assert dict(headers)["ce_actor"] == b"glpi"  # what skip_own_events compares with the subscriber
    assert cloudevents.decode(headers, b"{}").actor == "glpi"


@pytest.mark.parametrize("url", ["http://[::1/x", "http://host:99999/x", "http://host:port/x", "https:///x",
                                 "http://" + "a" * 70 + ".example/x", "http://a\x00b/x"])
async def test_malformed_targets_are_refused_not_an_error(url):
    with pytest.raises(TargetRefused):
        await check_target(url, require_https=False, allow_loopback=True)
