"""The development commands of `continuum`: `run` (the whole local system), `infra` (PostgreSQL and Kafka only) and
`import` (an incident export into service-svc). The runtime's `continuum` command (continuum.cli) adds them when
this package is installed, through the entry point group `continuum.commands`."""

from __future__ import annotations

import argparse
import signal
from pathlib import Path

from continuum.config import AuthSettings
from continuum.http.auth import Role, issue_dev_token
from continuum.progress import say

STATE_DIR = Path(".run")


def add_commands(commands: argparse._SubParsersAction) -> None:
    """`continuum infra`, `continuum run`, `continuum import`."""
    infra = commands.add_parser("infra", help="start PostgreSQL and Kafka only, until Ctrl-C")
    infra.set_defaults(command=_infra)

    run = commands.add_parser("run", help="start the whole system until Ctrl-C")
    run.set_defaults(command=_run)

    from continuum_dev.importers import command as import_command  # `continuum import` (docs/bulk-import.md)

    import_command.add_parser(commands)


def _infra(args: argparse.Namespace) -> int:
    from continuum_dev.stack import Infrastructure

    infrastructure = Infrastructure(state_dir=STATE_DIR)
    try:
        infrastructure.start()
        say(f"PostgreSQL: {infrastructure.database_url}  Kafka: {infrastructure.kafka_bootstrap_servers}")
        say("press Ctrl-C to stop")
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        infrastructure.stop()
    return 0


def _run(args: argparse.Namespace) -> int:
    from continuum.operations import discover_services, prepare_databases
    from continuum_dev.stack import Infrastructure, ServiceProcesses

    services = discover_services()
    infrastructure = Infrastructure(state_dir=STATE_DIR)
    processes: ServiceProcesses | None = None
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        infrastructure.start()
        prepare_databases(infrastructure.database_url, services)
        processes = ServiceProcesses(services=services, environment=_service_environment(infrastructure))
        processes.start()
        _print_welcome(services)
        processes.wait()
    except KeyboardInterrupt:
        say("stopping")
    finally:
        if processes is not None:
            processes.stop()
        infrastructure.stop()
    return 0


def _service_environment(infrastructure) -> dict[str, str]:
    return {
        "DATABASE_URL": infrastructure.database_url,
        "KAFKA_BOOTSTRAP_SERVERS": infrastructure.kafka_bootstrap_servers,
        "AUTH__DEV_SIGNING_KEY_PATH": str(AuthSettings().dev_signing_key_path.resolve()),
    }


def _print_welcome(services) -> None:
    token = issue_dev_token(AuthSettings(), subject="dev-admin", roles=[Role.admin.value])
    lines = ["", "Continuum is up:"]
    lines += [f"  {s.spec.name:<13} http://127.0.0.1:{s.spec.port}/docs" for s in services]
    lines += ["", "A development token (role admin, 8 hours; `continuum token --role ROLE` for others):",
              f"  {token}", "", "Press Ctrl-C to stop everything.", ""]
    print("\n".join(lines), flush=True)
