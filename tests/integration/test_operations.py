"""Operating the platform: one active relay, readiness during a Kafka outage, tokens from a JWKS URL."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from uuid import uuid4

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.ext.asyncio import create_async_engine

from continuum.config import AuthSettings, KafkaSettings, ServiceSettings
from continuum.eventstore.store import EventStore
from continuum.http.auth import TokenVerifier
from continuum.kafka.topics import ensure_topics, events_topic
from continuum.service import build_service_app
from continuum_dev.testing.plugin import free_port
from tests.integration.test_relay import append, running_relay
from tests.support.apps import serving, settings_for
from tests.support.counter import CODEC, counter_parts, counter_spec
from tests.support.kafka import read_topic


async def test_only_one_relay_per_service_is_active_and_nothing_is_published_twice(
    database_url, kafka_settings, topic_prefix
):
    topic = events_topic(topic_prefix)
    await ensure_topics(kafka_settings, [topic])
    engine = create_async_engine(database_url)
    store = EventStore(codec=CODEC)
    try:
        async with running_relay(database_url, topic, kafka_settings) as first, \
                running_relay(database_url, topic, kafka_settings) as second:
            for _ in range(50):
                async with engine.begin() as conn:
                    await append(conn, store, uuid4(), 1)
            messages = await read_topic(kafka_settings.bootstrap_servers, topic, expect=50, settle_s=1.5)
            leaders = [relay.status.leader for relay in (first, second)]
    finally:
        await engine.dispose()
    assert sorted(leaders) == [False, True]
    assert len(messages) == 50 and len({m.headers["ce_id"] for m in messages}) == 50


async def test_while_kafka_is_unreachable_commands_succeed_and_readiness_says_degraded(
    database_url, auth_settings, issue_token, topic_prefix
):
    unreachable = KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}", request_timeout_ms=1000)
    config = settings_for(ServiceSettings, database_url=database_url, kafka=unreachable, auth=auth_settings)
    app = build_service_app(spec=counter_spec(topic_prefix), config=config, parts=counter_parts())
    headers = {"Authorization": f"Bearer {issue_token('project_manager')}"}
    async with serving(app) as client:
        created = await client.post("/counters", json={"name": "offline", "limit": 3}, headers=headers)
        await asyncio.sleep(0.5)
        readiness = await client.get("/readyz")
    assert created.status_code == 201
    assert readiness.status_code == 200
    body = readiness.json()
    assert body["status"] == "degraded" and body["checks"]["kafka"]["ok"] is False
    assert body["checks"]["database"]["ok"] and body["checks"]["relay"]["lag_events"] == 1


async def test_readiness_is_503_when_the_database_is_unreachable(kafka_settings, auth_settings):
    dead = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nowhere"
    config = settings_for(ServiceSettings, database_url=dead, kafka=kafka_settings, auth=auth_settings)
    app = build_service_app(spec=counter_spec(), config=config, parts=counter_parts())
    async with serving(app) as client:
        readiness = await client.get("/readyz")
        listing = await client.get("/events", headers={"Authorization": "Bearer x"})
    assert readiness.status_code == 503 and readiness.json()["status"] == "not_ready"
    assert listing.status_code == 401  # auth is checked before the database is needed


@contextmanager
def jwks_server(public_jwk: dict):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"keys": [public_jwk]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    finally:
        server.shutdown()


async def test_production_tokens_are_verified_against_the_jwks_url():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    public_jwk.update(kid="idp-1", use="sig", alg="RS256")
    claims = {"sub": "alice", "roles": ["sponsor"], "aud": "continuum", "iss": "https://idp.example.com/",
              "exp": int(time.time()) + 60}
    with jwks_server(public_jwk) as url:
        verifier = TokenVerifier(AuthSettings(jwks_url=url, issuer="https://idp.example.com/"))
        principal = await verifier.verify(jwt.encode(claims, key, algorithm="RS256", headers={"kid": "idp-1"}))
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        forged = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": "idp-1"})
        with pytest.raises(jwt.InvalidTokenError):
            await verifier.verify(forged)
    assert principal.subject == "alice" and {r.value for r in principal.roles} == {"sponsor"}


async def test_idempotency_keys_past_their_retention_are_forgotten(database_url):
    from datetime import timedelta

    import sqlalchemy as sa

    from continuum import idempotency
    from continuum.context import IdempotencyClaim

    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            for key in ("old", "new"):
                await idempotency.save_response(conn, IdempotencyClaim("p", key, "h"), status=201, headers={},
                                                body=b"{}")
            await conn.execute(sa.text("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' "
                                       "WHERE key = 'old'"))
            forgotten = await idempotency.expire(conn, older_than=timedelta(hours=24))
            left = await idempotency.find(conn, principal="p", key="new")
            gone = await idempotency.find(conn, principal="p", key="old")
    finally:
        await engine.dispose()
    assert forgotten == 1 and left is not None and gone is None
