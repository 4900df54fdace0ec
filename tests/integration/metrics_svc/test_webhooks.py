"""Webhooks out of metrics-svc on the real PostgreSQL and Kafka, received by a real HTTP server that verifies
every signature with the `standardwebhooks` package and parses every delivery with the `cloudevents` SDK (its HTTP binding, binary mode)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

import pytest
from aiohttp import web
from aiokafka import AIOKafkaConsumer, TopicPartition
from cloudevents.core.bindings.http import HTTPMessage, from_http_event
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from continuum.contracts import catalog
from continuum.contracts import service as sv
from continuum.kafka.topics import CONTEXTS, ensure_topics, events_topic
from continuum_dev.testing.plugin import free_port
from metrics_svc.bootstrap import SPEC
from metrics_svc.config import Config
from metrics_svc.main import create_app
from metrics_svc.webhooks.settings import WebhookSettings
from tests.support.apps import serving, settings_for

TOPICS = sorted(events_topic(context) for context in CONTEXTS)
FAST = {"poll_interval_s": 0.05, "timeout_s": 1.0, "lease_s": 5, "backoff_base_s": 0.05, "backoff_max_s": 0.3}


@dataclass
class Receiver:
    """An HTTP server on a free port; each path a receiver of its own (its secrets, its behaviour)."""

    port: int = field(default_factory=free_port)
    secrets: dict[str, list[str]] = field(default_factory=dict)
    received: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    status: dict[str, int] = field(default_factory=dict)
    delay_s: dict[str, float] = field(default_factory=dict)
    signatures: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    failures: list[str] = field(default_factory=list)
    runner: web.AppRunner | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    async def handle(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        body = await request.read()
        await asyncio.sleep(self.delay_s.get(path, 0))
        headers = dict(request.headers)
        for secret in self.secrets.get(path, []):  # each secret in use must verify on its own
            try:
                Webhook(secret).verify(body, headers)
            except WebhookVerificationError as error:
                self.failures.append(f"{path}: {error}")
        self.signatures[path].append(headers["webhook-signature"])
        parsed = from_http_event(HTTPMessage(headers=headers, body=body))  # the CloudEvents SDK, binary mode
        event = {"id": parsed.get_id(), "subject": parsed.get_subject(), "type": parsed.get_type(),
                 "source": parsed.get_source(), "data": parsed.get_data(), "time": parsed.get_time()}
        if headers["webhook-id"] != event["id"]:
            self.failures.append(f"{path}: webhook-id {headers['webhook-id']} is not the event id {event['id']}")
        status = self.status.get(path, 204)
        if status < 300:
            self.received[path].append(event)
        return web.Response(status=status, text="receiver says no" if status >= 300 else "")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{path}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def ids(self, path: str) -> list[str]:
        return [event["id"] for event in self.received[path]]


async def commit_at_the_end(kafka, group: str) -> None:
    """The group starts with what the test publishes next (not every earlier test's events)."""
    await ensure_topics(kafka, TOPICS)
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for topic in TOPICS for p in range(kafka.partitions)]
        consumer.assign(partitions)
        await consumer.commit(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


@pytest.fixture
def webhooks_app(metrics_database, kafka_settings, auth_settings):
    @asynccontextmanager
    async def running(**settings):
        name = f"metrics-svc-{uuid.uuid4().hex[:8]}"
        for group in (f"continuum.{name}", f"continuum.{name}.webhooks"):
            await commit_at_the_end(kafka_settings, group)
        config = settings_for(Config, database_url=metrics_database, kafka=kafka_settings, auth=auth_settings,
                              webhooks=WebhookSettings(**{**FAST, **settings}))
        app = create_app(config, spec=replace(SPEC, name=name))
        async with serving(app) as client:
            await asyncio.wait_for(app.state.platform.kafka_topics_ready.wait(), timeout=60)
            yield client

    return running


def _headers(event, event_id: str, subject: uuid.UUID, actor: str) -> list[tuple[str, bytes]]:
    return [("ce_specversion", b"1.0"), ("ce_id", event_id.encode()), ("ce_source", b"/continuum/service-svc"),
               ("ce_type", event.ce_type().encode()), ("ce_subject", str(subject).encode()),
               ("ce_time", b"2026-11-30T10:00:00+00:00"), ("ce_actor", actor.encode()),
               ("content-type", b"application/json")]


async def publish(producer, event, *, subject: uuid.UUID, actor: str = "someone") -> str:
    """One CloudEvent as service-svc's relay sends it (ce_actor included)."""
    event_id = str(uuid.uuid4())
    await producer.send_and_wait(event.topic(), catalog.dump_json(event), key=str(subject).encode(),
                                 headers=_headers(event, event_id, subject, actor))
    return event_id


async def publish_many(producer, events: list, *, actor: str = "someone") -> dict[str, list[str]]:
    """(event, subject) pairs sent in order (so in order per key) before waiting for the broker: each subject's
    event ids in the order sent."""
    sent: dict[str, list[str]] = defaultdict(list)
    pending = []
    for event, subject in events:
        event_id = str(uuid.uuid4())
        pending.append(await producer.send(event.topic(), catalog.dump_json(event),
                                           key=str(subject).encode(), headers=_headers(event, event_id, subject, actor)))
        sent[str(subject)].append(event_id)
    await asyncio.gather(*pending)
    return sent


def owner_assigned(subject: uuid.UUID, n: int) -> sv.ServiceOwnerAssignedV1:
    return sv.ServiceOwnerAssignedV1(service_id=subject, owner=f"owner-{n}")


async def subscribe(client, token: str, receiver: Receiver, path: str, **body) -> dict:
    answer = await client.post("/webhook-subscriptions", json={"target_url": receiver.url(path), **body},
                               headers=auth(token))
    assert answer.status_code == 201, answer.text
    subscription = answer.json()
    assert subscription["secret"].startswith("whsec_")
    receiver.secrets[path] = [subscription["secret"]]
    return subscription


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def until(probe, timeout_s: float = 20, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while not probe():
        assert time.monotonic() < deadline, f"timed out waiting: {what}"
        await asyncio.sleep(0.05)


def in_order_per_subject(events: list, sent: dict[str, list[str]]) -> bool:
    """Each subject's events arrived in the order they were published (duplicates allowed: at least once)."""
    for subject, ids in sent.items():
        seen = [event["id"] for event in events if event["subject"] == subject]
        firsts = list(dict.fromkeys(seen))
        if firsts != [i for i in ids if i in firsts]:
            return False
    return True


async def test_filters_skip_own_events_and_a_receiver_that_was_down_gets_everything_in_order(
        webhooks_app, producer, issue_token):
    receiver, late = Receiver(), Receiver()  # `late` refuses connections until it starts
    await receiver.start()
    glpi = issue_token("integration", subject="glpi")
    try:
        async with webhooks_app() as client:
            owned = await subscribe(client, glpi, receiver, "owner", event_types=["continuum.service.ServiceOwner*"],
                                    skip_own_events=True)
            await subscribe(client, glpi, receiver, "stages", event_types=["continuum.service.ServiceStageChanged.v1"])
            late_subscription = await subscribe(client, glpi, late, "all", event_types=["continuum.service.*"])
            subjects = [uuid.uuid4() for _ in range(3)]
            sent = await publish_many(producer, [(owner_assigned(s, n), s) for n in range(6) for s in subjects])
            own, stage = [], []
            for subject in subjects[:2]:  # the subscriber's own writes: not sent back to "owner"
                own.append(await publish(producer, owner_assigned(subject, 99), subject=subject, actor="glpi"))
                sent[str(subject)].append(own[-1])
            stage.append(await publish(producer, sv.ServiceStageChangedV1(
                service_id=subjects[0], from_stage="design", to_stage="transition", reason="go"), subject=subjects[0]))
            sent[str(subjects[0])].append(stage[-1])
            everything = {i for ids in sent.values() for i in ids}
            wanted = everything - set(own) - set(stage)

            await until(lambda: set(receiver.ids("owner")) >= wanted and receiver.ids("stages"), what="owner")
            assert set(receiver.ids("owner")) == wanted  # nothing of the filtered-out type, none of its own
            assert set(receiver.ids("stages")) == set(stage)
            assert in_order_per_subject(receiver.received["owner"], sent)
            first = receiver.received["owner"][0]
            assert first["type"] == "continuum.service.ServiceOwnerAssigned.v1"
            assert first["source"] == "/continuum/service-svc" and first["data"]["owner"].startswith("owner-")

            refused = await _pending(client, glpi, late_subscription["id"])  # `late` refused for a while ...
            assert refused and all(item["attempts"] >= 1 for item in refused[:1])
            assert "Connect" in (refused[0]["last_error"] or "")
            assert late.ids("all") == []
            done = (await client.get(f"/webhook-subscriptions/{owned['id']}", headers=auth(glpi))).json()
            assert done["state"] == "active" and done["pending_deliveries"] == 0
            await late.start()  # ... then comes up and gets every event, in order per subject
            await until(lambda: set(late.ids("all")) >= everything, timeout_s=20, what="late receiver")
            assert set(late.ids("all")) == everything
            assert in_order_per_subject(late.received["all"], sent)
            assert not receiver.failures and not late.failures
    finally:
        await receiver.stop()
        await late.stop()


async def _pending(client, token, subscription_id) -> list[dict]:
    """The subscription's pending deliveries once one was attempted and refused."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        answer = await client.get(f"/webhook-subscriptions/{subscription_id}/deliveries?state=pending",
                                  headers=auth(token))
        items = answer.json()["items"]
        if any(item["last_error"] for item in items):
            return sorted(items, key=lambda item: -item["attempts"])
        await asyncio.sleep(0.05)
    return []


async def test_slow_receiver_rotation_ownership_parking_and_replay(webhooks_app, producer, issue_token):
    receiver = Receiver()
    await receiver.start()
    glpi, other = issue_token("integration", subject="glpi"), issue_token("integration", subject="other")
    admin = issue_token("admin", subject="root")
    try:
        async with webhooks_app(retry_for_s=1.0, pause_after_failures=3) as client:
            subject = uuid.uuid4()
            slow = await subscribe(client, glpi, receiver, "slow", subjects=[str(subject)])
            fast = await subscribe(client, glpi, receiver, "fast", subjects=[str(subject)])
            receiver.delay_s["slow"] = 0.8
            ids = [await publish(producer, owner_assigned(subject, n), subject=subject) for n in range(5)]
            await until(lambda: receiver.ids("fast") == ids, what="fast receiver")
            assert len(receiver.ids("slow")) <= 2  # one subject: the slow one takes them one after the other

            rotated = await client.post(f"/webhook-subscriptions/{fast['id']}/rotate-secret",
                                        json={"overlap_hours": 1}, headers=auth(glpi))
            assert rotated.status_code == 200, rotated.text
            receiver.secrets["fast"].append(rotated.json()["secret"])  # both must verify (the receiver checks each)
            ping = await client.post(f"/webhook-subscriptions/{fast['id']}/test", headers=auth(glpi))
            assert ping.json()["delivered"] is True, ping.text
            assert len(receiver.signatures["fast"][-1].split(" ")) == 2
            stale = await client.post(f"/webhook-subscriptions/{fast['id']}/pause",
                                      headers={**auth(glpi), "If-Match": '"1"'})  # version 2 since the rotation
            assert stale.status_code == 412, stale.text

            assert (await client.get(f"/webhook-subscriptions/{fast['id']}", headers=auth(other))).status_code == 404
            assert (await client.post(f"/webhook-subscriptions/{fast['id']}/pause",
                                      headers=auth(other))).status_code == 404
            assert (await client.get("/webhook-subscriptions", headers=auth(other))).json()["items"] == []
            assert (await client.get(f"/webhook-subscriptions/{fast['id']}", headers=auth(admin))).status_code == 200
            viewer = issue_token("viewer", subject="glpi")
            assert (await client.get("/webhook-subscriptions", headers=auth(viewer))).status_code == 403
            refused = await client.post("/webhook-subscriptions", headers=auth(glpi),
                                        json={"target_url": "http://169.254.169.254/latest/meta-data"})
            assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "body.target_url"

            receiver.status["broken"] = 500
            broken = await subscribe(client, glpi, receiver, "broken", subjects=[str(subject)])
            failing = [await publish(producer, owner_assigned(subject, 7), subject=subject)]

            async def state() -> dict:
                return (await client.get(f"/webhook-subscriptions/{broken['id']}", headers=auth(glpi))).json()

            await until_async(lambda: _paused(state), what="paused after failures")
            assert "3 failed delivery attempts in a row (last: HTTP 500)" in (await state())["paused_reason"]
            await asyncio.sleep(1.1)  # past retry_for_s: its next failure parks it
            assert (await client.post(f"/webhook-subscriptions/{broken['id']}/resume",
                                      headers=auth(glpi))).status_code == 200
            await until_async(lambda: _parked(client, glpi, broken["id"]), what="parked")
            parked = (await client.get(f"/webhook-subscriptions/{broken['id']}/deliveries",
                                       headers=auth(glpi))).json()["items"]
            assert [item["event_id"] for item in parked] == failing
            assert parked[0]["last_status"] == 500 and parked[0]["last_response"] == "receiver says no"
            receiver.status["broken"] = 204
            assert (await client.post(f"/webhook-subscriptions/{broken['id']}/redeliver",
                                      headers=auth(glpi))).json()["redelivered"] == 1
            await until(lambda: receiver.ids("broken") == failing, what="redelivered")

            await subscribe(client, glpi, receiver, "replayed", subjects=[str(subject)], start="beginning")
            await subscribe(client, glpi, receiver, "later", subjects=[str(subject)])
            last = await publish(producer, owner_assigned(subject, 9), subject=subject)
            await until(lambda: receiver.ids("replayed")[-1:] == [last] and receiver.ids("later"), what="replay")
            assert receiver.ids("replayed") == ids + failing + [last]  # the history first, in order
            assert receiver.ids("later") == [last]

            history = (await client.get(f"/webhook-subscriptions/{broken['id']}/history", headers=auth(glpi))).json()
            assert [item["event_type"] for item in history["items"]] == [
                "WebhookSubscriptionCreated", "WebhookSubscriptionPaused", "WebhookSubscriptionResumed"]
            assert "secret" not in str(history)
            events = (await client.get("/events", headers=auth(admin))).text
            assert "Webhook" not in events and fast["secret"] not in events
            scraped = (await client.get("/metrics")).text
            assert f'continuum_webhook_deliveries_total{{outcome="delivered",subscription="{fast["id"]}"}}' in scraped
            assert (await client.delete(f"/webhook-subscriptions/{slow['id']}", headers=auth(glpi))).status_code == 204
            assert (await client.get(f"/webhook-subscriptions/{slow['id']}", headers=auth(glpi))).status_code == 404
            assert not receiver.failures
    finally:
        await receiver.stop()


async def until_async(probe, timeout_s: float = 20, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while not await probe():
        assert time.monotonic() < deadline, f"timed out waiting: {what}"
        await asyncio.sleep(0.05)


async def _paused(state) -> bool:
    return (await state())["state"] == "paused"


async def _parked(client, token, subscription_id) -> bool:
    answer = await client.get(f"/webhook-subscriptions/{subscription_id}/deliveries", headers=auth(token))
    return len(answer.json()["items"]) >= 1
