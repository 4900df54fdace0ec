"""Start-up progress lines and clear failures naming what is missing."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Iterator


class Prerequisite(Exception):
    """Something the local stack needs is missing; says what and what to do instead."""

    def __init__(self, missing: str, alternative: str) -> None:
        super().__init__(f"{missing}. {alternative}")
        self.missing = missing
        self.alternative = alternative


def say(text: str) -> None:
    """One progress line on standard error, prefixed `[continuum]`."""
    print(f"[continuum] {text}", file=sys.stderr, flush=True)


@contextmanager
def step(text: str) -> Iterator[None]:
    """Print the start of a step and its outcome with its duration."""
    started = time.monotonic()
    say(f"{text} ...")
    try:
        yield
    except BaseException:
        say(f"{text}: FAILED ({time.monotonic() - started:.1f}s)")
        raise
    say(f"{text}: done ({time.monotonic() - started:.1f}s)")
