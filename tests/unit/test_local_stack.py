"""The local stack says what is missing and what to do instead; the token command issues valid tokens."""

from __future__ import annotations

import shutil
import time

import pytest

from continuum import cli
from continuum.config import AuthSettings
from continuum.consumer import ConsumerStatus
from continuum.http.auth import TokenVerifier
from continuum.progress import Prerequisite
from continuum_dev import cli as dev_cli
from continuum_dev.infra import kafka
from continuum_dev.infra.kafka import LocalKafka


def test_without_java_the_kafka_launcher_names_it_and_the_alternative(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(Prerequisite) as missing:
        LocalKafka(state_dir=tmp_path, port=1, controller_port=2, cache_dir=tmp_path / "cache").resolve_jars()
    assert "Java 17" in missing.value.missing and "KAFKA_BOOTSTRAP_SERVERS" in missing.value.alternative


def test_without_maven_the_kafka_launcher_names_it(monkeypatch, tmp_path):
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "mvn" else real_which(name))
    monkeypatch.setattr(kafka, "_require_java", lambda: None)
    with pytest.raises(Prerequisite) as missing:
        LocalKafka(state_dir=tmp_path, port=1, controller_port=2, cache_dir=tmp_path / "cache").resolve_jars()
    assert "Maven" in missing.value.missing


def test_the_cli_reports_a_missing_prerequisite_instead_of_a_traceback(monkeypatch, capsys):
    def missing(args):
        raise Prerequisite("Java 17 or newer is not installed", "or set KAFKA_BOOTSTRAP_SERVERS")

    monkeypatch.setattr(dev_cli, "_infra", missing)  # `continuum infra`: continuum-dev's, through the entry point
    assert cli.main(["infra"]) == 2
    assert "Java 17" in capsys.readouterr().err


async def test_the_token_command_prints_a_token_the_services_accept(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("AUTH__DEV_SIGNING_KEY_PATH", str(tmp_path / "key.pem"))
    assert cli.main(["token", "--role", "sponsor", "--role", "viewer", "--subject", "bob"]) == 0
    token = capsys.readouterr().out.strip()
    principal = await TokenVerifier(AuthSettings(dev_signing_key_path=tmp_path / "key.pem")).verify(token)
    assert principal.subject == "bob" and {r.value for r in principal.roles} == {"sponsor", "viewer"}


def test_a_consumer_retrying_past_its_limit_reports_stuck():
    status = ConsumerStatus(running=True)
    assert not status.stuck(after_s=30)
    status.retrying_since = time.monotonic() - 31
    assert status.stuck(after_s=30)


def test_processes_making_the_development_key_at_once_agree_on_one(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    from cryptography.hazmat.primitives import serialization

    from continuum.http.auth import dev_private_key

    path = tmp_path / "key.pem"
    with ProcessPoolExecutor(4) as pool:
        keys = list(pool.map(_public_pem, [path] * 8))
    assert len(set(keys)) == 1
    assert keys[0] == dev_private_key(path).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _public_pem(path):
    from cryptography.hazmat.primitives import serialization

    from continuum.http.auth import dev_private_key

    return dev_private_key(path).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def test_continuum_rebuild_metrics_runs_the_metrics_rebuild(monkeypatch, capsys):
    import metrics_svc.rebuild

    calls = []

    async def fake_main() -> None:
        calls.append("rebuilt")

    monkeypatch.setattr(metrics_svc.rebuild, "main", fake_main)
    assert cli.main(["rebuild", "metrics"]) == 0 and calls == ["rebuilt"]
    assert cli.main(["rebuild", "project"]) == 2
    assert "rebuildable: metrics-svc" in capsys.readouterr().err
