"""Schemathesis against each running service's own OpenAPI, authenticated as admin, with a fixed seed and a
bounded number of examples: no server error, no response that breaks the documented schema."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from continuum.stack import discover_services

SEED = 20261125
EXAMPLES = 10
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


@pytest.mark.parametrize("name", [service.spec.name for service in discover_services()])
def test_fuzzing_finds_no_server_error_and_no_schema_violation(name, running_system, issue_token, tmp_path):
    service = next(s for s in running_system.services if s.spec.name == name)
    url = f"http://127.0.0.1:{running_system.port(service)}/openapi.json"
    schemathesis = Path(sys.executable).parent / "schemathesis"
    result = subprocess.run(
        [str(schemathesis), "run", url, "-H", f"Authorization: Bearer {issue_token('admin', subject='fuzzer')}",
         "--checks", CHECKS, "--max-examples", str(EXAMPLES), "--seed", str(SEED), "--request-timeout", "10", "--generation-with-security-parameters", "false",
         "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
