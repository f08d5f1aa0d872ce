"""Shared fixtures: real services and the vendor specs, never silently skipped in CI.

Outside CI a missing PostgreSQL, Redis or ../shared/specs skips the tests that
need it, with the reason. Under CI=true the same absence fails them.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
import structlog
from tests._services import unavailable

from interlink._clock import FakeClock

REDIS_URL = os.environ.get("INTERLINK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
POSTGRES_URL = os.environ.get(
    "INTERLINK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SPECS_DIR = Path(__file__).resolve().parents[2] / "shared" / "specs"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _default_logging() -> Iterator[None]:
    """Every test starts and ends with structlog's defaults (the CLI reconfigures it)."""
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock: sleeping advances time instantly."""
    return FakeClock()


@pytest.fixture
def redis_url() -> str:
    """The URL of the real Redis test database (db 15)."""
    if not _reachable("127.0.0.1", 6379):
        unavailable("Redis is not reachable at 127.0.0.1:6379")
    return REDIS_URL


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix unique to this test; its keys are deleted afterwards."""
    prefix = f"interlink-test:{uuid.uuid4().hex}:"
    yield prefix
    if _reachable("127.0.0.1", 6379):
        client = redis.Redis.from_url(REDIS_URL)
        try:
            keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


@pytest.fixture
def postgres_url() -> str:
    """The URL of the real PostgreSQL test database."""
    if not _reachable("127.0.0.1", 5432):
        unavailable("PostgreSQL is not reachable at 127.0.0.1:5432")
    return POSTGRES_URL


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema for this test; dropped with everything in it afterwards."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield schema
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(scope="session")
def specs_dir() -> Path:
    """../shared/specs: the vendors' real OpenAPI descriptions."""
    if not SPECS_DIR.is_dir():
        unavailable(f"vendor specs not found at {SPECS_DIR} (they live in ../shared/specs)")
    return SPECS_DIR
