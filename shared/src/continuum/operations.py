"""What `continuum migrate` and `continuum rebuild` need, in the images as in development: the installed services,
each one's database created if missing and migrated."""

from __future__ import annotations

import asyncio
from importlib.metadata import entry_points

import asyncpg
from sqlalchemy.engine import make_url

from continuum import migrations
from continuum.config import DatabaseSettings
from continuum.progress import step
from continuum.service import ServiceEntry


def discover_services() -> list[ServiceEntry]:
    """The installed services (entry point group `continuum.services`), in port order."""
    found = [entry.load() for entry in entry_points(group="continuum.services")]
    return sorted(found, key=lambda service: service.spec.port)


def prepare_databases(database_url: str, services: list[ServiceEntry]) -> None:
    """Create each service's database if missing and apply its migrations."""
    settings = DatabaseSettings(url=database_url)
    if make_url(database_url).database in (None, "", "postgres"):  # a server URL: one database per service
        asyncio.run(create_databases(database_url, [service.spec.database for service in services]))
    for service in services:
        with step(f"migrating {service.spec.database}"):
            migrations.upgrade(migrations_dir=service.migrations, database_url=settings.url_for(service.spec.database))


async def create_databases(server_url: str, names: list[str]) -> None:
    """Create each database that does not exist yet."""
    url = make_url(server_url).set(drivername="postgresql", database="postgres")
    dsn = url.render_as_string(hide_password=False)
    conn = await _connect(dsn)
    try:
        existing = {row[0] for row in await conn.fetch("SELECT datname FROM pg_database")}
        for name in names:
            if name not in existing:
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _connect(dsn: str, attempts: int = 40) -> asyncpg.Connection:
    for _ in range(attempts - 1):
        try:
            return await asyncpg.connect(dsn)
        except (OSError, asyncpg.CannotConnectNowError):
            await asyncio.sleep(0.25)
    return await asyncpg.connect(dsn)
