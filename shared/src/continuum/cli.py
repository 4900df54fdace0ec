"""The `continuum` command: migrate, rebuild projections, issue development tokens.

These are what the images run (deploy/). The development tools (continuum-dev, shared-dev/) add their own commands
(`run`, `infra`, `import`) through the entry point group `continuum.commands`: a function given the subparsers."""

from __future__ import annotations

import argparse
import logging
import sys
from importlib.metadata import entry_points
from pathlib import Path

from continuum.config import ServiceSettings
from continuum.http.auth import Role, issue_dev_token
from continuum.progress import Prerequisite

COMMANDS = "continuum.commands"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for chatty in ("alembic", "httpx"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    try:
        return args.command(args)
    except Prerequisite as missing:
        print(f"continuum: {missing.missing}.\n  {missing.alternative}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="continuum", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    token = commands.add_parser("token", help="print a development token")
    token.add_argument("--role", action="append", choices=[r.value for r in Role], required=True,
                       help="a role of the token (repeat for several)")
    token.add_argument("--subject", default="dev-user", help="who the token names (default: dev-user)")
    token.add_argument("--ttl", type=int, default=8 * 3600, help="lifetime in seconds (default: 8 hours)")
    token.set_defaults(command=_token)

    migrate = commands.add_parser("migrate", help="apply each service's Alembic migrations")
    migrate.add_argument("services", nargs="*", help="service names (default: all)")
    migrate.set_defaults(command=_migrate)

    rebuild = commands.add_parser("rebuild", help="replay every topic from offset 0 into a service's projections")
    rebuild.add_argument("service", help="e.g. metrics (or metrics-svc); stop that service's consumer first")
    rebuild.set_defaults(command=_rebuild)

    for extension in entry_points(group=COMMANDS):  # continuum-dev: run, infra, import
        extension.load()(commands)
    return parser


def _token(args: argparse.Namespace) -> int:
    settings = ServiceSettings().auth
    settings = settings.model_copy(update={"dev_signing_key_path": project_signing_key(settings.dev_signing_key_path)})
    print(issue_dev_token(settings, subject=args.subject, roles=args.role, ttl_s=args.ttl))
    return 0


def project_signing_key(path: Path, *, cwd: Path | None = None) -> Path:
    """The development signing key the project's services use, wherever the command runs from.

    An absolute path (AUTH__DEV_SIGNING_KEY_PATH) is taken as it is. A relative one is looked for in the working
    directory and its parents, then under the project's root (the checkout holding this package, or a parent
    directory with the project's Makefile); refusing is better than a new key whose tokens every service refuses.
    """
    if path.is_absolute():
        return path
    here = (cwd or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / path).is_file():
            return directory / path
    root = _project_root(here)
    if root is None:
        raise Prerequisite(
            f"no development signing key {path} in {here} or its parents, and no Continuum checkout to keep one in",
            "run this from the project directory (where `make run` keeps .run/), or set AUTH__DEV_SIGNING_KEY_PATH "
            "to the key the services use",
        )
    return root / path


def _project_root(here: Path) -> Path | None:
    """The Continuum checkout holding `here`, else the one this package is installed from (editable)."""
    for candidate in (here, *here.parents, _package_checkout()):
        if (candidate / "Makefile").is_file() and (candidate / "shared" / "src" / "continuum").is_dir():
            return candidate
    return None


def _package_checkout() -> Path:
    return Path(__file__).resolve().parents[3]  # <root>/shared/src/continuum/cli.py in an editable install


def _migrate(args: argparse.Namespace) -> int:
    from continuum.operations import discover_services, prepare_databases

    services = [s for s in discover_services() if not args.services or s.spec.name in args.services]
    prepare_databases(ServiceSettings().database.url, services)
    return 0


def _rebuild(args: argparse.Namespace) -> int:
    import asyncio
    from importlib import import_module

    from continuum.operations import discover_services

    wanted = args.service if args.service.endswith("-svc") else f"{args.service}-svc"
    entry = next((s for s in discover_services() if s.spec.name == wanted), None)
    if entry is None or entry.rebuild is None:
        rebuildable = [s.spec.name for s in discover_services() if s.rebuild]
        print(f"continuum: {args.service!r} has no projections to rebuild (rebuildable: {', '.join(rebuildable)})",
              file=sys.stderr)
        return 2
    module, _, function = entry.rebuild.partition(":")
    asyncio.run(getattr(import_module(module), function)())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
