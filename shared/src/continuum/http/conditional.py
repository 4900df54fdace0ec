"""Conditional requests (RFC 9110 §13): the ETag of an aggregate is its stream version (DESIGN §4).

- `If-Match` on a command uses the *strong* comparison: `"3"` or a list `"3", "4"` matches a resource at one of
  those versions, `*` any existing resource; a weak tag (`W/"3"`) never matches, so it is refused with 412.
- `If-None-Match` on a read uses the *weak* comparison: when a listed tag (or `*`) matches the answer's ETag, the
  answer is `304 Not Modified` with the ETag and no body (`ConditionalGetMiddleware`).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from continuum.http.problems import ProblemError

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, in a comma-separated list (RFC 9110 §8.8.3)
_ENTITY_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')


def etag(version: int) -> str:
    """The strong entity tag of an aggregate at `version`, e.g. `"3"`."""
    return f'"{version}"'


def entity_tags(value: str) -> list[tuple[bool, str]] | None:
    """The (weak, opaque-tag) pairs of a comma-separated list of entity tags; None if it does not parse."""
    tags, position = [], 0
    while position < len(value):
        match = _ENTITY_TAG.match(value, position)
        if match is None:
            return None
        tags.append((match.group(1) is not None, match.group(2)))
        position = match.end()
    return tags or None


def parse_if_match(value: str | None) -> frozenset[int] | None:
    """The versions an If-Match header accepts (strong comparison), None for no header or `*`; 412 when no
    version can match (a weak tag, a tag that is no version) and 422 when the header is not a list of tags."""
    if value is None or value.strip() == "*":
        return None
    tags = entity_tags(value)
    if tags is None:
        raise ProblemError(422, "validation", "Invalid request",
                           f'If-Match {value!r} is not a list of entity tags such as "3" (quotes included)',
                           errors=[{"field": "header.If-Match", "message": "not a list of entity tags",
                                    "type": "string_pattern_mismatch"}])
    versions = frozenset(int(tag) for weak, tag in tags if not weak and re.fullmatch(r"[0-9]{1,18}", tag))
    if not versions:
        raise ProblemError(412, "precondition-failed", "Precondition failed",
                           f"If-Match {value!r} names no version: a weak tag never matches (strong comparison)")
    return versions


def none_match(if_none_match: str, current: str) -> bool:
    """True when If-None-Match lists the current ETag (weak comparison) or is `*`: the read answers 304."""
    if if_none_match.strip() == "*":
        return True
    tags = entity_tags(if_none_match)
    current_tags = entity_tags(current)
    if not tags or not current_tags:
        return False
    return current_tags[0][1] in {tag for _, tag in tags}


IF_MATCH_PATTERN = r'^(\*|(W/)?"[\x21\x23-\x7e]*"(\s*,\s*(W/)?"[\x21\x23-\x7e]*")*)$'

IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", pattern=IF_MATCH_PATTERN, max_length=1024,
           description='The ETag last read (e.g. `"3"`, or a list `"3", "4"`): the command applies only if the '
                       "resource is still at one of them (strong comparison: a weak tag never matches)."),
]


class ConditionalGetMiddleware:
    """`If-None-Match` on GET and HEAD: a 200 whose ETag the caller already holds becomes a bodiless 304."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        condition = Headers(scope=scope).get("if-none-match")
        if condition is None:
            await self.app(scope, receive, send)
            return
        not_modified = False

        async def send_conditionally(message: Message) -> None:
            nonlocal not_modified
            if message["type"] == "http.response.start":
                headers = Headers(raw=message["headers"])
                current = headers.get("etag")
                if message["status"] == 200 and current is not None and none_match(condition, current):
                    not_modified = True
                    kept = [(name, value) for name, value in message["headers"]
                            if name.lower() not in (b"content-length", b"content-type")]
                    message = {**message, "status": 304, "headers": kept}
            elif message["type"] == "http.response.body" and not_modified:
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(scope, receive, send_conditionally)
