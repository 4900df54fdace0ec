"""The dashboard's static files ship in the wheel and load nothing from another origin (it must work offline)."""

from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

SERVICE = Path(__file__).parents[3] / "services" / "metrics-svc"
PACKAGE = SERVICE / "src" / "metrics_svc"
STATIC = PACKAGE / "dashboard" / "static"


def test_every_static_file_is_package_data():
    setuptools = tomllib.loads((SERVICE / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = setuptools["package-data"]["metrics_svc"]
    files = [path.relative_to(PACKAGE).as_posix() for path in STATIC.rglob("*") if path.is_file()]
    assert {"dashboard/static/index.html", "dashboard/static/vendor/chart.umd.min.js"} <= set(files)
    assert [f for f in files if not any(fnmatch(f, pattern) for pattern in patterns)] == []


def test_the_page_loads_only_its_own_files():
    page = (STATIC / "index.html").read_text()
    references = re.findall(r'(?:src|href)="([^"]+)"', page)
    local = [ref for ref in references if ref.startswith("dashboard/static/")]
    assert local and all((STATIC / ref.removeprefix("dashboard/static/")).is_file() for ref in local)
    assert not any(re.match(r"^(https?:)?//", ref) for ref in references)
    script = (STATIC / "dashboard.js").read_text()
    assert "http://" not in script and "https://" not in script


def test_the_vendored_chart_js_carries_its_licence_and_stated_version():
    banner = (STATIC / "vendor" / "chart.umd.min.js").read_text()[:200]
    version = re.search(r"Chart\.js v(\d+\.\d+\.\d+)", banner)[1]
    assert f"| {version} | MIT" in (STATIC / "vendor" / "README.md").read_text()
    assert "MIT License" in (STATIC / "vendor" / "chart.js.LICENSE.md").read_text()
