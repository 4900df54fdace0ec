"""Text PostgreSQL cannot store — NUL characters and lone UTF-16 surrogates — found before anything is stored."""

from __future__ import annotations

from typing import Any


def unstorable_at(value: Any, path: list[str]) -> list[str] | None:
    """The path in a JSON document to the first text (value or key) PostgreSQL cannot store; None if nowhere."""
    if isinstance(value, str):
        return path if not storable(value) else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and not storable(key):
            return [*path, "<key>"]
        found = unstorable_at(item, [*path, str(key)])
        if found is not None:
            return found
    return None


def storable(text: str) -> bool:
    """Whether PostgreSQL can store the text: no NUL character and no lone surrogate."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
