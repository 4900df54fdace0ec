"""Each of the four services: docs, AsyncAPI, health, readiness, and tokens on every non-public route."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from importlib import import_module
from pathlib import Path

import jsonschema
import jwt
import pytest

from continuum import migrations
from continuum.http.auth import ALGORITHM
from continuum.operations import discover_services
from continuum_dev.testing.plugin import create_database
from tests.support.apps import serving, settings_for

PUBLIC = {"/healthz", "/readyz", "/metrics", "/asyncapi.json", "/events/schemas/{ce_type}", "/docs", "/openapi.json"}
ASYNCAPI_SCHEMA = json.loads((Path(__file__).parents[1] / "resources" / "asyncapi-3.0.0.schema.json").read_text())
SERVICES = discover_services()


@pytest.fixture(params=SERVICES, ids=[s.spec.name for s in SERVICES])
async def service(request, infrastructure, kafka_settings, auth_settings):
    entry = request.param
    url = await create_database(infrastructure.database_url, f"svc_{uuid.uuid4().hex[:12]}")
    await asyncio.to_thread(migrations.upgrade, migrations_dir=entry.migrations, database_url=url)
    package = entry.app_factory.split(".")[0]
    config_cls = import_module(f"{package}.config").Config
    create_app = import_module(f"{package}.main").create_app
    app = create_app(settings_for(config_cls, database_url=url, kafka=kafka_settings, auth=auth_settings))
    async with serving(app) as client:
        yield entry, app, client


def protected_operations(app) -> list[tuple[str, str]]:
    """Every operation in the app's own OpenAPI document that is not public, with concrete paths."""
    operations = []
    for path, methods in app.openapi()["paths"].items():
        if path in PUBLIC:
            continue
        concrete = re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path)
        operations += [(method.upper(), concrete) for method in methods]
    return operations


async def test_docs_and_openapi_load(service):
    _, app, client = service
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text
    openapi = (await client.get("/openapi.json")).json()
    assert openapi["openapi"].startswith("3.1")


async def test_asyncapi_document_validates_as_asyncapi_3(service):
    entry, _, client = service
    document = (await client.get("/asyncapi.json")).json()
    jsonschema.Draft7Validator(ASYNCAPI_SCHEMA).validate(document)
    assert document["asyncapi"] == "3.0.0"
    assert any(channel["address"] == entry.spec.topic for channel in document["channels"].values())


async def test_health_readiness_and_metrics_need_no_token(service):
    _, _, client = service
    assert (await client.get("/healthz")).json() == {"status": "alive"}
    readiness = await client.get("/readyz")
    assert readiness.status_code == 200
    checks = readiness.json()["checks"]
    assert checks["database"]["ok"] and checks["kafka"]["ok"] and checks["relay"]["lag_events"] == 0
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200 and "continuum_http_requests" in metrics.text


async def test_every_other_route_refuses_missing_and_invalid_tokens(service, issue_token, auth_settings):
    _, app, client = service
    operations = protected_operations(app)
    assert operations, "a service must have routes beyond the public ones"
    other_key = jwt.encode({"sub": "x", "roles": ["admin"], "aud": "continuum", "exp": time.time() + 60},
                           _stranger_key(), algorithm=ALGORITHM)
    bad_tokens = {
        "missing": None,
        "malformed": "not-a-jwt",
        "wrong signature": other_key,
        "expired": issue_token("admin", ttl_s=-3600),
        "wrong audience": issue_token("admin", aud="someone-else"),
    }
    for method, path in operations:
        for label, token in bad_tokens.items():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = await client.request(method, path, headers=headers)
            assert response.status_code == 401, f"{method} {path} with {label} token: {response.status_code}"
            assert response.headers["content-type"] == "application/problem+json"


async def test_every_other_route_refuses_a_token_without_an_allowed_role(service, issue_token):
    _, app, client = service
    roleless = {"Authorization": f"Bearer {issue_token()}"}
    for method, path in protected_operations(app):
        response = await client.request(method, path, headers=roleless)
        assert response.status_code == 403, f"{method} {path}: {response.status_code}"


def _stranger_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
