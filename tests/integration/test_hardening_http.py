"""Issue #14's hardening over HTTP, on the real stack: Idempotency-Keys keep only final outcomes, and odd tokens
or oversized headers are refused with a problem before anything else reads them."""

from __future__ import annotations

import json
from dataclasses import replace
from uuid import uuid4

import pytest
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from continuum.config import ServiceSettings
from continuum.eventstore.store import ConcurrencyError
from continuum.service import build_service_app
from tests.support.apps import serving, settings_for
from tests.support.counter import counter_parts, counter_spec

PROBLEM = "application/problem+json"


def flaky_router() -> APIRouter:
    """`POST /flaky/{answer}`: the first call of each Idempotency-Key answers `answer`, later calls succeed."""
    router = APIRouter()
    calls: dict[str, int] = {}

    @router.post("/flaky/{answer}", status_code=201)
    async def flaky(answer: str, key: str) -> dict:
        calls[key] = calls.get(key, 0) + 1
        if calls[key] > 1:
            return {"attempt": calls[key]}
        if answer == "concurrency":
            raise ConcurrencyError(uuid4(), 3)
        if answer == "outage":
            raise ConnectionRefusedError("the database went away")
        if answer == "rate-limited":
            return JSONResponse({"detail": "slow down"}, status_code=429, headers={"Retry-After": "1"})
        if answer == "refused":
            return JSONResponse({"detail": "no"}, status_code=409)  # a final 409 (a broken rule, say)
        raise AssertionError(answer)

    return router


@pytest.fixture
async def client(database_url, kafka_settings, auth_settings, topic_prefix):
    config = settings_for(ServiceSettings, database_url=database_url, kafka=kafka_settings, auth=auth_settings)
    parts = counter_parts()
    parts = replace(parts, routers=[*parts.routers, flaky_router()])
    app = build_service_app(spec=counter_spec(topic_prefix), config=config, parts=parts)
    async with serving(app) as client:
        yield client


@pytest.fixture
def pm(issue_token) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token('project_manager')}"}


@pytest.mark.parametrize(("answer", "status"), [("concurrency", 409), ("outage", 503), ("rate-limited", 429)])
async def test_a_retry_after_a_transient_answer_with_the_same_key_succeeds(client, pm, answer, status):
    key = f"flaky-{uuid4()}"
    headers = {**pm, "Idempotency-Key": key}
    first = await client.post(f"/flaky/{answer}", params={"key": key}, headers=headers)
    retry = await client.post(f"/flaky/{answer}", params={"key": key}, headers=headers)
    assert first.status_code == status
    assert retry.status_code == 201 and retry.json() == {"attempt": 2}
    assert "Idempotent-Replayed" not in retry.headers
    again = await client.post(f"/flaky/{answer}", params={"key": key}, headers=headers)
    assert again.status_code == 201 and again.json() == {"attempt": 2}  # the outcome is the one kept
    assert again.headers["Idempotent-Replayed"] == "true"


async def test_the_optimistic_concurrency_409_names_its_rule_and_is_not_replayed(client, pm):
    key = f"flaky-{uuid4()}"
    headers = {**pm, "Idempotency-Key": key}
    first = await client.post("/flaky/concurrency", params={"key": key}, headers=headers)
    assert first.headers["content-type"] == PROBLEM and first.json()["rule"] == "optimistic-concurrency"
    retry = await client.post("/flaky/concurrency", params={"key": key}, headers=headers)
    assert retry.status_code == 201


async def test_a_final_409_is_still_replayed(client, pm):
    key = f"flaky-{uuid4()}"
    headers = {**pm, "Idempotency-Key": key}
    first = await client.post("/flaky/refused", params={"key": key}, headers=headers)
    retry = await client.post("/flaky/refused", params={"key": key}, headers=headers)
    assert first.status_code == retry.status_code == 409
    assert retry.headers["Idempotent-Replayed"] == "true"


async def test_a_real_concurrency_loser_may_retry_with_its_key(client, pm):
    """Concurrent increments, each with its own key: every one that lost the race succeeds when retried."""
    import asyncio

    opened = await client.post("/counters", json={"name": "visits", "limit": 1000}, headers=pm)
    url = f"/counters/{opened.json()['id']}/increment"
    keys = [f"inc-{uuid4()}" for _ in range(12)]
    answers = await asyncio.gather(*(client.post(url, json={"by": 1}, headers={**pm, "Idempotency-Key": key})
                                     for key in keys))
    assert {answer.status_code for answer in answers} <= {200, 409, 503}  # 503: a loaded machine's pool timeout
    for key, answer in zip(keys, answers):
        for _ in range(3):  # retried as a client would, with its key, until the answer is an outcome
            if answer.status_code == 200:
                break
            assert "Idempotent-Replayed" not in answer.headers, answer.text
            answer = await client.post(url, json={"by": 1}, headers={**pm, "Idempotency-Key": key})
        assert answer.status_code == 200, answer.text
    final = (await client.get(url.removesuffix("/increment"), headers=pm)).json()
    assert final["value"] == len(keys)


async def test_production_checks_the_issuer_too():
    """With a JWKS URL (production) a token of the right key and audience but another issuer is refused."""
    import json
    import time

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    from continuum.config import AuthSettings
    from continuum.http.auth import TokenVerifier
    from tests.integration.test_operations import jwks_server

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    public_jwk.update(kid="idp-1", use="sig", alg="RS256")
    claims = {"sub": "alice", "roles": ["admin"], "aud": "continuum", "exp": int(time.time()) + 60}

    def token(**overrides) -> str:
        return jwt.encode({**claims, **overrides}, key, algorithm="RS256", headers={"kid": "idp-1"})

    with jwks_server(public_jwk) as url:
        verifier = TokenVerifier(AuthSettings(jwks_url=url, issuer="https://idp.example.com/"))
        accepted = await verifier.verify(token(iss="https://idp.example.com/"))
        for refused in (token(iss="https://other-tenant.example.com/"), token()):
            with pytest.raises(jwt.InvalidTokenError):
                await verifier.verify(refused)
    assert accepted.subject == "alice"


# Header limits: 431 before authentication, while the request is still being read


class RecordingApp:
    """A bare ASGI app answering 200, noting each request that reached it."""

    def __init__(self) -> None:
        self.requests: list[dict] = []

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        self.requests.append(scope)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
def served():
    """RecordingApp behind uvicorn with the services' protocol, on a free port in a thread: (app, port)."""
    import threading
    import time

    import uvicorn

    from continuum.http.server import LimitedHttpToolsProtocol
    from continuum_dev.testing.plugin import free_port

    app, port = RecordingApp(), free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, http=LimitedHttpToolsProtocol,
                                          lifespan="off", log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield app, port
    server.should_exit = True
    thread.join(10)


def exchange(port: int, head: bytes, *, requests: int = 1) -> list[tuple[int, dict[str, str], bytes]]:
    """Send `head` (one or more requests) on one connection; the responses as (status, headers, body)."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        try:
            connection.sendall(head)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and stopped reading: the answer is still to be read
        received = b""
        answers: list[tuple[int, dict[str, str], bytes]] = []
        while len(answers) < requests:
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
            while b"\r\n\r\n" in received:
                status_and_headers, _, rest = received.partition(b"\r\n\r\n")
                lines = status_and_headers.decode("latin-1").split("\r\n")
                headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
                length = int(headers.get("content-length", 0))
                if len(rest) < length:
                    break
                answers.append((int(lines[0].split()[1]), headers, rest[:length]))
                received = rest[length:]
    return answers


def request(*headers: str) -> bytes:
    return ("GET /counters HTTP/1.1\r\nHost: test\r\n" + "".join(f"{h}\r\n" for h in headers) + "\r\n").encode()


def test_a_32_mb_authorization_header_is_refused_with_431_at_once(served):
    import time

    app, port = served
    started = time.monotonic()
    [(status, headers, body)] = exchange(port, request("Authorization: Bearer " + "a" * 32 * 1024 * 1024))
    elapsed = time.monotonic() - started
    assert status == 431 and headers["content-type"] == PROBLEM
    problem = json.loads(body)
    assert problem["status"] == 431 and problem["type"].endswith("request-header-fields-too-large")
    assert app.requests == [] and elapsed < 2


def test_too_many_headers_are_refused_with_431(served):
    app, port = served
    [(status, headers, body)] = exchange(port, request(*(f"X-Filler-{n}: {n}" for n in range(101))))
    assert status == 431 and headers["content-type"] == PROBLEM and app.requests == []


def test_headers_within_the_limits_reach_the_app_on_a_kept_alive_connection(served):
    app, port = served
    ordinary = request("Authorization: Bearer " + "a" * 8_000, *(f"X-Filler-{n}: {n}" for n in range(90)))
    answers = exchange(port, ordinary * 3, requests=3)
    assert [status for status, _, _ in answers] == [200, 200, 200] and len(app.requests) == 3


def test_a_head_just_over_the_limit_after_a_good_request_is_refused(served):
    app, port = served
    answers = exchange(port, request() + request("X-Big: " + "b" * 17_000), requests=2)
    assert [status for status, _, _ in answers] == [200, 431] and len(app.requests) == 1


async def test_the_service_refuses_oversized_headers_before_authentication(client):
    """Served by any ASGI server (here the test client), the service applies the same limits itself."""
    many = {f"X-Filler-{n}": str(n) for n in range(101)}
    large = {"Authorization": "Bearer " + "a" * 20_000}
    for headers in (many, large):
        response = await client.get("/counters", headers=headers)
        assert response.status_code == 431 and response.headers["content-type"] == PROBLEM
        assert response.json()["status"] == 431 and "x-correlation-id" in response.headers


def test_the_local_stack_serves_the_services_with_the_limited_protocol():
    from uvicorn.importer import import_from_string

    from continuum.http.server import LimitedHttpToolsProtocol
    from continuum_dev.stack import HTTP_PROTOCOL

    assert import_from_string(HTTP_PROTOCOL) is LimitedHttpToolsProtocol


async def test_an_unreachable_jwks_is_a_503_to_retry_not_a_401():
    import httpx
    from fastapi import Depends, FastAPI

    from continuum.config import AuthSettings
    from continuum.http.auth import Principal, TokenVerifier, authenticate
    from continuum.http.problems import install_problem_handlers
    from continuum_dev.testing.plugin import free_port

    app = FastAPI()
    install_problem_handlers(app)
    app.state.token_verifier = TokenVerifier(AuthSettings(jwks_url=f"http://127.0.0.1:{free_port()}/jwks.json",
                                                          issuer="https://idp.example.com/"))

    @app.get("/me")
    async def me(principal: Principal = Depends(authenticate)) -> dict:
        return {"subject": principal.subject}

    token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImlkcC0xIn0.eyJzdWIiOiJhbm4ifQ.c2ln"  # kid idp-1, sub ann
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        response = await client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503 and response.headers["content-type"] == PROBLEM
    assert response.headers["Retry-After"] == "2"
