"""Database URLs and engines: SQLite tuned for one writer, PostgreSQL through psycopg 3.

Every failure to reach a database becomes a `StoreError` naming the URL with
its password redacted and the driver's own reason.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from interlink._errors import StoreError
from interlink._redact import redact_url

__all__ = ["DEFAULT_URL", "WRITE", "build_engine", "describe", "parse_url", "translate_errors"]

DEFAULT_URL = "sqlite:///./interlink.db"

# Execution option marking a transaction that will write: SQLite then takes the
# write lock up front (BEGIN IMMEDIATE), so two writers queue on busy_timeout
# instead of one failing with "database is locked" when it upgrades its lock.
WRITE = "interlink_write"

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def describe(url: str | URL) -> str:
    """The URL as it may appear in an error or a log: never with its password."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return redact_url(url)


def parse_url(url: str) -> URL:
    """Parse and normalise a store URL; `postgresql://` means psycopg 3."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise StoreError(f"store URL {describe(url)!r} is not a database URL: {exc}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(
            f"store URL {describe(parsed)!r}: unsupported database {backend!r} "
            "(use sqlite:///path or postgresql://...)"
        )
    return parsed


_BUSY_MS = 5000


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Own the transaction boundaries (pysqlite's implicit BEGIN runs reads outside them).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
    _journal_wal(cursor)
    for pragma in (
        "synchronous=NORMAL",
        "foreign_keys=ON",
        # Sort and index temporaries off disk. (A 64 MiB page cache was measured too: no
        # CPU saved per record, and peak RSS rose by ~55 MB, against bench/memory.py's bar.)
        "temp_store=MEMORY",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _journal_wal(cursor: Any) -> None:
    """Switch the file to WAL (it stays so). Processes opening one new file at once race
    for the switch, and SQLite answers the losers "database is locked" at once, without
    its busy handler (a lock upgrade it will not wait for), so retry for the busy time."""
    deadline = time.monotonic() + _BUSY_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)  # a driver-level lock retry, as SQLite's own busy handler sleeps


def _on_sqlite_begin(conn: Connection) -> None:
    writes = conn.get_execution_options().get(WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def build_engine(url: URL, *, schema: str | None = None) -> Engine:
    """An Engine for `url`, JSON through orjson, SQLite pragmas set on each connection."""
    kwargs: dict[str, Any] = {"json_serializer": _dumps, "json_deserializer": orjson.loads}
    backend = url.get_backend_name()
    if schema is not None:
        if backend != "postgresql":
            raise StoreError(f"store URL {describe(url)!r}: a schema is for PostgreSQL only")
        if not _SCHEMA_NAME.match(schema):
            raise StoreError(f"schema {schema!r}: use lowercase letters, digits and _")
    if backend == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:"):
            # One shared connection, or every checkout would see a different empty database.
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        elif not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    else:
        connect_args: dict[str, Any] = {"connect_timeout": 10}
        if schema is not None:
            connect_args["options"] = f"-c search_path={schema}"
        # A server restart must not surface as an error on the next call.
        kwargs.update(connect_args=connect_args, pool_pre_ping=True)
    try:
        engine = create_engine(url, **kwargs)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"store URL {describe(url)!r}: {exc}") from None
    if backend == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
    return engine


@contextmanager
def translate_errors(url: URL, doing: str) -> Iterator[None]:
    """Turn a database failure into a StoreError naming the redacted URL and the cause."""
    try:
        yield
    except DBAPIError as exc:
        # The driver's own first line says what went wrong; SQL and parameters stay out.
        lines = str(exc.orig or "").strip().splitlines()
        cause = lines[0] if lines else type(exc.orig or exc).__name__
        raise StoreError(f"store {describe(url)!r}: {doing} failed: {cause}") from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"store {describe(url)!r}: {doing} failed: {exc}") from exc
