"""Transaction-scoped advisory locks: make "at most one open X per Y" checks hold across processes.

A rule like "one open handover per project and service" reads the list read model, then appends. Two
transactions doing that at once would both see none open; holding a lock named after the rule's key from the
check to the commit serialises them, and under READ COMMITTED the second one's check sees the first's commit.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

_LOCK = sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
_LOCK_SHARED = sa.text("SELECT pg_advisory_xact_lock_shared(hashtextextended(:key, 0))")


async def lock_until_commit(conn: AsyncConnection, *, key: str, shared: bool = False) -> None:
    """Wait for, then hold until the transaction ends, the advisory lock named `key`: exclusive, or `shared`
    with other shared holders (they wait only for an exclusive one, and it for them)."""
    await conn.execute(_LOCK_SHARED if shared else _LOCK, {"key": f"continuum:{key}"})
