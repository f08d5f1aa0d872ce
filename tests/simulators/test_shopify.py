"""Shopify Admin REST simulator: Link/page_info walks, filters, writes and 422s, tokens,
the leaky bucket, Shopify-shaped faults, HMAC-signed webhooks, counters."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from interlink._clock import FakeClock
from interlink.simulators import SIMULATORS, FaultConfig, create_simulator
from interlink.simulators.shopify import ShopifySimulator

BASE_URL = "https://interlink-sim.myshopify.com"
API = "/admin/api/2024-01"
CUSTOMERS = f"{API}/customers.json"
ORDERS = f"{API}/orders.json"
INVALID = "[API] Invalid API key or access token (unrecognized login or wrong password)"
_NEXT = re.compile(r'<([^>]+)>; rel="next"')
_PREV = re.compile(r'<([^>]+)>; rel="previous"')


@pytest.fixture
async def sim(clock: FakeClock) -> AsyncIterator[ShopifySimulator]:
    """A 300-record shop on a fake clock."""
    made = create_simulator("shopify", records=300, clock=clock)
    assert isinstance(made, ShopifySimulator)
    async with made:
        yield made


def client_for(sim: ShopifySimulator, token: str | None = None) -> httpx2.AsyncClient:
    headers = {} if token is None else {"X-Shopify-Access-Token": token}
    transport = httpx2.ASGITransport(app=sim.app)
    return httpx2.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers)


@pytest.fixture
async def client(sim: ShopifySimulator) -> AsyncIterator[httpx2.AsyncClient]:
    """A plain HTTP client with the shop's offline access token."""
    async with client_for(sim, sim.default_token.value) as c:
        yield c


async def walk(
    client: httpx2.AsyncClient, path: str, params: dict[str, Any], clock: FakeClock
) -> list[dict[str, Any]]:
    """Every record, following Link rel="next" (and draining the bucket between pages)."""
    key = path.rsplit("/", 1)[-1].removesuffix(".json")
    response = await client.get(path, params=params)
    out: list[dict[str, Any]] = []
    while True:
        assert response.status_code == 200, response.text
        out.extend(response.json()[key])
        found = _NEXT.search(response.headers.get("link", ""))
        if found is None:
            return out
        clock.advance(0.5)
        response = await client.get(found.group(1))


async def test_link_walk_finds_every_record_once(
    client: httpx2.AsyncClient, clock: FakeClock
) -> None:
    """Following rel="next" visits all 300 customers once, newest (highest id) first."""
    customers = await walk(client, CUSTOMERS, {"limit": 250}, clock)
    ids = [c["id"] for c in customers]
    assert len(ids) == len(set(ids)) == 300
    assert ids == sorted(ids, reverse=True)
    orders = await walk(client, ORDERS, {"limit": 100, "status": "any"}, clock)
    assert len({o["id"] for o in orders}) == 300


async def test_link_header_format_and_previous(client: httpx2.AsyncClient) -> None:
    """Link holds <...page_info=...&limit=n>; rel="next" and, past page one, rel="previous"."""
    first = await client.get(CUSTOMERS, params={"limit": 3})
    assert 'rel="previous"' not in first.headers["link"]
    nxt = _NEXT.search(first.headers["link"])
    assert nxt is not None
    assert re.fullmatch(rf"{BASE_URL}{CUSTOMERS}\?page_info=[\w-]+&limit=3", nxt.group(1))
    second = await client.get(nxt.group(1))
    prev = _PREV.search(second.headers["link"])
    assert prev is not None
    back = await client.get(prev.group(1))
    assert back.json() == first.json()


async def test_page_info_with_other_filters_is_400(client: httpx2.AsyncClient) -> None:
    """A page_info request carrying updated_at_min is Shopify's 400 naming the parameter."""
    first = await client.get(CUSTOMERS, params={"limit": 2, "updated_at_min": "2021-01-01"})
    nxt = _NEXT.search(first.headers["link"])
    assert nxt is not None
    response = await client.get(nxt.group(1) + "&updated_at_min=2021-01-01")
    assert response.status_code == 400
    assert response.json() == {"errors": {"updated_at_min": (
        "updated_at_min cannot be passed when page_info is present. "
        "See https://shopify.dev/api/usage/pagination-rest for more information.")}}  # fmt: skip
    bad = await client.get(CUSTOMERS, params={"page_info": "garbage"})
    assert bad.status_code == 400
    assert "page_info" in bad.json()["errors"]
    assert (await client.get(CUSTOMERS, params={"limit": 251})).status_code == 400


async def test_updated_and_created_filters_are_exact(
    client: httpx2.AsyncClient, clock: FakeClock
) -> None:
    """updated_at_min (carried through page_info) and created_at_min/max match brute force,
    including a record updated just now."""
    everyone = await walk(client, CUSTOMERS, {"limit": 250}, clock)
    clock.advance(60)
    changed = everyone[-1]["id"]  # the oldest customer, touched now
    await client.put(f"{API}/customers/{changed}.json", json={"customer": {"note": "vip"}})
    everyone = await walk(client, CUSTOMERS, {"limit": 250}, clock)
    pivot = sorted(c["updated_at"] for c in everyone)[200]
    got = await walk(client, CUSTOMERS, {"limit": 7, "updated_at_min": pivot}, clock)
    assert {c["id"] for c in got} == {c["id"] for c in everyone if c["updated_at"] >= pivot}
    assert changed in {c["id"] for c in got}
    low, high = sorted(c["created_at"] for c in everyone)[50], sorted(
        c["created_at"] for c in everyone)[90]  # fmt: skip
    window = await walk(client, CUSTOMERS, {"created_at_min": low, "created_at_max": high}, clock)
    assert {c["id"] for c in window} == {
        c["id"] for c in everyone if low <= c["created_at"] <= high
    }


async def test_since_id_walks_upwards(client: httpx2.AsyncClient, clock: FakeClock) -> None:
    """since_id returns ids above it in ascending order, and count.json agrees."""
    everyone = await walk(client, CUSTOMERS, {"limit": 250}, clock)
    pivot = sorted(c["id"] for c in everyone)[99]
    got = await walk(client, CUSTOMERS, {"since_id": pivot, "limit": 50}, clock)
    assert [c["id"] for c in got] == sorted(c["id"] for c in everyone if c["id"] > pivot)
    count = await client.get(f"{API}/customers/count.json", params={"since_id": pivot})
    assert count.json() == {"count": 200}


async def test_orders_default_to_open(client: httpx2.AsyncClient) -> None:
    """orders.json without status lists open orders only; status=any lists them all."""
    open_count = (await client.get(f"{API}/orders/count.json")).json()["count"]
    closed = (await client.get(f"{API}/orders/count.json", params={"status": "closed"})).json()
    every = (await client.get(f"{API}/orders/count.json", params={"status": "any"})).json()
    assert 0 < open_count < every["count"] == 300
    assert open_count + closed["count"] == 300
    listed = (await client.get(ORDERS, params={"limit": 250})).json()["orders"]
    assert all(o["closed_at"] is None for o in listed)


async def test_create_update_delete_customer(
    client: httpx2.AsyncClient, sim: ShopifySimulator, clock: FakeClock
) -> None:
    """Create is 201, a taken email is 422, update moves updated_at, delete is 200 {} and the
    customer is gone (404 {"errors": "Not Found"})."""
    created = await client.post(CUSTOMERS, json={"customer": {
        "email": "ada@example.com", "first_name": "Ada", "tags": "vip, beta",
        "addresses": [{"address1": "1 Main St", "city": "Paris", "country": "France"}],
    }})  # fmt: skip
    assert created.status_code == 201
    customer = created.json()["customer"]
    assert customer["default_address"]["city"] == "Paris"
    taken = await client.post(CUSTOMERS, json={"customer": {"email": "ADA@example.com"}})
    assert taken.status_code == 422
    assert taken.json() == {"errors": {"email": ["has already been taken"]}}
    path = f"{API}/customers/{customer['id']}.json"
    clock.advance(5)
    updated = (await client.put(path, json={"customer": {"note": "hi"}})).json()["customer"]
    assert updated["note"] == "hi"
    assert updated["updated_at"] > customer["updated_at"]
    deleted = await client.delete(path)
    assert (deleted.status_code, deleted.json()) == (200, {})
    gone = await client.get(path)
    assert (gone.status_code, gone.json()) == (404, {"errors": "Not Found"})
    assert sim.counters.created["customers"] == 1


async def test_bad_bodies(client: httpx2.AsyncClient) -> None:
    """No wrapper or broken JSON is a 400 naming `customer`; a bad email a 422."""
    missing = await client.post(CUSTOMERS, json={"email": "x@example.com"})
    assert missing.status_code == 400
    assert missing.json() == {"errors": {"customer": "Required parameter missing or invalid"}}
    broken = await client.post(
        CUSTOMERS, content=b"{nope", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400
    invalid = await client.post(CUSTOMERS, json={"customer": {"email": "not-an-email"}})
    assert invalid.json() == {"errors": {"email": ["is invalid"]}}
    typo = await client.get(CUSTOMERS, params={"updated_since": "2021-01-01"})
    assert typo.status_code == 400
    assert "updated_since" in typo.json()["errors"]


async def test_orders_create_and_update(client: httpx2.AsyncClient) -> None:
    """An order with line items is 201 with a #number; a note update keeps the rest."""
    made = await client.post(ORDERS, json={"order": {
        "line_items": [{"title": "Tote", "price": "24.50", "quantity": 2}],
        "email": "b@example.com",
    }})  # fmt: skip
    assert made.status_code == 201
    order = made.json()["order"]
    assert order["total_line_items_price"] == "49.00"
    assert order["name"].startswith("#")
    put = await client.put(f"{API}/orders/{order['id']}.json", json={"order": {"note": "gift"}})
    assert put.json()["order"]["note"] == "gift"
    empty = await client.post(ORDERS, json={"order": {"line_items": []}})
    assert empty.status_code == 422


async def test_auth_failures(sim: ShopifySimulator, clock: FakeClock) -> None:
    """Missing, unknown, revoked (uninstalled) and expired online tokens: one Shopify 401."""
    revoked = sim.issue_token()
    sim.tokens.revoke(revoked.value)
    online = sim.issue_token("online")
    async with client_for(sim) as bare:
        for token in (None, "shpat_unknown", revoked.value):
            headers = {} if token is None else {"X-Shopify-Access-Token": token}
            response = await bare.get(CUSTOMERS, headers=headers)
            assert (response.status_code, response.json()) == (401, {"errors": INVALID})
        fresh = {"X-Shopify-Access-Token": online.value}
        assert (await bare.get(CUSTOMERS, headers=fresh)).status_code == 200
        clock.advance(86_400)
        expired = await bare.get(CUSTOMERS, headers=fresh)
        assert (expired.status_code, expired.json()) == (401, {"errors": INVALID})


async def test_oauth_code_exchange(sim: ShopifySimulator) -> None:
    """POST /admin/oauth/access_token trades a code once for a working offline token."""
    code = sim.issue_auth_code()
    form = {"client_id": sim.client_id, "client_secret": sim.client_secret, "code": code}
    async with client_for(sim) as bare:
        granted = await bare.post("/admin/oauth/access_token", data=form)
        token = granted.json()["access_token"]
        assert token.startswith("shpat_")
        again = await bare.post("/admin/oauth/access_token", data=form)
        assert again.json()["error"] == "invalid_request"
        ok = await bare.get(CUSTOMERS, headers={"X-Shopify-Access-Token": token})
        assert ok.status_code == 200
    assert sim.counters.token_requests == 2


async def test_leaky_bucket_of_40_leaking_2_per_second(
    client: httpx2.AsyncClient, sim: ShopifySimulator, clock: FakeClock
) -> None:
    """The call-limit header counts up to 40/40; the 41st call is 429 with Retry-After: 2.0
    and Shopify's body; a second later two calls have leaked out."""
    used = []
    for _ in range(40):
        response = await client.get(CUSTOMERS, params={"limit": 1})
        used.append(response.headers["x-shopify-shop-api-call-limit"])
    assert used[0] == "1/40"
    assert used[-1] == "40/40"
    limited = await client.get(CUSTOMERS)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "2.0"
    assert limited.json() == {"errors": "Exceeded 2 calls per second for api client. "
                              "Reduce request rates to resume uninterrupted service."}  # fmt: skip
    assert sim.counters.rate_limited == 1
    clock.advance(1.0)
    assert (await client.get(CUSTOMERS)).status_code == 200
    assert (await client.get(CUSTOMERS)).status_code == 200
    assert (await client.get(CUSTOMERS)).status_code == 429


async def test_faults_use_shopifys_shapes(
    client: httpx2.AsyncClient, sim: ShopifySimulator
) -> None:
    """200-with-error-body, an injected 429 and drift speak Shopify's shapes."""
    sim.faults.configure(FaultConfig(error_body_rate=1.0))
    body = await client.get(CUSTOMERS)
    assert body.status_code == 200
    assert "errors" in body.json()
    sim.faults.configure(FaultConfig(error_rates={429: 1.0}))
    limited = await client.get(CUSTOMERS)
    assert limited.headers["retry-after"] == "2.0"
    assert limited.json()["errors"].startswith("Exceeded 2 calls per second")
    sim.faults.configure("drift")
    drifted = (await client.get(CUSTOMERS, params={"limit": 2})).json()["customers"]
    assert all("email_address" in c for c in drifted)
    one = (await client.get(f"{API}/customers/{drifted[0]['id']}.json")).json()["customer"]
    assert "email_address" in one


async def test_counters_and_registry(client: httpx2.AsyncClient, sim: ShopifySimulator) -> None:
    """Requests are counted by route template and status; shopify is registered."""
    await client.get(CUSTOMERS)
    await client.get(f"{API}/customers/1.json")
    assert sim.counters.count(route="GET /admin/api/{version}/customers.json", status=200) == 1
    assert sim.counters.count(route="GET /admin/api/{version}/customers/{id:int}.json",
                              status=404) == 1  # fmt: skip
    assert "shopify" in SIMULATORS
    page = sim.page_request(5)
    assert len((await client.get(page.path)).json()["customers"]) == 5


async def test_a_million_records_are_lazy(clock: FakeClock) -> None:
    """A million-customer shop reads the last record and counts a recent window lazily."""
    sim = create_simulator("shopify", records=1_000_000, clock=clock)
    assert isinstance(sim, ShopifySimulator)
    async with client_for(sim, sim.default_token.value) as c:
        last = 6_200_000_000_001 + 999_999
        assert (await c.get(f"{API}/customers/{last}.json")).status_code == 200
        count = await c.get(f"{API}/customers/count.json",
                            params={"updated_at_min": "2023-11-01T00:00:00Z"})  # fmt: skip
        assert 0 < count.json()["count"] < 20_000
    await sim.aclose()


async def test_webhooks_are_signed_with_the_client_secret(
    client: httpx2.AsyncClient,
    sim: ShopifySimulator,
    webhook_receiver: tuple[str, list[tuple[dict[str, str], bytes]]],
) -> None:
    """X-Shopify-Hmac-Sha256 = base64(HMAC-SHA256(client secret, raw body)), with topic, shop,
    webhook id, triggered-at and event id headers; delete sends customers/delete."""
    url, received = webhook_receiver
    sim.webhooks.url = url
    made = (await client.post(CUSTOMERS, json={"customer": {"email": "h@example.com"}})).json()
    await client.delete(f"{API}/customers/{made['customer']['id']}.json")
    await sim.webhooks.flush()
    assert [h["x-shopify-topic"] for h, _ in received] == ["customers/create", "customers/delete"]
    for headers, body in received:
        expected = base64.b64encode(
            hmac.new(sim.client_secret.encode(), body, hashlib.sha256).digest()
        ).decode()
        assert headers["x-shopify-hmac-sha256"] == expected
        assert headers["x-shopify-shop-domain"] == "interlink-sim.myshopify.com"
        assert headers["x-shopify-webhook-id"]
        assert headers["x-shopify-event-id"]
        assert headers["x-shopify-triggered-at"].endswith("Z")
    assert httpx2.Response(200, content=received[1][1]).json()["id"] == made["customer"]["id"]
