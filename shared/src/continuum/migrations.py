"""Alembic glue: each service keeps its own migrations folder; the platform tables and the env runner live here."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config as AlembicConfig
from sqlalchemy.ext.asyncio import create_async_engine

from continuum.eventstore import schema


def upgrade_platform() -> None:
    """Create the platform tables (events, snapshots, relay checkpoints, inbox, idempotency keys)."""
    bind = op.get_bind()
    schema.metadata.create_all(bind)
    op.execute(sa.text(schema.NOTIFY_FUNCTION))
    op.execute(sa.text(schema.NOTIFY_TRIGGER))


def downgrade_platform() -> None:
    """Drop the platform tables."""
    bind = op.get_bind()
    op.execute(sa.text("DROP TRIGGER IF EXISTS events_notify ON events"))
    op.execute(sa.text("DROP FUNCTION IF EXISTS continuum_notify_events()"))
    schema.metadata.drop_all(bind)


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


def upgrade(*, migrations_dir: Path, database_url: str, revision: str = "head") -> None:
    """Apply a service's migrations up to `revision` (blocking; run it in a thread from async code)."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, revision)
