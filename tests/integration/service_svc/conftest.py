"""service-svc in-process over HTTP on the real PostgreSQL and Kafka, with its own topic and consumer group."""

from __future__ import annotations

import dataclasses

import pytest

from service_svc.bootstrap import SPEC
from service_svc.config import Config, DeadlineWatchSettings
from service_svc.main import create_app
from tests.support.apps import serving, settings_for

@pytest.fixture
def spec(topic_prefix):
    """The service under a name and context no other test uses: its own topic and consumer group."""
    return dataclasses.replace(SPEC, name=f"service-svc-{topic_prefix}", context=topic_prefix)


@pytest.fixture
def make_app(database_url, kafka_settings, auth_settings, spec):
    def make(*, watch_interval_s: float = 0.2, watch: bool = True, settle_s: float = 0.5):
        watch_settings = DeadlineWatchSettings(enabled=watch, interval_s=watch_interval_s, settle_s=settle_s)
        config = settings_for(Config, database_url=database_url, kafka=kafka_settings, auth=auth_settings,
                              deadline_watch=watch_settings)
        return create_app(config, spec)

    return make


@pytest.fixture
async def client(make_app):
    async with serving(make_app(watch=False)) as client:
        yield client


@pytest.fixture
def tokens(issue_token):
    def headers(*roles: str, subject: str = "tester") -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(*roles, subject=subject)}"}

    return headers


@pytest.fixture
def owner(tokens):
    return tokens("service_owner", subject="alice")


@pytest.fixture
def agent(tokens):
    return tokens("support_agent", subject="bob")


@pytest.fixture
def importer(tokens):
    return tokens("integration")
