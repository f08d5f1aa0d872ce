"""The list endpoint's hot path: records read as JSON text and spliced into the answer.

`Store.list_records` decodes every row into a `RecordRow` (two JSON documents
and four datetimes each), which the API would encode straight back. Here the
same keyset query selects only what a page needs, with `data` (and
`remote_data` when asked) as the JSON text the database holds, and the page is
assembled from those texts: nothing is decoded or re-encoded but the rare
record whose deletion happened after its data was written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeAlias

import orjson
from sqlalchemy import (
    Integer,
    LargeBinary,
    Select,
    Text,
    bindparam,
    cast,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement

from interlink.store import Store
from interlink.store._bulk import execute
from interlink.store._columns import as_utc
from interlink.store._engine import translate_errors
from interlink.store._tables import records

__all__ = ["RawRecord", "last_position", "list_raw", "page_json"]


RawRecord: TypeAlias = tuple[str, Any, bytes | str, bytes | str | None, Any]
"""(id, updated_at, data JSON, remote_data JSON or None, deleted), as the driver returns them:
JSON as bytes on SQLite (CAST AS BLOB: no decoding into str and encoding back), text on
PostgreSQL; updated_at as text on SQLite (only the last row's is ever parsed)."""


_Shape = tuple[str, bool, bool, bool, bool, bool]
_built: dict[_Shape, Select[Any]] = {}


def _text(dialect: str, column: ColumnElement[Any]) -> ColumnElement[Any]:
    # SQLite keeps JSON as text: read it as bytes. PostgreSQL renders JSONB as text.
    return cast(column, LargeBinary) if dialect == "sqlite" else cast(column, Text)


def _statement(shape: _Shape) -> Select[Any]:
    """The keyset query of one shape of filters, built once (building costs more than running)."""
    built = _built.get(shape)
    if built is not None:
        return built
    dialect, one_connection, since, deleted, after, remote = shape
    query = select(
        records.c.id,
        type_coerce(records.c.updated_at, Text) if dialect == "sqlite" else records.c.updated_at,
        _text(dialect, records.c.data),
        _text(dialect, records.c.remote_data) if remote else literal_column("NULL"),
        records.c.remote_was_deleted,
    ).where(records.c.tenant_id == bindparam("tenant_id"), records.c.model == bindparam("model"))
    if one_connection:
        query = query.where(records.c.connection_id == bindparam("connection_id"))
    if since:
        query = query.where(records.c.updated_at > bindparam("since"))
    if not deleted:
        query = query.where(records.c.remote_was_deleted.is_(False))
    if after:
        # The leading `>=` is a range the index serves; an OR alone makes SQLite walk the
        # index from the tenant's first record and filter, so deep pages cost O(offset).
        query = query.where(
            records.c.updated_at >= bindparam("after_at"),
            or_(records.c.updated_at > bindparam("after_at"), records.c.id > bindparam("after_id")),
        )
    query = query.order_by(records.c.updated_at, records.c.id).limit(
        bindparam("limit", type_=Integer)
    )
    _built[shape] = query
    return query


def _moment(value: Any) -> datetime:
    return as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def list_raw(
    store: Store,
    *,
    tenant_id: str,
    connection_id: str | None,
    model: str,
    modified_after: datetime | None,
    include_deleted: bool,
    after: tuple[datetime, str] | None,
    limit: int,
    remote_data: bool,
) -> list[RawRecord]:
    """The rows `Store.list_records` lists, in the same (updated_at, id) order."""
    shape = (store.dialect, connection_id is not None, modified_after is not None,
             include_deleted, after is not None, remote_data)  # fmt: skip
    params: dict[str, Any] = {"tenant_id": tenant_id, "model": model, "limit": limit}
    if connection_id is not None:
        params["connection_id"] = connection_id
    if modified_after is not None:
        params["since"] = modified_after
    if after is not None:
        params["after_at"], params["after_id"] = after
    if store.dialect == "sqlite":
        rows = _sqlite_rows(store, _statement(shape), params)
    else:
        with store._read("list records") as conn:
            rows = cast_rows(execute(conn, _statement(shape), params).all())
    return rows  # type: ignore[no-any-return]


_sqlite_sql: dict[int, tuple[str, tuple[str, ...], dict[str, Any], dict[str, Any]]] = {}


def _sqlite_rows(store: Store, statement: Select[Any], params: dict[str, Any]) -> Any:
    """The page straight from the DBAPI cursor: SQLAlchemy's execution context costs as much
    as the indexed query itself here. The statement is compiled once; its SQL is fixed."""
    compiled = _sqlite_sql.get(id(statement))
    engine = store._engine
    if compiled is None:
        done = statement.compile(dialect=engine.dialect)
        names = tuple(done.positiontup or ())
        processors = {}
        constants = {name: done.binds[name].effective_value for name in names}
        for name in names:
            processor = (
                done.binds[name].type.dialect_impl(engine.dialect).bind_processor(engine.dialect)
            )
            if processor is not None:
                processors[name] = processor
        compiled = _sqlite_sql[id(statement)] = (str(done), names, processors, constants)
    sql, names, processors, constants = compiled
    given = [params.get(name, constants[name]) for name in names]
    values = tuple(
        processors[name](value) if name in processors and value is not None else value
        for name, value in zip(names, given, strict=True)
    )
    with translate_errors(engine.url, "list records"):
        raw = engine.raw_connection()
        try:
            return raw.cursor().execute(sql, values).fetchall()
        finally:
            raw.close()  # back to the pool


def cast_rows(rows: Any) -> list[RawRecord]:
    return rows  # type: ignore[no-any-return]


def last_position(row: RawRecord) -> tuple[datetime, str]:
    """Where the page ended, for the next cursor."""
    return _moment(row[1]), row[0]


def _bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def _record(row: RawRecord, remote_data: bool) -> bytes:
    data = _bytes(row[2])
    if row[4]:  # reconciliation marks the row, not its data: rewrite this one
        document = orjson.loads(data)
        document["remote_was_deleted"] = True
        data = orjson.dumps(document)
    if not remote_data:
        return data
    remote = b"null" if row[3] is None else _bytes(row[3])
    joint = b"," if data.strip() != b"{}" else b""
    return data.rstrip()[:-1] + joint + b'"remote_data":' + remote + b"}"


def page_json(rows: Sequence[RawRecord], next_cursor: str | None, *, remote_data: bool) -> bytes:
    """`{"results": [...], "next_cursor": ...}` from the rows' JSON texts."""
    if remote_data or any(row[4] for row in rows) or not all(type(r[2]) is bytes for r in rows):
        results = b",".join(_record(row, remote_data) for row in rows)
    else:  # the common case: the stored documents, as they are
        results = b",".join(row[2] for row in rows)  # type: ignore[misc]
    return b"".join(
        (b'{"results":[', results, b'],"next_cursor":', orjson.dumps(next_cursor), b"}")
    )
