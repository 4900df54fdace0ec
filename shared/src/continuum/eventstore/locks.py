"""Transaction-scoped advisory locks: make "at most one open X per Y" checks hold across processes.

A rule like "one open handover per project and service" reads the list read model, then appends. Two
transactions doing that at once would both see none open; holding a lock named after the rule's key from the
check to the commit serialises them, and under READ COMMITTED the second one's check sees the first's commit.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

_LOCK = sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")


async def lock_until_commit(conn: AsyncConnection, *, key: str) -> None:
    """Wait for, then hold until the transaction ends, the advisory lock named `key`."""
    await conn.execute(_LOCK, {"key": f"continuum:{key}"})
