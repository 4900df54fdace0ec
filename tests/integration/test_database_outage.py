"""The database away is a 503 problem, never a 500: with or without an Idempotency-Key (found by tests/reliability)."""

from __future__ import annotations

from continuum.config import ServiceSettings
from continuum.http.problems import PROBLEM_MEDIA_TYPE
from continuum.service import build_service_app
from continuum_dev.testing.plugin import free_port
from tests.support.apps import serving, settings_for
from tests.support.counter import counter_parts, counter_spec


async def test_a_command_while_the_database_is_away_is_a_503_problem(kafka_settings, auth_settings, issue_token):
    dead = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nowhere"
    config = settings_for(ServiceSettings, database_url=dead, kafka=kafka_settings, auth=auth_settings)
    app = build_service_app(spec=counter_spec(), config=config, parts=counter_parts())
    headers = {"Authorization": f"Bearer {issue_token('project_manager')}"}
    async with serving(app) as client:
        plain = await client.post("/counters", json={"name": "away", "limit": 3}, headers=headers)
        # the Idempotency-Key lookup runs in middleware, outside the app's exception handlers: it was a 500
        keyed = await client.post("/counters", json={"name": "away", "limit": 3},
                                  headers={**headers, "Idempotency-Key": "outage-1"})
    for response in (plain, keyed):
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE and response.headers["Retry-After"] == "2"
        assert response.json()["type"] == "urn:continuum:problem:unavailable"
