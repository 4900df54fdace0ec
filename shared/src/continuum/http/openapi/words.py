"""Words of the naming rule: a path segment made singular (`singular`) and a name cut into lowercase words."""

from __future__ import annotations

import re

_IRREGULAR = {"criteria": "criterion", "kpis": "kpis", "history": "history", "success": "success"}


def singular(segment: str) -> str:
    """`incidents` → `incident`, `opportunities` → `opportunity`, `criteria` → `criterion` (path segments)."""
    if segment in _IRREGULAR:
        return _IRREGULAR[segment]
    if segment.endswith("ies"):
        return segment[:-3] + "y"
    return segment[:-1] if segment.endswith("s") and not segment.endswith("ss") else segment


def _words(text: str) -> list[str]:
    return [word for word in re.split(r"[^a-z0-9]+", text.lower()) if word]
