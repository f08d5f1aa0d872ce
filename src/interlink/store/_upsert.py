"""One `INSERT ... ON CONFLICT DO UPDATE` for both dialects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["upsert"]


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
    """
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**row)
    excluded = statement.excluded
    values: dict[str, Any] = {name: excluded[name] for name in row if name not in keys}
    values.update(set_ or {})
    conn.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=values))
