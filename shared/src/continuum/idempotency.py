"""Idempotency keys in PostgreSQL: claimed in the command's own transaction, so a retry never has a second effect."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.context import IdempotencyClaim
from continuum.eventstore.schema import idempotency_keys


class IdempotencyKeyReused(Exception):
    """The key was already used: by a finished request (replay it) or one still running."""


@dataclass(frozen=True)
class StoredRequest:
    request_hash: str
    stream_id: UUID | None
    status: int | None
    headers: dict[str, str] | None
    body: bytes | None


# answers a retry of the very same request may outlive: a timeout, a rate limit, too early
_TRANSIENT_STATUSES = frozenset({408, 425, 429})
# 409s that say "retry" rather than "no": a lost optimistic-concurrency race, a key another request holds
_TRANSIENT_PROBLEMS = frozenset({"urn:continuum:problem:concurrent-modification",
                                 "urn:continuum:problem:idempotency-key-in-use"})


def is_final_outcome(*, status: int, headers: dict[str, str], body: bytes) -> bool:
    """Whether an answer is the request's outcome (kept for replays) rather than a transient one to retry.

    Transient: any 5xx (a 503 outage included), 408/425/429, an answer carrying Retry-After, a 409 that
    lost an optimistic-concurrency race, and a 422 naming a reference not known yet (a service or project created
    a moment ago, learned from the topics). Storing one would make the retry its problem asks for replay it forever.
    """
    if status >= 500 or status in _TRANSIENT_STATUSES:
        return False
    if any(name.lower() == "retry-after" for name in headers):
        return False
    return status not in (409, 422) or not _is_transient_problem(body)


def _is_transient_problem(body: bytes) -> bool:
    try:
        problem = json.loads(body)
    except ValueError:
        return False
    if not isinstance(problem, dict):
        return False
    if str(problem.get("type", "")).endswith(":unknown-reference"):
        return True
    return problem.get("type") in _TRANSIENT_PROBLEMS or problem.get("rule") == "optimistic-concurrency"


async def claim(conn: AsyncConnection, claim: IdempotencyClaim, *, stream_id: UUID | None) -> None:
    """Record the key in the command's transaction; raise IdempotencyKeyReused if it is taken."""
    statement = pg_insert(idempotency_keys).values(
        principal=claim.principal, key=claim.key, request_hash=claim.request_hash, stream_id=stream_id
    )
    result = await conn.execute(statement.on_conflict_do_nothing())
    if result.rowcount == 0:
        raise IdempotencyKeyReused(claim.key)
    claim.claimed = True


async def find(conn: AsyncConnection, *, principal: str, key: str) -> StoredRequest | None:
    """The request stored under this caller's Idempotency-Key, or None when the key is new (or expired)."""
    row = (
        await conn.execute(
            sa.select(
                idempotency_keys.c.request_hash,
                idempotency_keys.c.stream_id,
                idempotency_keys.c.status,
                idempotency_keys.c.headers,
                idempotency_keys.c.body,
            ).where(idempotency_keys.c.principal == principal, idempotency_keys.c.key == key)
        )
    ).first()
    return StoredRequest(**row._mapping) if row else None


async def save_response(
    conn: AsyncConnection, claim: IdempotencyClaim, *, status: int, headers: dict[str, str], body: bytes
) -> None:
    """Keep the first response for replays.

    The request that claimed the key in its transaction fills in its row; one that committed nothing (e.g. a 409)
    records its answer only if no other request holds the key, so it never overwrites the winner's.
    """
    if claim.claimed:
        await conn.execute(
            idempotency_keys.update()
            .where(idempotency_keys.c.principal == claim.principal, idempotency_keys.c.key == claim.key,
                   idempotency_keys.c.status.is_(None))
            .values(status=status, headers=headers, body=body)
        )
        return
    statement = pg_insert(idempotency_keys).values(
        principal=claim.principal, key=claim.key, request_hash=claim.request_hash, status=status, headers=headers,
        body=body,
    )
    await conn.execute(statement.on_conflict_do_nothing())


async def expire(conn: AsyncConnection, *, older_than: timedelta) -> int:
    """Forget keys older than the retention window."""
    result = await conn.execute(
        idempotency_keys.delete().where(idempotency_keys.c.created_at < sa.func.now() - older_than)
    )
    return result.rowcount
