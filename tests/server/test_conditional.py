"""PATCH with If-Match at the vendor: the condition passed on where the connector declares the
vendor's conditional update (Zendesk's safe update), read-first otherwise (HubSpot)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx2
import pytest

from interlink import ASGITransport
from interlink._clock import FakeClock
from interlink.http import Request, Response
from interlink.server import create_app
from interlink.server._keys import ApiKeys
from interlink.simulators import create_simulator
from interlink.simulators._base import Simulator
from interlink.store import AsyncStore, open_store
from interlink.sync import StoreConnections, SyncEngine, SyncJob
from interlink.vault import FileKeySource, Vault

TICKET = "/api/v2/tickets/{ticket_id:int}.json"
CONTACT = "/crm/v3/objects/{object_type}/{object_id}"


class _ByHost:
    """Each vendor's simulator, chosen by the request's host."""

    def __init__(self, sims: dict[str, Simulator]) -> None:
        self._by_host = {host: ASGITransport(sim.app) for host, sim in sims.items()}

    async def send(self, request: Request) -> Response:
        return await self._by_host[urlsplit(request.url).hostname or ""].send(request)

    async def aclose(self) -> None:
        return None


@dataclass
class World:
    """One tenant's API client, its Zendesk and HubSpot vendors and their connections."""

    client: httpx2.AsyncClient
    zendesk: Simulator
    hubspot: Simulator
    vendor: httpx2.AsyncClient  # another writer, straight to Zendesk


@pytest.fixture
async def world(tmp_path: Path, clock: FakeClock) -> AsyncIterator[World]:
    """Zendesk tickets and HubSpot contacts synced into the store of a served API."""
    store = AsyncStore(open_store(f"sqlite:///{tmp_path / 'interlink.db'}", clock=clock))
    vault = Vault(store.store, FileKeySource(tmp_path / "secret.key"))
    zendesk = create_simulator("zendesk", records=5, clock=clock)
    hubspot = create_simulator("hubspot", records=5, clock=clock)
    transport = _ByHost({"acme.zendesk.com": zendesk, "api.hubapi.com": hubspot})
    connections = StoreConnections(store, vault, transport=transport, clock=clock)  # type: ignore[arg-type]
    engine = SyncEngine(store, connections, clock=clock)
    async with zendesk, hubspot:
        tenant = await store.create_tenant("Acme")
        for provider, method, credentials, variables, resource in (
            ("zendesk", "api_token",
             {"email": "user@example.com", "api_token": zendesk.default_token.value},  # type: ignore[attr-defined]
             {"subdomain": "acme"}, "tickets"),
            ("hubspot", "private_app",
             {"access_token": hubspot.default_token.value}, {}, "contacts"),  # type: ignore[attr-defined]
        ):  # fmt: skip
            row = await store.create_connection(
                tenant.id, provider, auth_method=method, variables=variables
            )
            vault.put(row.id, credentials)
            run = await engine.run(SyncJob(row.id, resource))
            assert run.outcome == "succeeded", run.error
        app = create_app(store, connections, clock=clock, auth_ttl=0)
        key = ApiKeys(store.store).create(tenant.id).secret
        async with (
            httpx2.AsyncClient(
                transport=httpx2.ASGITransport(app=app), base_url="http://api.test",
                headers={"Authorization": f"Bearer {key}"},
            ) as client,
            httpx2.AsyncClient(
                transport=httpx2.ASGITransport(app=zendesk.app),
                base_url="https://acme.zendesk.com",
                headers=zendesk.basic_auth(),  # type: ignore[attr-defined]
            ) as vendor,
        ):  # fmt: skip
            yield World(client, zendesk, hubspot, vendor)
    await connections.close()
    await store.aclose()


async def _first(client: httpx2.AsyncClient, path: str) -> tuple[str, str, str]:
    """The first record of a collection the vendor lets change (Zendesk refuses any update
    of a closed ticket): its id, its remote id and its ETag."""
    listed = await client.get(path, params={"page_size": 5, "include_remote_data": "true"})
    record = next(r for r in listed.json()["results"] if r["remote_data"].get("status") != "closed")
    etag = (await client.get(f"{path}/{record['id']}")).headers["etag"]
    return record["id"], record["remote_id"], etag


def _count(sim: Simulator, method: str, route: str) -> int:
    return sim.counters.count(route=f"{method} {route}")


async def test_zendesk_takes_the_condition_itself(world: World, clock: FakeClock) -> None:
    """With If-Match, the ticket's stored updated_at goes to Zendesk as a safe update (no read
    first); after another writer changed the ticket, Zendesk's 409 is a 412 naming the newer
    ETag, the newer version is stored, and the other writer's change stands."""
    record_id, remote_id, etag = await _first(world.client, "/v1/ticketing/tickets")
    path = f"/v1/ticketing/tickets/{record_id}"
    clock.advance(60)
    ok = await world.client.patch(path, json={"name": "Ours"}, headers={"If-Match": etag})
    assert ok.status_code == 200, ok.text
    assert (_count(world.zendesk, "GET", TICKET), _count(world.zendesk, "PUT", TICKET)) == (0, 1)

    clock.advance(60)  # another writer, straight at Zendesk
    theirs = await world.vendor.put(f"/api/v2/tickets/{remote_id}.json",
                                    json={"ticket": {"subject": "Theirs"}})  # fmt: skip
    assert theirs.status_code == 200
    clock.advance(60)
    refused = await world.client.patch(
        path, json={"name": "Stale"}, headers={"If-Match": ok.headers["etag"]}
    )
    assert refused.status_code == 412, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert _count(world.zendesk, "PUT", TICKET) == 3  # ours, theirs, and the refused one
    assert world.zendesk.counters.count(route=f"PUT {TICKET}", status=409) == 1
    at_vendor = (await world.vendor.get(f"/api/v2/tickets/{remote_id}.json")).json()["ticket"]
    assert at_vendor["subject"] == "Theirs"
    stored = await world.client.get(path)
    assert stored.json()["name"] == "Theirs"
    assert stored.headers["etag"] == refused.headers["etag"] != ok.headers["etag"]


async def test_hubspot_is_read_first(world: World, clock: FakeClock) -> None:
    """HubSpot declares no conditional update: with If-Match its current version is read before
    the update; a newer one there is stored and the update refused with 412."""
    record_id, remote_id, etag = await _first(world.client, "/v1/crm/contacts")
    path = f"/v1/crm/contacts/{record_id}"
    clock.advance(60)
    ok = await world.client.patch(path, json={"last_name": "Ours"}, headers={"If-Match": etag})
    assert ok.status_code == 200, ok.text
    assert (_count(world.hubspot, "GET", CONTACT), _count(world.hubspot, "PATCH", CONTACT)) == (
        1,
        1,
    )

    clock.advance(60)
    world.hubspot.collections["contacts"].update(  # another writer at HubSpot
        int(remote_id), {"lastname": "Theirs"}, clock.time()
    )
    refused = await world.client.patch(
        path, json={"last_name": "Stale"}, headers={"If-Match": ok.headers["etag"]}
    )
    assert refused.status_code == 412, refused.text
    assert _count(world.hubspot, "PATCH", CONTACT) == 1  # the stale update never went out
    assert (await world.client.get(path)).json()["last_name"] == "Theirs"
