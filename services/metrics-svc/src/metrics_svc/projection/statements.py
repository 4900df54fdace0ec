"""The fact writes' statements, built once per (table, columns) and executed with parameters.

Building a new statement for every event was half of a rebuild's time (py-spy, scenario 5 of `make bench`).
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert


@functools.cache
def upsert_statement(table: sa.Table, key: str, columns: tuple[str, ...]) -> sa.Insert:
    statement = pg_insert(table).values({name: sa.bindparam(name) for name in columns})
    update = {name: statement.excluded[name] for name in columns if name != key}
    return statement.on_conflict_do_update(index_elements=[key], set_=update)


@functools.cache
def insert_statement(table: sa.Table, columns: tuple[str, ...]) -> sa.Insert:
    """Insert if absent (a redelivered creation changes nothing)."""
    return pg_insert(table).values({name: sa.bindparam(name) for name in columns}).on_conflict_do_nothing()


@functools.cache
def update_statement(table: sa.Table, key: str, columns: tuple[str, ...]) -> sa.Update:
    """Set `columns` (parameters `set_<column>`) of the row whose `key` is the parameter `key_`."""
    return (sa.update(table).where(table.c[key] == sa.bindparam("key_"))
            .values({name: sa.bindparam(f"set_{name}") for name in columns}))


def update_parameters(key_value: object, values: dict[str, object]) -> dict[str, object]:
    return {f"set_{name}": value for name, value in values.items()} | {"key_": key_value}
