"""The de-duplication window: keys are kept while their events are, and purged after, by the
processor loop that `interlink serve` and `webhooks process --follow` run, or by the CLI."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.webhooks.conftest import Wired, outcome
from typer.testing import CliRunner

from interlink._clock import FakeClock
from interlink.cli import app
from interlink.settings import load_settings
from interlink.simulators.hubspot import HubSpotSimulator
from interlink.store import ConnectionRow, Store, open_store
from interlink.webhooks import Inbox, WebhookProcessor
from interlink.webhooks._inbox import Delivery

DAY = 86_400
STORED, DUPLICATE = {"stored": 1, "duplicates": 0}, {"stored": 0, "duplicates": 1}


def _event(event_id: int, clock: FakeClock) -> dict[str, Any]:
    return {"eventId": event_id, "subscriptionType": "contact.propertyChange", "objectId": 1001,
            "occurredAt": int(clock.time() * 1000)}  # fmt: skip


async def _deliver(wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow,
                   clock: FakeClock, event: dict[str, Any]) -> dict[str, int]:  # fmt: skip
    url = wired.url("hubspot", connection.id)
    body = orjson.dumps([event])
    headers = hubspot.webhooks.format.sign("POST", url, body, clock.time())
    return outcome(await wired.client.post(url, content=body, headers=headers))


async def test_purge_forgets_finished_events_after_the_window(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow, clock: FakeClock
) -> None:
    """Within the window a redelivery is a duplicate; after a purge it is stored again, and
    the per-record version still keeps it from being applied twice (it is stale)."""
    event = _event(9, clock)
    assert await _deliver(wired, hubspot, connection, clock, event) == STORED
    assert (await wired.processor.drain()).applied == 1
    clock.advance(3 * DAY)
    assert wired.inbox.purge(timedelta(days=7)) == 0
    assert await _deliver(wired, hubspot, connection, clock, event) == DUPLICATE
    clock.advance(5 * DAY)
    assert wired.inbox.purge(timedelta(days=7)) == 1
    assert await _deliver(wired, hubspot, connection, clock, event) == STORED
    assert (await wired.processor.drain()).stale == 1


async def test_the_processor_loop_purges_on_its_own_and_never_inside_the_window(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow, clock: FakeClock
) -> None:
    """The long-running loop with a 7-day retention purges an event 8 days old but keeps one
    3 days old and a pending one: a redelivery of the kept one is still a duplicate, applied
    once; a copy of the purged one is stored again but ends stale, not applied twice."""
    old, recent = _event(1, clock), None
    await _deliver(wired, hubspot, connection, clock, old)
    assert (await wired.processor.drain()).applied == 1
    clock.advance(5 * DAY)
    recent = _event(2, clock)
    await _deliver(wired, hubspot, connection, clock, recent)
    assert (await wired.processor.drain()).applied == 1
    started = clock.time()
    loop = WebhookProcessor(wired.inbox, wired.processor._providers,
                            wired.processor._connections, clock=clock,
                            retention=timedelta(days=7), purge_every=DAY)  # fmt: skip
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop, poll=3600))
    try:
        while clock.time() < started + 3 * DAY + 3600:  # the loop's idle sleeps move the clock
            await asyncio.sleep(0)
            assert not task.done()
    finally:
        stop.set()
        await task
        await loop.aclose()
    remaining = wired.inbox.events(limit=10)
    assert [e.payload["eventId"] for e in remaining] == [2]
    assert await _deliver(wired, hubspot, connection, clock, recent) == DUPLICATE
    assert await _deliver(wired, hubspot, connection, clock, old) == STORED
    stats = await wired.processor.drain()
    assert (stats.applied, stats.stale) == (0, 1)


def test_pending_and_dead_events_are_never_purged(store: Store, clock: FakeClock) -> None:
    """Only finished events go: one still pending and one in the dead-letter queue stay, however
    old; a window that is not positive is refused."""
    from interlink.webhooks import DeadLetters

    inbox = Inbox.for_store(store)
    events = [(f"c:{n}", {"eventId": n}) for n in (1, 2)]
    inbox.accept_many([Delivery("hubspot", None, None, {}, events)])  # type: ignore[arg-type]
    (first,) = inbox.claim(limit=1)
    DeadLetters(inbox).bury(first, "gave up")
    clock.advance(30 * DAY)
    assert inbox.purge(timedelta(days=7)) == 0
    assert inbox.counts() == {"dead": 1, "pending": 1}
    with pytest.raises(ValueError, match="must be positive"):
        inbox.purge(timedelta(0))


def test_cli_purge_uses_the_retention_setting_and_refuses_a_shorter_window(
    tmp_path: Path,
) -> None:
    """`webhooks purge` forgets finished events older than --older-than or webhook_retention,
    keeps newer ones, and refuses a window inside the retention or a bad duration, naming it."""
    import time

    url = f"sqlite:///{tmp_path / 'app.db'}"
    # The CLI reads the real clock: events finished 5, 3 and 1 day(s) ago, less an hour.
    clock = FakeClock(start=time.time() - 5 * DAY + 3600)
    store = open_store(url, clock=clock)
    try:
        inbox = Inbox.for_store(store)
        for n in (1, 2, 3):
            events = [(f"c:{n}", {"eventId": n})]
            inbox.accept_many([Delivery("hubspot", None, None, {}, events)])  # type: ignore[arg-type]
            for event in inbox.claim():
                with inbox.write("finishing") as conn:
                    inbox.finish(conn, event.id, "applied")
            clock.advance(2 * DAY)
    finally:
        store.close()
    env = {"INTERLINK_DATABASE_URL": url, "INTERLINK_KEY_FILE": str(tmp_path / "secret.key"),
           "INTERLINK_WEBHOOK_RETENTION": "1d"}  # fmt: skip
    runner = CliRunner()
    result = runner.invoke(app, ["webhooks", "purge", "--older-than", "1h"], env=env)
    assert result.exit_code == 2
    assert "--older-than 1h is inside the webhook_retention window" in result.stderr
    result = runner.invoke(app, ["webhooks", "purge", "--older-than", "soon"], env=env)
    assert result.exit_code == 2
    assert "--older-than: expected a duration" in result.stderr
    result = runner.invoke(app, ["webhooks", "purge", "--older-than", "4d", "--json"], env=env)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"purged": 1, "older_than_seconds": 4 * DAY}
    result = runner.invoke(app, ["webhooks", "purge"], env=env)
    assert result.exit_code == 0, result.stderr
    assert "purged 1 finished webhook event(s) older than 1 day" in result.stdout
    result = runner.invoke(app, ["webhooks", "inbox", "--json"], env=env)
    assert json.loads(result.stdout) == {"applied": 1}


def test_the_retention_setting_must_be_a_positive_duration(monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:  # fmt: skip
    """webhook_retention reads a duration (default 7 days); zero or nonsense names the variable."""
    from interlink._errors import ConfigError

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INTERLINK_WEBHOOK_RETENTION", raising=False)
    monkeypatch.delenv("INTERLINK_SETTINGS", raising=False)
    assert load_settings().webhook_retention == timedelta(days=7)
    monkeypatch.setenv("INTERLINK_WEBHOOK_RETENTION", "3d")
    assert load_settings().webhook_retention == timedelta(days=3)
    for bad in ("0", "forever"):
        monkeypatch.setenv("INTERLINK_WEBHOOK_RETENTION", bad)
        with pytest.raises(ConfigError, match="INTERLINK_WEBHOOK_RETENTION"):
            load_settings()
