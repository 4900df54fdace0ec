"""A single-node Apache Kafka broker in KRaft mode, its jars resolved by Maven into a cache (DESIGN §2).

Pinned to Apache Kafka 4.4.0: the newest release on Maven Central when this was written, verified here with
aiokafka 0.14 (admin topic creation, idempotent producer, consumer groups with manual commits).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import base64
import uuid
from pathlib import Path

from continuum.progress import Prerequisite, say, step

KAFKA_VERSION = "4.4.0"
_HERE = Path(__file__).parent
_ALTERNATIVE = "or set KAFKA_BOOTSTRAP_SERVERS to an existing Kafka cluster"


def default_cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "continuum" / f"kafka-{KAFKA_VERSION}"


class LocalKafka:
    def __init__(self, *, state_dir: Path, port: int, controller_port: int, cache_dir: Path | None = None,
                 heap: str = "512m", properties: dict[str, str] | None = None) -> None:
        self.state_dir = state_dir.resolve()
        self.port = port
        self.controller_port = controller_port
        self.cache_dir = cache_dir or default_cache_dir()
        self.heap = heap
        self.properties = dict(properties or {})
        """Broker settings besides (or instead of) the defaults below, as `server.properties` lines."""
        self.log_dir = self.state_dir / "kafka-data"
        self.log_file = self.state_dir / "kafka.log"
        self.process: subprocess.Popen | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> str:
        if _port_open(self.port):
            say(f"Kafka already listening on {self.bootstrap_servers}")
            return self.bootstrap_servers
        classpath = self.resolve_jars()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        if not (self.log_dir / "meta.properties").exists():
            with step("formatting Kafka KRaft storage"):
                self._java(classpath, "kafka.tools.StorageTool", "format", "--standalone",
                           "-t", _cluster_id(), "-c", str(config))
        with step(f"starting Apache Kafka {KAFKA_VERSION} (KRaft) on {self.bootstrap_servers}"):
            self._launch(classpath, config)
            self._wait_until_listening()
        return self.bootstrap_servers

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with step("stopping Kafka"):
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """Stop the broker abruptly (fault-injection tests)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def resolve_jars(self) -> str:
        """The broker's classpath, resolving the jars with Maven on first use."""
        _require_java()
        libs = self.cache_dir / "libs"
        marker = self.cache_dir / "resolved"
        if not marker.exists():
            mvn = shutil.which("mvn")
            if mvn is None:
                raise Prerequisite("Maven (mvn) is not installed; it resolves the Kafka jars on first use", _ALTERNATIVE)
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            pom = self.cache_dir / "pom.xml"
            pom.write_text((_HERE / "kafka-pom.xml").read_text().replace("@KAFKA_VERSION@", KAFKA_VERSION))
            with step(f"resolving Apache Kafka {KAFKA_VERSION} jars with Maven into {self.cache_dir} (first run only)"):
                result = subprocess.run(
                    [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies",
                     f"-DoutputDirectory={libs}", "-Dmdep.includeScope=runtime"],
                    capture_output=True, text=True,
                )
                if result.returncode != 0:
                    raise RuntimeError(f"Maven could not resolve Kafka:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
            marker.write_text(KAFKA_VERSION)
        return os.pathsep.join(str(jar) for jar in sorted(libs.glob("*.jar")))

    def _write_config(self) -> Path:
        config = self.state_dir / "server.properties"
        config.write_text("\n".join([
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.bootstrap.servers=127.0.0.1:{self.controller_port}",
            f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            f"log.dirs={self.log_dir}",
            "num.partitions=3",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=10",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=false",
            *(f"{name}={value}" for name, value in self.properties.items()),
            "",
        ]))
        return config

    def _java(self, classpath: str, main: str, *args: str) -> None:
        result = subprocess.run(["java", "-cp", classpath, *self._logging(), main, *args],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{main} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")

    def _logging(self) -> list[str]:
        return [f"-Dlog4j2.configurationFile={_HERE / 'kafka-log4j2.properties'}"]

    def _launch(self, classpath: str, config: Path) -> None:
        log = self.log_file.open("ab")
        self.process = subprocess.Popen(
            ["java", f"-Xmx{self.heap}", f"-Xms{self.heap}", "-XX:+UseG1GC", "-Djava.awt.headless=true",
             *self._logging(), "-cp", classpath, "kafka.Kafka", str(config)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        log.close()

    def _wait_until_listening(self, timeout_s: float = 90) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                tail = self.log_file.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"Kafka exited with {self.process.returncode} (see {self.log_file}):\n{tail}")
            if _port_open(self.port):
                return
            time.sleep(0.2)
        raise RuntimeError(f"Kafka did not listen on {self.bootstrap_servers} within {timeout_s:.0f}s")


def _cluster_id() -> str:
    """A random cluster id; never one starting with '-', which the storage tool would read as an option."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _require_java() -> None:
    java = shutil.which("java")
    if java is None:
        raise Prerequisite("Java 17 or newer is not installed; the local Kafka broker runs on it", _ALTERNATIVE)
    output = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    match = re.search(r'version "(\d+)', output)
    if match is None or int(match[1]) < 17:
        raise Prerequisite(f"Java 17 or newer is needed for Kafka, found: {output.splitlines()[:1]}", _ALTERNATIVE)
