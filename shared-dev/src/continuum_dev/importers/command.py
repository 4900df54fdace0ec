"""`continuum import servicenow|jira FILE --service ID`: a source system's incident export into a service's history.

The export is mapped (continuum_dev.importers.servicenow / .jira, docs/bulk-import.md), rows that cannot be mapped
are listed, and the lines go to service-svc's `POST /services/{id}/import-incidents` in bodies under the request
limit, with a progress bar. `--dry-run` asks the service to check every line and store nothing (`--offline`: the
mapping alone). A re-run is safe: lines imported before are answered `already_imported`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from uuid import UUID

SOURCES = ("servicenow", "jira")
DEFAULT_URL = "http://127.0.0.1:8002"


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("import", help="import an incident export (ServiceNow CSV, Jira JSON) into a service",
                                 description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", choices=SOURCES, help="servicenow (incident list CSV) or jira (issue JSON)")
    parser.add_argument("file", type=Path, help="the export")
    parser.add_argument("--service", type=UUID, required=True, help="the service-svc service imported into")
    parser.add_argument("--url", default=os.environ.get("CONTINUUM_SERVICE_URL", DEFAULT_URL),
                        help=f"service-svc's base URL (default: $CONTINUUM_SERVICE_URL or {DEFAULT_URL})")
    parser.add_argument("--token", default=os.environ.get("CONTINUUM_TOKEN"),
                        help="a bearer token with the integration role naming the service's owner "
                             "(default: $CONTINUUM_TOKEN; locally: continuum token --role integration --subject <owner>)")
    parser.add_argument("--time-zone", default="UTC", help="servicenow: the exporting user's time zone (default UTC)")
    parser.add_argument("--csat-field", help="jira: the custom field holding the satisfaction rating")
    parser.add_argument("--dry-run", action="store_true", help="report what would be rejected; store nothing")
    parser.add_argument("--offline", action="store_true", help="with --dry-run: check the mapping only, no service")
    parser.add_argument("--report", type=Path, help="write every rejected row and line to this file (NDJSON)")
    parser.set_defaults(command=run)


def run(args: argparse.Namespace) -> int:
    from continuum_dev.importers.client import ImportRefused, ProgressBar, Report, send

    mapped = _mapped(args)
    print(f"{args.file}: {len(mapped.records):,} incidents, {mapped.lines:,} lines mapped, "
          f"{len(mapped.refused):,} rows not mappable", file=sys.stderr)
    if args.offline:
        report = Report(refused_rows=[refusal.as_json() for refusal in mapped.refused])
    else:
        if not args.token:
            print("continuum import: a token is needed (--token or $CONTINUUM_TOKEN)", file=sys.stderr)
            return 2
        url = f"{args.url.rstrip('/')}/services/{args.service}/import-incidents"
        try:
            report = send(mapped, url=url, token=args.token, dry_run=args.dry_run, progress=ProgressBar(mapped.lines))
        except ImportRefused as refused:
            print(f"continuum import: refused ({refused})", file=sys.stderr)
            return 1
    _print_report(report, dry_run=args.dry_run, offline=args.offline)
    if args.report is not None:
        with args.report.open("w") as out:
            for row in report.refused_rows:
                out.write(json.dumps({"kind": "row", **row}) + "\n")
            for line in report.rejected:
                out.write(json.dumps({"kind": "line", **line}) + "\n")
    return 0 if not report.rejected and not report.refused_rows else 3


def _mapped(args: argparse.Namespace):
    text = args.file.read_text(encoding="utf-8-sig")
    if args.source == "servicenow":
        from continuum_dev.importers.records import zone
        from continuum_dev.importers.servicenow import read_csv

        return read_csv(text, time_zone=zone(args.time_zone))
    from continuum_dev.importers.jira import read_json

    return read_json(text, csat_field=args.csat_field)


def _print_report(report, *, dry_run: bool, offline: bool) -> None:
    verb = "would be" if dry_run else "were"
    for row in report.refused_rows[:50]:
        print(f"  row {row['row']} ({row['ref'] or '?'}): {row['column']}: {row['message']}", file=sys.stderr)
    for line in report.rejected[:50]:
        problem = line.get("problem", {})
        fields = ", ".join(error["field"] for error in problem.get("errors", []) if error.get("field"))
        print(f"  {line.get('ref', '?')} {line.get('command', '?')}: {problem.get('detail')}"
              f"{f' [{fields}]' if fields else ''}", file=sys.stderr)
    hidden = max(len(report.refused_rows) - 50, 0) + max(len(report.rejected) - 50, 0)
    if hidden:
        print(f"  ... and {hidden} more (--report FILE lists them all)", file=sys.stderr)
    if offline:
        print(f"mapping only: {len(report.refused_rows)} rows {verb} rejected", file=sys.stderr)
        return
    counts = report.counts
    print(f"lines: {counts['accepted']:,} {verb} accepted, {counts['already_imported']:,} already imported, "
          f"{counts['rejected']:,} {verb} rejected; rows not mappable: {len(report.refused_rows):,}", file=sys.stderr)
