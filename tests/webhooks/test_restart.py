"""A processor killed (SIGKILL) in the middle of an event: the event is processed after restart."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from tests.webhooks.conftest import Wired

from interlink._clock import FakeClock
from interlink.simulators.hubspot import HubSpotSimulator
from interlink.store import ConnectionRow, Store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(sqlite_store: Store) -> Store:
    """This module shares the store's file with another process or the CLI: SQLite."""
    return sqlite_store


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock starting now: the killed worker runs on the real one."""
    return FakeClock(start=time.time())


def _spawn(tmp_path: Path) -> subprocess.Popen[bytes]:
    """The worker, on the test's store file and key file."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.webhooks._killed_worker",
         str(tmp_path / "interlink.db"), str(tmp_path / "secret.key")],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def _wait_for_claim(wired: Wired, event_id: str, worker: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        event = wired.inbox.get(event_id)
        if event is not None and event.attempts >= 1:
            return
        if worker.poll() is not None:
            raise AssertionError(f"the worker exited early: {worker.communicate()}")
        time.sleep(0.02)
    raise AssertionError("the worker never claimed the event")


async def test_event_killed_mid_processing_is_processed_after_restart(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow, store: Store,
    tmp_path: Path, clock: FakeClock,
) -> None:  # fmt: skip
    """SIGKILL after the claim and before the apply: nothing applied, the event still pending;
    once the dead worker's lease runs out, a new processor applies it exactly once."""
    url = wired.url("hubspot", connection.id)
    event = {"eventId": 1, "subscriptionType": "contact.propertyChange", "objectId": 1005,
             "occurredAt": int(clock.time() * 1000)}  # fmt: skip
    body = orjson.dumps([event])
    headers = hubspot.webhooks.format.sign("POST", url, body, clock.time())
    assert (await wired.client.post(url, content=body, headers=headers)).status_code == 200
    (stored,) = wired.inbox.events()

    worker = _spawn(tmp_path)
    try:
        _wait_for_claim(wired, stored.id, worker)
    finally:
        worker.kill()
        worker.communicate()
    assert worker.returncode == -9
    killed = wired.inbox.get(stored.id)
    assert killed is not None
    assert (killed.status, killed.attempts) == ("pending", 1)
    assert store.get_record_by_remote(connection.id, "contacts", "1005") is None

    assert (await wired.processor.drain()).handled == 0  # the dead worker's lease still holds
    clock.advance(120)
    stats = await wired.processor.drain()
    assert (stats.applied, stats.changes) == (1, {"created": 1})
    assert store.get_record_by_remote(connection.id, "contacts", "1005") is not None
    assert [e.kind for e in store.change_events(connection_id=connection.id)] == ["created"]
