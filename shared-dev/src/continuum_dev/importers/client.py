"""Sending mapped records to a bulk import route: bodies under the platform's request limit (each record's lines in
one body), one request at a time, a progress bar on stderr, and the per-line answers gathered into a report."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

import httpx

from continuum.importers.ndjson import MAX_LINES, NDJSON, decode_results
from continuum_dev.importers.records import Mapped

BODY_BYTES = 1_000_000  # under the platform's default 1 MiB request limit (HTTP__MAX_BODY_BYTES)


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=lambda: {"accepted": 0, "already_imported": 0, "rejected": 0})
    rejected: list[dict[str, Any]] = field(default_factory=list)  # the lines' problems, with their ref and command
    refused_rows: list[dict[str, Any]] = field(default_factory=list)  # rows the mapping could not import

    def add(self, results: list[dict[str, Any]], counts: dict[str, int]) -> None:
        for status, count in counts.items():
            self.counts[status] = self.counts.get(status, 0) + count
        self.rejected += [result for result in results if result.get("status") == "rejected"]


class ProgressBar:
    """`[#####.....] 52% 6,240/12,000 lines  1,830 lines/s` on one line of a terminal (a line a step otherwise)."""

    def __init__(self, total: int, *, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.total, self.stream, self.width = max(total, 1), stream, width
        self.done = 0
        self.started = time.monotonic()

    def advance(self, lines: int) -> None:
        self.done += lines
        share = min(self.done / self.total, 1.0)
        filled = int(share * self.width)
        rate = self.done / max(time.monotonic() - self.started, 1e-9)
        text = (f"[{'#' * filled}{'.' * (self.width - filled)}] {share:4.0%} {self.done:,}/{self.total:,} lines  "
                f"{rate:,.0f} lines/s")
        end = "\r" if self.stream.isatty() and self.done < self.total else "\n"
        self.stream.write(("\r" if self.stream.isatty() else "") + text + end)
        self.stream.flush()


def bodies(mapped: Mapped, *, limit: int = BODY_BYTES, max_lines: int = MAX_LINES) -> Iterator[tuple[bytes, int]]:
    """NDJSON bodies of whole records, each under `limit` bytes and `max_lines` lines: (body, its lines)."""
    current: list[bytes] = []
    size = lines = 0
    for record in mapped.records:
        text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in record).encode()
        if current and (size + len(text) > limit or lines + len(record) > max_lines):
            yield b"".join(current), lines
            current, size, lines = [], 0, 0
        current.append(text)
        size, lines = size + len(text), lines + len(record)
    if current:
        yield b"".join(current), lines


def send(mapped: Mapped, *, url: str, token: str, dry_run: bool = False, progress: ProgressBar | None = None,
         timeout_s: float = 300) -> Report:
    """POST every body to `url` (the route's full URL) and gather the answers; raise on a refused request."""
    report = Report(refused_rows=[refusal.as_json() for refusal in mapped.refused])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": NDJSON}
    with httpx.Client(timeout=timeout_s, headers=headers) as client:
        for body, lines in bodies(mapped):
            response = client.post(url, content=body, params={"dry_run": "true"} if dry_run else None)
            if response.status_code != 200:
                raise ImportRefused(response.status_code, _problem_text(response))
            report.add(*decode_results(response.content))
            if progress is not None:
                progress.advance(lines)
    return report


class ImportRefused(Exception):
    """The route refused a whole request (not the caller's service, a bad token, a body too large)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


def _problem_text(response: httpx.Response) -> str:
    try:
        problem = response.json()
    except ValueError:
        return response.text[:500]
    return str(problem.get("detail") or problem.get("title") or problem)
