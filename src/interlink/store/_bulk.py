"""executemany at the driver's level for the hot path, with SQLAlchemy's own type processing.

SQLAlchemy Core builds a parameter dict per row and runs it through its
generic machinery, which costs more than SQLite's own insert of the row. Here a
statement is compiled once per (dialect, statement, parameter names) and each
row becomes a tuple in one comprehension, through the very bind processors
SQLAlchemy would have used (so JSON, datetimes and booleans are stored exactly
as everywhere else). PostgreSQL keeps Core's path: its "insertmanyvalues"
batching is already the fast way there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Connection, CursorResult
from sqlalchemy.sql.expression import Executable

__all__ = ["RawJSON", "execute", "executemany"]


class RawJSON(str):
    """JSON text already serialised, bound to a JSON column as it is (SQLite only)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    constants: dict[str, Any]
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]


_compiled: dict[tuple[int, tuple[str, ...]], _Compiled] = {}


def _compile(conn: Connection, statement: Executable, keys: tuple[str, ...]) -> _Compiled:
    dialect = conn.dialect
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))  # type: ignore[attr-defined]
    names = tuple(compiled.positiontup)
    processors = []
    constants = {}
    for index, name in enumerate(names):
        bind = compiled.binds[name]
        if name not in keys:
            constants[name] = bind.effective_value
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None and isinstance(bind.type, JSON):
            processor = _unless_raw(processor)
        if processor is not None:
            processors.append((index, processor))
    return _Compiled(str(compiled), names, constants, tuple(processors))


def _unless_raw(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def process(value: Any) -> Any:
        return str(value) if value.__class__ is RawJSON else processor(value)

    return process


def _params(compiled: _Compiled, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    names, constants, processors = compiled.names, compiled.constants, compiled.processors
    params = []
    # A page stamps every row with the same `now`: convert a value once per run of repeats.
    last: list[tuple[Any, Any]] = [(None, None)] * len(names)
    for row in rows:
        values = [row[name] if name in row else constants[name] for name in names]
        for index, processor in processors:
            value = values[index]
            if value is None:
                continue
            seen, converted = last[index]
            if value is not seen:
                converted = processor(value)
                last[index] = (value, converted)
            values[index] = converted
        params.append(tuple(values))
    return params


def _lookup(conn: Connection, statement: Executable, keys: tuple[str, ...]) -> _Compiled:
    # Hot-path statements are module-level constants (or cached), so their id is a stable key.
    cache_key = (id(statement), keys)
    compiled = _compiled.get(cache_key)
    if compiled is None:
        compiled = _compiled[cache_key] = _compile(conn, statement, keys)
    return compiled


def executemany(conn: Connection, statement: Executable, rows: Sequence[dict[str, Any]]) -> None:
    """`conn.execute(statement, rows)`, faster on SQLite; every row has the same keys."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(statement, list(rows))
        return
    compiled = _lookup(conn, statement, tuple(rows[0]))
    conn.exec_driver_sql(compiled.sql, _params(compiled, rows))


def execute(conn: Connection, statement: Executable, row: Mapping[str, Any]) -> CursorResult[Any]:
    """`conn.execute(statement, row)`, faster on SQLite. Rows come back unprocessed:
    use it for writes (rowcount) and for reading plain strings and numbers."""
    if conn.dialect.name != "sqlite":
        return conn.execute(statement, dict(row))
    compiled = _lookup(conn, statement, tuple(row))
    return conn.exec_driver_sql(compiled.sql, _params(compiled, [row])[0])
