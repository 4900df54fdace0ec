"""What the images run works without the development tools: `continuum migrate`, with continuum_dev unimportable
(as in an image, where it is not installed), creates and migrates every service's database on a real server."""

from __future__ import annotations

import os
import subprocess
import sys

import asyncpg
from sqlalchemy.engine import make_url

from continuum.operations import discover_services

WITHOUT_DEV = """
import sys
sys.modules["continuum_dev"] = None  # any import of it fails, as in an image
from continuum import cli
cli.entry_points = lambda group: []  # and no package adds commands
sys.exit(cli.main(["migrate"]))
"""


async def test_continuum_migrate_needs_nothing_of_the_dev_package(infrastructure):
    server = make_url(infrastructure.database_url)
    services = discover_services()
    env = {**os.environ, "DATABASE_URL": infrastructure.database_url}
    names = [service.spec.database for service in services]
    # the services' own databases on the session's server (as e2e's): created if missing, else migrated again
    result = subprocess.run([sys.executable, "-c", WITHOUT_DEV], env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    admin = server.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin)
    try:
        existing = {row[0] for row in await conn.fetch("SELECT datname FROM pg_database")}
        assert set(names) <= existing
        for name in names:
            db = await asyncpg.connect(server.set(drivername="postgresql", database=name)
                                       .render_as_string(hide_password=False))
            try:
                assert await db.fetchval("SELECT count(*) FROM alembic_version") >= 1  # a head per branch
                assert await db.fetchval("SELECT to_regclass('events') IS NOT NULL")
            finally:
                await db.close()
    finally:
        await conn.close()
