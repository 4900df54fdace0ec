"""Outbound webhooks: subscriptions over every topic, signed CloudEvents over HTTP (docs/webhooks.md)."""
