"""`python -m continuum_dev.demo` (`make demo`): seed a living organisation into a running stack (`make run`)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from continuum.config import ServiceSettings
from continuum.http.auth import issue_dev_token
from continuum_dev.demo.client import DemoError, Progress
from continuum_dev.demo.organisation import Seeded, seed_organisation

PORTS = {"project-svc": 8001, "service-svc": 8002, "handover-svc": 8003, "metrics-svc": 8004}  # DESIGN §1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    urls = {name: f"http://{args.host}:{port}" for name, port in PORTS.items()}
    urls.update(dict(override.split("=", 1) for override in args.url))
    auth = ServiceSettings().auth  # the same key and issuer as `make token` and the running services

    def issue(*roles: str, subject: str) -> str:
        return issue_dev_token(auth, subject=subject, roles=list(roles), ttl_s=args.token_hours * 3600)

    try:
        seeded = asyncio.run(seed_organisation(urls, issue, progress=Progress()))
    except DemoError as error:
        print(f"[demo] stopped: {error}", file=sys.stderr)
        return 1
    _print_summary(seeded, urls["metrics-svc"], issue("viewer", subject="dashboard"), args.token_hours)
    return 0


def _print_summary(seeded: Seeded, metrics_url: str, token: str, hours: int) -> None:
    incidents = sum(map(len, seeded.incidents.values()))
    print(f"\nSeeded {len(seeded.services)} services, {incidents} incidents, {len(seeded.projects)} projects, "
          f"{len(seeded.handovers)} handovers and {len(seeded.opportunities)} improvement opportunities.")
    print(f"\nThe KPI dashboard (a viewer token for {hours} hours is in the link's fragment, never sent to a server):")
    print(f"  {metrics_url}/dashboard#token={token}\n")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m continuum_dev.demo", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="where `make run` serves (default 127.0.0.1)")
    parser.add_argument("--url", action="append", default=[], metavar="NAME=URL",
                        help="another base URL for a service, e.g. metrics-svc=http://metrics:8004 (repeatable)")
    parser.add_argument("--token-hours", type=int, default=8, help="lifetime of the printed token (default 8)")
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
