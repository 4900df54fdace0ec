"""What every read of the projected facts shares: rows fetched, an id list as one array parameter (any_of),
moments made timezone-aware, and rows grouped by their service."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from continuum.domain import as_utc


async def _rows(conn: AsyncConnection, query: sa.Select) -> list[sa.Row]:
    return list((await conn.execute(query)).all())


def any_of(column: sa.ColumnElement, ids: Collection) -> sa.ColumnElement[bool]:
    """`column = ANY(<one array parameter>)`: one parameter however many ids (an IN list renders one each)."""
    return column == sa.any_(sa.bindparam(None, list(ids), type_=ARRAY(column.type)))


def aware(moment: datetime | None) -> datetime | None:
    """A moment as the domain may compare it: asyncpg gives ±infinity back naive (datetime.min/max); as UTC, they
    compare with every other moment, and the KPI functions then leave them out as outside the business calendar."""
    return None if moment is None else as_utc(moment)


def _fields(row: sa.Row) -> dict:
    """A row's columns by name, every moment timezone-aware."""
    return {name: aware(value) if isinstance(value, datetime) else value
            for name, value in zip(row._fields, row, strict=True)}


def _grouped(rows, make, key=lambda row: row[0]) -> dict[UUID, list]:
    found: dict[UUID, list] = defaultdict(list)
    for row in rows:
        found[key(row)].append(make(row))
    return found


def _service(row: sa.Row) -> UUID:
    return row.service_id
