"""The de-duplication window: keys are kept while their events are, and purged after."""

from __future__ import annotations

from datetime import timedelta

import orjson
from tests.webhooks.conftest import Wired, outcome

from interlink._clock import FakeClock
from interlink.simulators.hubspot import HubSpotSimulator
from interlink.store import ConnectionRow


async def test_purge_forgets_finished_events_after_the_window(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow, clock: FakeClock
) -> None:
    """Within the window a redelivery is a duplicate; after a purge it is stored again, and
    the per-record version still keeps it from being applied twice (it is stale)."""
    at = int(clock.time() * 1000)
    event = {"eventId": 9, "subscriptionType": "contact.propertyChange", "objectId": 1001,
             "occurredAt": at}  # fmt: skip

    async def deliver() -> dict[str, int]:
        url = wired.url("hubspot", connection.id)
        body = orjson.dumps([event])
        headers = hubspot.webhooks.format.sign("POST", url, body, clock.time())
        return outcome(await wired.client.post(url, content=body, headers=headers))

    assert await deliver() == {"stored": 1, "duplicates": 0}
    assert (await wired.processor.drain()).applied == 1
    clock.advance(3 * 86_400)
    assert wired.inbox.purge(timedelta(days=7)) == 0
    assert await deliver() == {"stored": 0, "duplicates": 1}
    clock.advance(5 * 86_400)
    assert wired.inbox.purge(timedelta(days=7)) == 1
    assert await deliver() == {"stored": 1, "duplicates": 0}
    assert (await wired.processor.drain()).stale == 1
