"""Alembic glue: each service keeps its own migrations folder; the platform tables and the env runner live here."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config as AlembicConfig
from sqlalchemy.ext.asyncio import create_async_engine

from continuum.eventstore import schema


PLATFORM_TABLES = ("events", "snapshots", "relay_checkpoints", "inbox", "idempotency_keys")


def upgrade_platform() -> None:
    """Revision 0001 of every service: events, snapshots, relay checkpoints, inbox, idempotency keys."""
    _create(*PLATFORM_TABLES)
    op.execute(sa.text(schema.NOTIFY_FUNCTION))
    op.execute(sa.text(schema.NOTIFY_TRIGGER))


def downgrade_platform() -> None:
    """Drop the platform's tables (events, outbox, inbox, idempotency keys) and the notify trigger."""
    op.execute(sa.text("DROP TRIGGER IF EXISTS events_notify ON events"))
    op.execute(sa.text("DROP FUNCTION IF EXISTS continuum_notify_events()"))
    _drop(*PLATFORM_TABLES)


def upgrade_summaries() -> None:
    """Revision 0002 of every service: the `summaries` list read model, kept in the command's transaction."""
    _create("summaries")


def downgrade_summaries() -> None:
    """Drop the aggregates' list views (`summaries`)."""
    _drop("summaries")


def _create(*names: str) -> None:
    schema.metadata.create_all(op.get_bind(), tables=[schema.metadata.tables[name] for name in names])


def _drop(*names: str) -> None:
    schema.metadata.drop_all(op.get_bind(), tables=[schema.metadata.tables[name] for name in names])


def run_env(target_metadata: sa.MetaData | None = None) -> None:
    """Body of a service's alembic env.py: run the migrations online over asyncpg."""
    url = context.config.get_main_option("sqlalchemy.url")

    def migrate(connection: sa.Connection) -> None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url, poolclass=sa.pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(migrate)
            await connection.commit()
        await engine.dispose()

    asyncio.run(run())


PLATFORM_VERSIONS = Path(__file__).parent / "platform_migrations"


def upgrade(*, migrations_dir: Path, database_url: str, revision: str = "heads") -> None:
    """Apply the platform's revisions and a service's own (blocking; run it in a thread from async code).

    The platform revisions (0001, 0002) live once, here; a service's first own revision has
    `down_revision = "0002"`.
    """
    config = AlembicConfig()
    config.set_main_option("script_location", str(migrations_dir))
    locations = [PLATFORM_VERSIONS, migrations_dir / "versions"]
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(str(path) for path in locations if path.is_dir()))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, revision)
