"""The webhook parts of metrics-svc's composition: its background loops (intake, replay, delivery)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from continuum.config import Environment
from continuum.consumer import EventConsumer
from continuum.kafka.topics import dlq_topic, ensure_topics
from continuum.service import Platform

from metrics_svc.webhooks.dispatcher import Dispatcher, Sender, WebhookMetrics
from metrics_svc.webhooks.intake import intake_consumer, replay_pending_subscriptions
from metrics_svc.webhooks.settings import WebhookSettings

log = logging.getLogger(__name__)


def sender_for(platform_config, settings: WebhookSettings) -> Sender:
    return Sender(settings, production=platform_config.environment is Environment.production)


class Webhooks:
    """One per app: the loops share the intake consumer (for its lag) and the metrics."""

    def __init__(self, settings: WebhookSettings) -> None:
        self.settings = settings
        self.intake: EventConsumer | None = None

    def background(self) -> list[Callable[[Platform], Awaitable[None]]]:
        if not self.settings.enabled:
            return []
        return [self.take_events, self.replay, self.deliver]

    async def take_events(self, platform: Platform) -> None:
        """The intake: a consumer group of its own, restarted from its committed offsets when it stops."""
        if not platform.config.consumer.enabled:
            return
        name = f"{platform.spec.name}.webhooks"
        await platform.kafka_topics_ready.wait()
        await ensure_topics(platform.config.kafka, [dlq_topic(name)])
        self.intake = intake_consumer(name=name, engine=platform.engine, kafka=platform.config.kafka,
                                      settings=platform.config.consumer)
        while True:
            try:
                await self.intake.run()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.intake.status.last_error = f"{type(error).__name__}: {error}"
                log.warning("webhook intake stopped (%s); restarting", error)
                await asyncio.sleep(platform.config.consumer.retry_backoff_max_s)

    async def replay(self, platform: Platform) -> None:
        await platform.kafka_topics_ready.wait()
        await replay_pending_subscriptions(platform.engine, platform.config.kafka, batch=self.settings.backfill_batch)

    async def deliver(self, platform: Platform) -> None:
        metrics = WebhookMetrics(platform.telemetry.registry)
        sender = sender_for(platform.config, self.settings)
        dispatcher = Dispatcher(engine=platform.engine, settings=self.settings, sender=sender, metrics=metrics,
                                intake_lag=lambda: self.intake.status.lag if self.intake is not None else 0)
        try:
            await dispatcher.run()
        finally:
            await asyncio.shield(sender.close())
