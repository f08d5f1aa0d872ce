"""Vault fixtures: a real store (SQLite file, or a fresh PostgreSQL schema) and a key file."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from interlink.store import Store, open_store


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """A migrated store in a real SQLite file (WAL mode) under tmp_path."""
    store = open_store(f"sqlite:///{tmp_path / 'interlink.db'}")
    yield store
    store.close()


@pytest.fixture
def pg_schema(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema name, dropped with everything in it afterwards."""
    schema = f"t_vault_{uuid.uuid4().hex[:12]}"
    yield schema
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def pg_store(postgres_url: str, pg_schema: str) -> Iterator[Store]:
    """A migrated store in its own PostgreSQL schema."""
    store = open_store(postgres_url, schema=pg_schema)
    yield store
    store.close()


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Store:
    """The store on each backend the project supports."""
    name = "sqlite_store" if request.param == "sqlite" else "pg_store"
    result: Store = request.getfixturevalue(name)
    return result


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    """Where the key file goes (not created yet)."""
    return tmp_path / "keys" / "secret.key"


def add_connection(store: Store, connection_id: str, *, tenant: str = "ten_vault") -> str:
    """A tenant (once) and a connection with `connection_id`, for credentials to belong to."""
    if store.get_tenant(tenant) is None:
        store.create_tenant("Vault tests", tenant_id=tenant)
    store.create_connection(
        tenant, "hubspot", auth_method="oauth2", variables={}, connection_id=connection_id
    )
    return connection_id
