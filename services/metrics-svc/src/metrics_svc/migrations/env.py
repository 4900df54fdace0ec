"""Alembic environment of metrics-svc."""

from continuum.migrations import run_env

run_env()
