"""One `INSERT ... ON CONFLICT DO UPDATE` for both dialects, built once per shape.

Building the statement (and its `excluded` pseudo-table) costs more than
running it, and a checkpoint is upserted with every page, so each shape of
upsert is built once per dialect and then executed with fresh parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.expression import Executable

from interlink.store._bulk import execute

__all__ = ["upsert"]

_built: dict[tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], Executable] = {}


def upsert(
    conn: Connection,
    table: Table,
    row: Mapping[str, Any],
    *,
    keys: Sequence[str],
    set_: Mapping[str, Any] | None = None,
) -> None:
    """Insert `row`, or on a conflict of `keys` update the other columns.

    `set_` overrides what an update writes (an expression on the stored row,
    such as `drift.c.count + 1`); every other column takes the new value.
    A call site must pass the same `set_` expressions each time: the statement
    is cached by the names it sets.
    """
    name = conn.dialect.name
    overrides = set_ or {}
    cache_key = (name, table.name, tuple(row), tuple(keys), tuple(overrides))
    statement = _built.get(cache_key)
    if statement is None:
        dialect = postgresql if name == "postgresql" else sqlite
        insert = dialect.insert(table)
        excluded = insert.excluded
        values: dict[str, Any] = {col: excluded[col] for col in row if col not in keys}
        values.update(overrides)
        statement = insert.on_conflict_do_update(index_elements=list(keys), set_=values)
        _built[cache_key] = statement
    execute(conn, statement, row)
