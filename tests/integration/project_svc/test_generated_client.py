"""A client generated from project-svc's own OpenAPI by openapi-python-client, as an integrating system builds
one: a story driven with it, its errors (404, 409 with its rule, 422 with its fields) parsed as `Problem`, and
the headers it must be able to send (Idempotency-Key, If-Match) and read (ETag, Location)."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from tests.integration.project_svc.test_project_story import charter

PACKAGE = "continuum_project_svc_client"


@pytest.fixture
def generated(service, tmp_path: Path):
    """The client package, generated into a temporary directory from the app's /openapi.json and imported."""
    app, _ = service
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(app.openapi()))
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [str(bin_dir / "openapi-python-client"), "generate", "--path", str(spec), "--meta", "none"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout, result.stdout  # every schema and response was understood
    sys.path.insert(0, str(tmp_path))
    try:
        yield lambda name: importlib.import_module(f"{PACKAGE}.{name}")
    finally:
        sys.path.remove(str(tmp_path))
        for module in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[module]


def _client(generated, service, token: str):
    app, _ = service
    client = generated("client").AuthenticatedClient(base_url="http://testserver", token=token)
    client.set_async_httpx_client(httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                    base_url="http://testserver",
                                                    headers={"Authorization": f"Bearer {token}"}))
    return client


async def test_a_generated_client_drives_a_story_and_parses_every_problem(generated, service, issue_token):
    pm = _client(generated, service, issue_token("project_manager", subject="bob"))
    sponsor = _client(generated, service, issue_token("sponsor", subject="alice"))
    api = lambda name: generated(f"api.projects.{name}")  # noqa: E731
    models = generated("models")

    proposal = models.Proposal.from_dict({"title": "Stabilise the gateway", "problem_statement": "Outages",
                                          "business_case": "Lost sales", "target_service_ids": []})
    created = await api("propose_project").asyncio_detailed(client=pm, body=proposal,
                                                                  idempotency_key=f"propose-{uuid4()}")
    assert created.status_code == 201 and isinstance(created.parsed, models.ProjectView)
    project_id = created.parsed.id
    assert created.headers["Location"] == f"/projects/{project_id}" and created.headers["ETag"] == '"1"'

    missing = await api("get_project").asyncio_detailed(uuid4(), client=pm)
    assert missing.status_code == 404 and isinstance(missing.parsed, models.Problem)
    assert missing.parsed.status == 404 and missing.parsed.type_ == "urn:continuum:problem:not-found"

    early = await api("baseline_project").asyncio_detailed(project_id, client=pm)
    assert early.status_code == 409 and isinstance(early.parsed, models.Problem)
    assert isinstance(early.parsed.rule, str) and early.parsed.rule

    too_late = charter(end=datetime.now(UTC).date().replace(year=3100))
    refused = await api("approve_project_charter").asyncio_detailed(
        project_id, client=sponsor, body=models.Charter.from_dict(too_late))
    assert refused.status_code == 422 and isinstance(refused.parsed, models.Problem)
    assert any(error.field.endswith("planned_end") for error in refused.parsed.errors)

    stale = await api("approve_project_charter").asyncio_detailed(
        project_id, client=sponsor, body=models.Charter.from_dict(charter()), if_match='"7"')
    assert stale.status_code == 412 and isinstance(stale.parsed, models.Problem)
    approved = await api("approve_project_charter").asyncio_detailed(
        project_id, client=sponsor, body=models.Charter.from_dict(charter()), if_match=created.headers["ETag"])
    assert approved.status_code == 200 and approved.parsed.state == "chartered"
    read = await api("get_project").asyncio_detailed(project_id, client=pm)
    assert read.parsed.state == "chartered" and read.headers["ETag"] == approved.headers["ETag"] != '"1"'
    assert read.parsed.planned_start == date.fromisoformat(charter()["planned_start"])


def test_every_error_is_declared_as_a_problem_and_every_post_takes_an_idempotency_key(service):
    app, _ = service
    document = app.openapi()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.isdigit() and int(status) >= 400 and path != "/readyz":
                    assert list(response["content"]) == ["application/problem+json"], (path, method, status)
                    assert response["content"]["application/problem+json"]["schema"] == {
                        "$ref": "#/components/schemas/Problem"}
            if method == "post":
                assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation["parameters"])
            if "201" in operation["responses"]:
                assert {"Location", "ETag"} <= set(operation["responses"]["201"]["headers"])
    assert "HTTPValidationError" not in document["components"]["schemas"]
