"""Running a service app in-process, lifespan included, behind an httpx client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from continuum.config import AuthSettings, ConsumerSettings, KafkaSettings, ServiceSettings


def settings_for(cls: type[ServiceSettings], *, database_url: str, kafka: KafkaSettings, auth: AuthSettings,
                  **overrides) -> ServiceSettings:
    return cls(environment="test", database_url=database_url, kafka=kafka, auth=auth,
               consumer=ConsumerSettings(retry_backoff_s=0.05, retry_backoff_max_s=0.5), **overrides)


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
