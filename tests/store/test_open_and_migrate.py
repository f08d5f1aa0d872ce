"""Opening a store: URLs, SQLite tuning, migrations and the errors that name what went wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from tests.store.conftest import Seeded

from interlink._clock import FakeClock
from interlink.errors import StoreError
from interlink.store import Checkpoint, Store, open_store
from interlink.store._tables import metadata


def test_migration_creates_exactly_the_declared_tables(store: Store) -> None:
    """Alembic's autogenerate finds no difference between the migrated database and the MetaData."""
    with store._engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
        tables = set(store._engine.dialect.get_table_names(conn)) - {"alembic_version"}
    assert tables == set(metadata.tables)


def test_migrate_again_is_a_no_op_at_head(store: Store) -> None:
    """A migrated store is at the head revision and migrating it again changes nothing."""
    assert store.revision() == Store.head_revision()
    store.create_tenant("Acme", tenant_id="ten_1")
    store.migrate()
    assert store.revision() == Store.head_revision()
    assert [tenant.id for tenant in store.list_tenants()] == ["ten_1"]


def test_database_from_a_newer_interlink_is_refused(
    store_url: tuple[str, str | None], store: Store
) -> None:
    """A database stamped with an unknown revision is a StoreError naming it, and is not touched."""
    with store._engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    url, schema = store_url
    with pytest.raises(StoreError, match="9999_future") as caught:
        open_store(url, schema=schema)
    assert "newer Interlink" in str(caught.value)
    assert store.revision() == "9999_future"


def test_sqlite_file_gets_its_directory_wal_and_pragmas(tmp_path: Path) -> None:
    """SQLite: its directory is created; WAL, synchronous NORMAL, foreign keys, busy timeout."""
    path = tmp_path / "nested" / "deeper" / "interlink.db"
    with open_store(f"sqlite:///{path}") as store, store._engine.connect() as conn:
        pragmas = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    assert path.is_file()
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 1,
        "foreign_keys": 1,
        "busy_timeout": 5000,
    }


def test_in_memory_sqlite_is_one_database() -> None:
    """`sqlite://` keeps one in-memory database across calls (every checkout shares it)."""
    with open_store("sqlite://") as store:
        store.create_tenant("Acme", tenant_id="ten_mem")
        assert store.get_tenant("ten_mem") is not None


def test_unreachable_server_error_redacts_the_password() -> None:
    """An unreachable server is a StoreError naming the cause and the URL without its password."""
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://admin:hunter2@127.0.0.1:1/test")
    message = str(caught.value)
    assert "hunter2" not in message
    assert "admin:***@127.0.0.1:1/test" in message
    assert "connect failed" in message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://root:s3cret@db.example/app", "unsupported database 'mysql'"),
        ("not a url at all", "is not a database URL"),
        ("postgresql+nosuchdriver://u:s3cret@127.0.0.1/x", "nosuchdriver"),
    ],
)
def test_bad_url_is_named_without_its_password(url: str, expected: str) -> None:
    """A URL naming no usable database is a StoreError saying why, never showing the password."""
    with pytest.raises(StoreError, match=expected) as caught:
        open_store(url)
    assert "s3cret" not in str(caught.value)


def test_schema_is_for_postgresql_only(tmp_path: Path) -> None:
    """A schema with a SQLite URL, or a schema name that is not an identifier, is refused."""
    with pytest.raises(StoreError, match="PostgreSQL only"):
        open_store(f"sqlite:///{tmp_path / 'x.db'}", schema="tenant_a")
    with pytest.raises(StoreError, match="schema 'bad name;'"):
        open_store("postgresql://127.0.0.1/test", schema="bad name;")


def test_open_without_migrate_leaves_an_empty_database_empty(tmp_path: Path) -> None:
    """`migrate=False` connects but creates nothing; `revision()` says it was never migrated."""
    with open_store(f"sqlite:///{tmp_path / 'x.db'}", migrate=False) as store:
        assert store.revision() is None
        with pytest.raises(StoreError, match="no such table: tenants"):
            store.list_tenants()


def test_migrations_ship_inside_the_package() -> None:
    """env.py, the template and the first revision are package data, found through the package."""
    root = resources.files("interlink.store") / "migrations"
    for name in ("env.py", "script.py.mako", "versions/0001_initial.py"):
        assert (root / name).is_file(), name


def test_datetimes_come_back_utc_aware_whatever_went_in(store: Store, seeded: Seeded) -> None:
    """Naive values are taken as UTC, aware ones converted: every datetime read is UTC-aware."""
    aware = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    naive = datetime(2026, 3, 1, 9, 30)
    store.save_checkpoint(
        Checkpoint(seeded.connection.id, "contacts", watermark=aware, next_run_at=naive)
    )
    cp = store.get_checkpoint(seeded.connection.id, "contacts")
    assert cp.watermark == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert cp.watermark is not None
    assert cp.watermark.tzinfo == UTC
    assert cp.next_run_at == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert cp.next_run_at is not None
    assert cp.next_run_at.tzinfo == UTC


def test_timestamps_come_from_the_injected_clock(store: Store, clock: FakeClock) -> None:
    """Rows are stamped with the store's clock, so tests control time."""
    tenant = store.create_tenant("Acme")
    expected = datetime.fromtimestamp(clock.time(), UTC)
    assert tenant.created_at == expected
    stored = store.get_tenant(tenant.id)
    assert stored is not None
    assert stored.created_at == expected


def test_repr_never_shows_the_password() -> None:
    """A store's repr names its URL with the password hidden (building one does not connect)."""
    store = Store("postgresql://admin:hunter2@127.0.0.1:1/test")
    assert repr(store) == "Store('postgresql+psycopg://admin:***@127.0.0.1:1/test')"
    store.close()


def test_database_errors_name_the_cause_never_the_parameters(tmp_path: Path) -> None:
    """A failed write's StoreError says what went wrong without the SQL or the values bound."""
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}", migrate=False)
    with pytest.raises(StoreError) as caught:
        store.audit("cli", "vault.rotate", "vault", "ok", detail={"note": "s3cret-value"})
    store.close()
    message = str(caught.value)
    assert "write audit log failed: no such table: audit_log" in message
    assert "s3cret-value" not in message
    assert "INSERT" not in message
