"""Fact writes gathered and sent together: how the consumer and a rebuild apply a fetched batch of events in a
few statements.

The projector's writers call three primitives (insert-if-absent, upsert, update by key). Given a `FactBatch`
instead of a connection, those calls are gathered per table and key — later values of the same key merged in
order — and `flush` sends each table's inserts and upserts, then its updates, as one executemany per statement.
That equals applying them one by one as long as a key's inserts come before its updates, which holds for
events of one stream (one partition, in order); anything else (a statement of another kind, or an insert
after an update of the same key) flushes first, so order is kept where it is not provably irrelevant.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from metrics_svc.projection import rollups
from metrics_svc.projection.statements import insert_statement, update_parameters, update_statement, upsert_statement
from metrics_svc.projection.tables import FactTables

Key = tuple[sa.Table, Any]


class FactBatch:
    """Stands in for the connection given to the projector's writers (see the module's docstring)."""

    def __init__(self, conn: AsyncConnection, *, maintain_rollups: bool = True) -> None:
        self.conn = conn
        self.maintain_rollups = maintain_rollups  # off: the caller derives them at the end (a rebuild)
        self._creates: dict[Key, tuple[str, str, dict[str, Any]]] = {}  # key → (kind, key column, values)
        self._updates: dict[Key, tuple[str, dict[str, Any]]] = {}  # key → (key column, values to set)
        self._incidents: dict[int, tuple[FactTables, set[Any]]] = {}  # incidents whose rollups follow their facts

    def touch_incident(self, tables: FactTables, incident_id: Any) -> None:
        """The incident's fact is about to change: at the flush, its rollups follow (projection.rollups)."""
        if self.maintain_rollups:
            self._incidents.setdefault(id(tables), (tables, set()))[1].add(incident_id)

    def create(self, kind: str, table: sa.Table, key: str, values: dict[str, Any]) -> bool:
        """Gather an insert-if-absent or upsert; False when it must wait for a flush to keep order."""
        slot = (table, values[key])
        if slot in self._updates:
            return False
        if slot not in self._creates:
            self._creates[slot] = (kind, key, dict(values))
            return True
        earlier_kind, _, earlier = self._creates[slot]
        if earlier_kind != kind:
            return False
        if kind == "upsert":
            earlier.update(values)  # the later upsert's values win, as they would one by one
        return True  # a second insert-if-absent of a gathered key does nothing, as it would one by one

    def update(self, table: sa.Table, key: str, key_value: Any, values: dict[str, Any]) -> None:
        """Gather an update; updates of one key merge in order (later values win), as they would one by one."""
        _, earlier = self._updates.setdefault((table, key_value), (key, {}))
        earlier.update(values)

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        """Any other statement: send what was gathered first, so it sees (and follows) every earlier write."""
        await self.flush()
        return await self.conn.execute(statement, parameters)

    async def flush(self) -> None:
        """Every gathered insert and upsert, then every update: one executemany per statement, between the rollups
        of the incidents they change losing what those contribute before and gaining it after (projection.rollups)."""
        touched, self._incidents = list(self._incidents.values()), {}
        for tables, ids in touched:
            created = {values["service_id"] for (table, _), (_, _, values) in self._creates.items()
                       if table is tables.incidents and "service_id" in values}
            await rollups.leave(self.conn, tables, ids, created)
        await self._send()
        for tables, ids in touched:
            await rollups.arrive(self.conn, tables, ids)

    async def _send(self) -> None:
        creates: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for (table, _), (kind, key, values) in self._creates.items():
            columns = tuple(values)
            statement = upsert_statement(table, key, columns) if kind == "upsert" else insert_statement(table, columns)
            creates[statement].append(values)
        updates: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for (table, key_value), (key, values) in self._updates.items():
            updates[update_statement(table, key, tuple(values))].append(update_parameters(key_value, values))
        self._creates.clear()
        self._updates.clear()
        for statement, rows in [*creates.items(), *updates.items()]:
            await self.conn.execute(statement, rows)
