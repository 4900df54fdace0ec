"""Alembic environment of service-svc."""

from continuum.migrations import run_env

run_env()
