"""One naming rule across the four services' OpenAPI (continuum.http.openapi): every operation has an operationId
`<verb>_<object>`, unique in its document, and a summary that is that name read as a sentence; no summary FastAPI
makes up from a function's name ("Open ", "List ", "Read") is left."""

from __future__ import annotations

from importlib import import_module

import pytest
from fastapi.routing import APIRoute

from continuum.config import AuthSettings, KafkaSettings
from continuum.http.openapi import OPERATION_ID, summary_of
from continuum.operations import discover_services
from tests.support.apps import settings_for

SERVICES = discover_services()


def app_of(entry):
    """The service's app as built for serving (nothing connects until its lifespan starts)."""
    package = entry.app_factory.split(".")[0]
    config = settings_for(import_module(f"{package}.config").Config,
                          database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none", kafka=KafkaSettings(),
                          auth=AuthSettings())
    return import_module(f"{package}.main").create_app(config)


@pytest.mark.parametrize("entry", SERVICES, ids=[s.spec.name for s in SERVICES])
def test_every_operation_is_named_by_the_rule(entry):
    app = app_of(entry)
    operations = [(path, method, operation) for path, methods in app.openapi()["paths"].items()
                  for method, operation in methods.items()]
    assert len(operations) > 10
    ids = [operation["operationId"] for _, _, operation in operations]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    fastapi_defaults = {route.name.replace("_", " ").title() for route in app.routes if isinstance(route, APIRoute)}
    for path, method, operation in operations:
        name, summary = operation["operationId"], operation["summary"]
        assert OPERATION_ID.match(name), (method, path, name)
        assert summary in (summary_of(name, one=False), summary_of(name, one=True)), (method, path, summary)
        assert summary not in fastapi_defaults, (method, path, summary)
        assert summary == summary.strip() and "  " not in summary, (method, path, summary)
        if method == "get":
            assert name.startswith(("get_", "list_")), (path, name)


def test_the_rule_names_the_conventions_examples():
    paths = {(path, method): operation["operationId"]
             for entry in SERVICES if entry.spec.name == "service-svc"
             for path, methods in app_of(entry).openapi()["paths"].items() for method, operation in methods.items()}
    assert paths[("/incidents", "get")] == "list_incidents"
    assert paths[("/incidents", "post")] == "open_incident"
    assert paths[("/incidents/{incident_id}", "get")] == "get_incident"
    assert paths[("/incidents/{incident_id}/history", "get")] == "get_incident_history"
    assert paths[("/incidents/{incident_id}/acknowledge", "post")] == "acknowledge_incident"
    assert summary_of("get_incident", one=True) == "Get an incident"
    assert summary_of("list_incidents", one=False) == "List incidents"


def test_a_routes_own_summary_opens_its_description():
    project_svc = app_of(next(entry for entry in SERVICES if entry.spec.name == "project-svc"))
    operation = project_svc.openapi()["paths"]["/projects/{project_id}/approve-charter"]["post"]
    assert operation["summary"] == "Approve project charter"
    assert operation["description"].startswith("Authorize the project (sponsor).\n\nNames the first sponsor")
