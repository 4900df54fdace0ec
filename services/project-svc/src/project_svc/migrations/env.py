"""Alembic environment of project-svc."""

from continuum.migrations import run_env

run_env()
