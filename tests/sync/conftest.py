"""Engine fixtures: a SQLite store on the test's fake clock, a vault, one tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.sync._kit import Ledger, World

from interlink import FakeClock, State
from interlink.store import AsyncStore, open_store
from interlink.vault import FileKeySource, Vault


@pytest.fixture
async def world(tmp_path: Path, clock: FakeClock) -> AsyncIterator[World]:
    """A fresh SQLite store with one tenant and a vault whose key lives in tmp_path."""
    store = AsyncStore(open_store(f"sqlite:///{tmp_path / 'interlink.db'}", clock=clock))
    vault = Vault(store.store, FileKeySource(tmp_path / "secret.key"))
    tenant = await store.create_tenant("Acme")
    async with store:
        yield World(store, vault, tenant, clock, State.in_process(clock=clock))


@pytest.fixture
def ledger(clock: FakeClock) -> Ledger:
    """The Ledger vendor with 10 records."""
    vendor = Ledger(clock)
    vendor.seed(10)
    return vendor
