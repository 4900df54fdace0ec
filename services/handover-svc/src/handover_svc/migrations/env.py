"""Alembic environment of handover-svc."""

from continuum.migrations import run_env

run_env()
