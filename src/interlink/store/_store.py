"""`Store` and `open_store`: the durable store, SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import URL

from interlink import _collector as collector
from interlink._clock import Clock
from interlink.store._accounts import AccountsMixin
from interlink.store._base import StoreBase
from interlink.store._engine import (
    DEFAULT_URL,
    build_engine,
    describe,
    parse_url,
    translate_errors,
)
from interlink.store._journal import JournalMixin
from interlink.store._migrate import current_revision, head_revision, upgrade
from interlink.store._records import RecordsMixin
from interlink.store._runs import RunsMixin

__all__ = ["Store", "open_store"]


class Store(AccountsMixin, RecordsMixin, RunsMixin, JournalMixin, StoreBase):
    """Every durable row, through SQLAlchemy Core; thread-safe, one transaction per call.

    Build one with `open_store`. Async code uses `AsyncStore`, which runs these
    methods on worker threads.
    """

    def __init__(
        self, url: str | URL, *, schema: str | None = None, clock: Clock | None = None
    ) -> None:
        parsed = parse_url(url) if isinstance(url, str) else url
        super().__init__(build_engine(parsed, schema=schema), clock=clock)
        self._schema = schema

    def __repr__(self) -> str:
        return f"Store({describe(self.url)!r})"

    def migrate(self) -> None:
        """Bring the schema to the newest migration (a no-op when it is already there).

        A database stamped by a newer Interlink is a StoreError, never touched.
        """
        with translate_errors(self.url, "migrate"):
            upgrade(self._engine, schema=self._schema)

    def revision(self) -> str | None:
        """The migration the database is at (None: never migrated)."""
        with self._read("read the schema revision") as conn:
            return current_revision(conn)

    @staticmethod
    def head_revision() -> str:
        """The newest migration this code ships."""
        return head_revision()

    def ping(self) -> None:
        """Connect once: a StoreError naming the redacted URL when the database is unreachable."""
        with self._read("connect") as conn:
            conn.execute(text("SELECT 1"))

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_store(
    url: str = DEFAULT_URL,
    *,
    migrate: bool = True,
    schema: str | None = None,
    clock: Clock | None = None,
) -> Store:
    """Open (and by default migrate) the store at `url`.

    `sqlite:///path` (the parent directory is created) or `postgresql://...`
    (psycopg 3). `schema` puts every table in one PostgreSQL schema (created
    on migrate), as the tests do. A bad URL, an unreachable server or a
    database newer than this code raise StoreError naming the redacted URL.
    """
    store = Store(url, schema=schema, clock=clock)
    try:
        store.ping()
        if migrate:
            store.migrate()
    except BaseException:
        store.close()
        raise
    collector.settle()  # the heavy imports are done: see interlink._collector
    return store
