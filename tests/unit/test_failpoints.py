"""The kill-after-commit failpoint fires in development and test, and production ignores it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from continuum.config import Environment
from continuum_dev import failpoints

KILL = "from continuum.config import Environment; from continuum_dev import failpoints; " \
       "failpoints.kill_here('kill-after-commit', environment=Environment.{env}); print('survived')"


def test_production_ignores_an_armed_failpoint(monkeypatch):
    monkeypatch.setenv(failpoints.VARIABLE, failpoints.KILL_AFTER_COMMIT)
    assert not failpoints.armed(failpoints.KILL_AFTER_COMMIT, environment=Environment.production)
    failpoints.kill_here(failpoints.KILL_AFTER_COMMIT, environment=Environment.production)  # still alive


@pytest.mark.parametrize("environment", [Environment.development, Environment.test])
def test_development_and_test_honour_it(monkeypatch, environment):
    monkeypatch.setenv(failpoints.VARIABLE, failpoints.KILL_AFTER_COMMIT)
    assert failpoints.armed(failpoints.KILL_AFTER_COMMIT, environment=environment)
    assert not failpoints.armed("another-point", environment=environment)


def test_unset_it_never_fires(monkeypatch):
    monkeypatch.delenv(failpoints.VARIABLE, raising=False)
    assert not failpoints.armed(failpoints.KILL_AFTER_COMMIT, environment=Environment.test)


@pytest.mark.parametrize(("environment", "returncode", "output"), [("test", -9, ""), ("production", 0, "survived")])
def test_it_kills_the_process_outside_production(environment, returncode, output):
    env = {failpoints.VARIABLE: failpoints.KILL_AFTER_COMMIT}
    result = subprocess.run([sys.executable, "-c", KILL.format(env=environment)], capture_output=True, text=True,
                            env={**os.environ, **env}, timeout=60)
    assert (result.returncode, result.stdout.strip()) == (returncode, output)


HOOK = "from continuum.config import Environment; from continuum.http import hooks; " \
       "from continuum_dev import failpoints; {install}" \
       "hooks.command_committed(Environment.test); print('survived')"


@pytest.mark.parametrize(("install", "returncode", "output"), [(True, -9, ""), (False, 0, "survived")])
def test_the_runtime_hook_fires_only_once_the_launcher_installed_the_failpoints(install, returncode, output):
    env = {failpoints.VARIABLE: failpoints.KILL_AFTER_COMMIT}
    code = HOOK.format(install="failpoints.install(); " if install else "")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, **env}, timeout=60)
    assert (result.returncode, result.stdout.strip()) == (returncode, output)
