"""Out-of-order delivery: a shuffled stream of a record's events ends where the ordered one does."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from tests.webhooks.conftest import Wired, outcome, wiring

from interlink import ASGITransport
from interlink._clock import FakeClock
from interlink.connectors import ConnectorRegistry, Template, WebhookSpec
from interlink.pagination._paths import compile_path
from interlink.simulators import create_simulator
from interlink.simulators.stripe import StripeSimulator
from interlink.store import RecordRow, open_store
from interlink.vault import FileKeySource, Vault
from interlink.webhooks import EventRoute, ProviderWebhooks, WebhookProviders

CONNECTION = "conn_stripe_1"


def stripe_webhooks(*, by_sequence: bool = False) -> ProviderWebhooks:
    """Stripe's events carry the whole customer at data.object: applied without a fetch.
    `by_sequence`: ordered by a `sequence` field alone (the spec declares no time)."""
    spec = ConnectorRegistry.builtin().get("stripe")
    declared = WebhookSpec(
        scheme="stripe",
        secret=Template.parse("{credentials.webhook_secret}", where="webhooks.secret"),
        event_id=compile_path("id", where="webhooks.event_id"),
        occurred_at=None if by_sequence else "created",
        object_id=compile_path("data.object.id", where="webhooks.object_id"),
        event_type=compile_path("type", where="webhooks.event_type"),
        sequence=compile_path("sequence", where="webhooks.sequence") if by_sequence else None,
    )
    record = compile_path("data.object", where="webhooks.routes")
    return ProviderWebhooks.from_spec(
        dataclasses.replace(spec, webhooks=declared),
        routes=[
            EventRoute("customer.deleted", "customers", "delete"),
            EventRoute("customer.*", "customers", "upsert", record=record),
        ],
    )


@pytest.fixture
async def stripe(clock: FakeClock) -> AsyncIterator[StripeSimulator]:
    sim = create_simulator("stripe", records=3, clock=clock)
    assert isinstance(sim, StripeSimulator)
    async with sim:
        yield sim


async def _customer_history(
    sim: StripeSimulator, clock: FakeClock, updates: int, step: float = 1.0
) -> list[Any]:
    """Create one customer and rename it `updates` times, `step` seconds apart; its events."""
    headers = {"Authorization": f"Bearer {sim.default_key.value}"}
    transport = httpx2.ASGITransport(app=sim.app)
    async with httpx2.AsyncClient(
        transport=transport, base_url="https://api.stripe.com", headers=headers
    ) as client:
        created = await client.post("/v1/customers", data={"name": "Ada", "email": "a@x.io"})
        customer = created.json()["id"]
        for n in range(1, updates + 1):
            clock.advance(step)
            answer = await client.post(f"/v1/customers/{customer}", data={"name": f"Name {n}"})
            assert answer.status_code == 200, answer.text
        listed = await client.get("/v1/events", params={"type": "customer.*", "limit": 100})
    events = [e for e in listed.json()["data"] if e["data"]["object"]["id"] == customer]
    return events[::-1]  # Stripe lists newest first


async def _replay(
    root: Path, sim: StripeSimulator, clock: FakeClock, events: list[Any],
    webhooks: ProviderWebhooks | None = None,
) -> tuple[RecordRow, int]:  # fmt: skip
    """Deliver `events` in the given order into a fresh store, processing as they arrive."""
    store = open_store(f"sqlite:///{root / 'interlink.db'}", clock=clock)
    vault = Vault(store, FileKeySource(root / "secret.key"))
    tenant = store.create_tenant("Acme", tenant_id="ten_1")
    store.create_connection(tenant.id, "stripe", auth_method="default", variables={},
                            connection_id=CONNECTION)  # fmt: skip
    vault.put(CONNECTION, {"api_key": sim.default_key.value, "webhook_secret": sim.webhook_secret})
    providers = WebhookProviders(overrides={"stripe": webhooks or stripe_webhooks()})
    stale = 0
    try:
        async with wiring(store, vault, ASGITransport(sim.app), clock, providers) as wired:
            for event in events:
                await _deliver(wired, sim, event)
                stale += (await wired.processor.drain()).stale
        record = store.get_record_by_remote(
            CONNECTION, "customers", events[0]["data"]["object"]["id"]
        )
    finally:
        store.close()
    assert record is not None
    return record, stale


async def _deliver(wired: Wired, sim: StripeSimulator, event: Any) -> None:
    url = wired.url("stripe", CONNECTION)
    body = sim.webhooks.format.encode([event])
    headers = sim.webhooks.format.sign("POST", url, body, sim.clock.time())
    response = await wired.client.post(url, content=body, headers=headers)
    assert outcome(response)["stored"] == 1


async def test_shuffled_stream_ends_in_the_same_state_as_the_ordered_one(
    tmp_path: Path, stripe: StripeSimulator, clock: FakeClock
) -> None:
    """Eleven events for one customer, in order and shuffled: the same final record, and the
    late ones of the shuffled stream kept as stale instead of applied."""
    events = await _customer_history(stripe, clock, updates=10)
    assert [e["type"] for e in events] == ["customer.created"] + ["customer.updated"] * 10
    ordered, ordered_stale = await _replay(tmp_path / "ordered", stripe, clock, events)
    shuffled_events = events[:]
    random.Random(3).shuffle(shuffled_events)
    assert shuffled_events != events
    shuffled, shuffled_stale = await _replay(tmp_path / "shuffled", stripe, clock, shuffled_events)
    assert ordered.data["name"] == "Name 10"
    assert (shuffled.data, shuffled.remote_data) == (ordered.data, ordered.remote_data)
    assert ordered_stale == 0
    assert shuffled_stale > 0


async def test_changes_in_the_same_second_apply_in_arrival_order(
    tmp_path: Path, stripe: StripeSimulator, clock: FakeClock
) -> None:
    """Stripe times events to the second: three changes in one second, delivered in order,
    are all applied and the last one wins (none is mistaken for stale)."""
    events = await _customer_history(stripe, clock, updates=2, step=0)
    assert len({e["created"] for e in events}) == 1
    record, stale = await _replay(tmp_path / "same-second", stripe, clock, events)
    assert (record.data["name"], stale) == ("Name 2", 0)


async def test_shuffled_stream_is_ordered_by_sequence_alone(
    tmp_path: Path, stripe: StripeSimulator, clock: FakeClock
) -> None:
    """With only a declared `sequence` (no time), eleven events of one customer, all in the same
    second, end shuffled where they end in order; late ones are stale, none mistaken."""
    events = await _customer_history(stripe, clock, updates=10, step=0)
    for n, event in enumerate(events, start=1):
        event["sequence"] = str(n) if n % 2 else n  # vendors send numbers or digit strings
    webhooks = stripe_webhooks(by_sequence=True)
    assert {webhooks.describe(e).occurred_at for e in events} == {None}
    ordered, ordered_stale = await _replay(tmp_path / "ordered", stripe, clock, events, webhooks)
    assert (ordered.data["name"], ordered_stale) == ("Name 10", 0)
    for seed in (3, 11):
        shuffled_events = events[:]
        random.Random(seed).shuffle(shuffled_events)
        assert shuffled_events[-1] is not events[-1]  # the newest is not simply last
        shuffled, stale = await _replay(tmp_path / f"shuffled{seed}", stripe, clock,
                                        shuffled_events, webhooks)  # fmt: skip
        assert (shuffled.data, shuffled.remote_data) == (ordered.data, ordered.remote_data)
        assert stale > 0


async def test_a_sequence_at_or_below_the_applied_one_is_stale(
    tmp_path: Path, stripe: StripeSimulator, clock: FakeClock
) -> None:
    """By sequence alone: the newest event applied first makes every older one stale, and a
    copy of it under another event id (the same sequence again) is stale too."""
    events = await _customer_history(stripe, clock, updates=2, step=0)
    for n, event in enumerate(events, start=1):
        event["sequence"] = n
    copy = {**events[-1], "id": events[-1]["id"] + "_copy"}
    webhooks = stripe_webhooks(by_sequence=True)
    record, stale = await _replay(tmp_path / "newest-first", stripe, clock,
                                  [events[-1], *events[:-1], copy], webhooks)  # fmt: skip
    assert (record.data["name"], stale) == ("Name 2", 3)
