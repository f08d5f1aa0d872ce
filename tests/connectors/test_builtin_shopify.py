"""The built-in Shopify connector against the Shopify simulator, in process through ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from tests.connectors._simkit import (
    builtin_spec,
    fetch_json,
    open_builtin,
    running,
    update_then_list_changed,
)

import interlink
from interlink import AuthError, ConfigError, FakeClock, FatalError, NotFoundError
from interlink.models import Customer, Order, OrderStatus
from interlink.ratelimit import LeakyBucket
from interlink.simulators.shopify import ShopifySimulator

RECORDS = 300
BASE = "/admin/api/2024-01"
CUSTOMERS = "GET /admin/api/{version}/customers.json"


@pytest.fixture
async def shopify(clock: FakeClock) -> AsyncIterator[ShopifySimulator]:
    """A Shopify simulator with 300 customers and 300 orders on the fake clock."""
    async with running("shopify", clock, records=RECORDS) as sim:
        assert isinstance(sim, ShopifySimulator)
        yield sim


def _open(
    sim: ShopifySimulator, clock: FakeClock, token: str | None = None
) -> interlink.Connection:
    shop = sim.shop_domain.removesuffix(".myshopify.com")
    credentials = {"access_token": token or sim.default_token.value}
    return open_builtin(sim, clock, credentials=credentials, variables={"shop": shop})


@pytest.fixture
async def connection(
    shopify: ShopifySimulator, clock: FakeClock
) -> AsyncIterator[interlink.Connection]:
    async with _open(shopify, clock) as conn:
        yield conn


# -- loader level ---------------------------------------------------------------------------


def test_spec_maps_customers_and_orders_and_declares_the_leaky_bucket() -> None:
    """Customers map to commerce.customer, orders to commerce.order; the limit is Shopify's
    REST bucket of 40 leaking 2 per second; the token travels in X-Shopify-Access-Token."""
    spec = builtin_spec("shopify")
    assert {n: r.model for n, r in spec.resources.items()} == {
        "customers": "commerce.customer",
        "orders": "commerce.order",
    }
    assert set(spec.resources["customers"].operations) == {
        "list", "incremental", "get", "create", "update", "delete",
    }  # fmt: skip
    assert set(spec.resources["orders"].operations) == {
        "list", "incremental", "get", "create", "delete",
    }  # fmt: skip
    assert spec.rate_limits == (LeakyBucket(40, 2),)
    assert spec.auth_methods[spec.default_auth].header_name == "X-Shopify-Access-Token"


async def test_a_real_page_of_each_resource_maps_every_record(shopify: ShopifySimulator) -> None:
    """250 customers and 250 orders as the simulator sends them map without one error."""
    spec = builtin_spec("shopify")
    headers = {"X-Shopify-Access-Token": shopify.default_token.value}
    for resource, query in (("customers", ""), ("orders", "&status=any")):
        page = await fetch_json(shopify, f"{BASE}/{resource}.json?limit=250{query}", headers)
        batch = spec.resources[resource].mapping.read_batch(page[resource], "conn-1")
        assert len(batch.records) == 250
        assert batch.errors == []


# -- end to end -----------------------------------------------------------------------------


async def test_list_reads_every_customer_once_through_link_headers(
    connection: interlink.Connection, shopify: ShopifySimulator
) -> None:
    """All 300 customers arrive once, following the Link header's page_info (2 pages of 250)."""
    customers = [c async for c in connection.list("customers")]
    assert len({c.remote_id for c in customers}) == RECORDS == len(customers)
    assert shopify.counters.count(route=CUSTOMERS) == 2
    first = customers[0]
    assert isinstance(first, Customer)
    raw = first.remote_data
    assert first.remote_id == str(raw["id"])
    assert first.total_spent == Decimal(raw["total_spent"])
    assert first.tags == [t.strip() for t in raw["tags"].split(",") if t.strip()]
    assert first.modified_at is not None
    assert first.modified_at.tzinfo is UTC
    assert first.custom_fields["admin_graphql_api_id"] == raw["admin_graphql_api_id"]
    assert "email" not in first.custom_fields


async def test_list_reads_orders_of_every_status(connection: interlink.Connection) -> None:
    """Orders are listed with status=any (Shopify's default is open only), each mapped."""
    orders = [o async for o in connection.list("commerce.order")]
    assert len(orders) == RECORDS
    statuses = {o.status for o in orders}
    assert OrderStatus.FULFILLED in statuses  # closed, fulfilled orders are there too
    order = orders[0]
    assert isinstance(order, Order)
    raw = order.remote_data
    assert order.order_number == raw["name"]
    assert order.total_amount == Decimal(raw["total_price"])
    assert order.customer_id == str(raw["customer"]["id"])
    assert [li.sku for li in order.line_items] == [li["sku"] for li in raw["line_items"]]
    assert order.custom_fields["financial_status"] == raw["financial_status"]


async def test_incremental_listing_uses_updated_at_min(
    connection: interlink.Connection, clock: FakeClock
) -> None:
    """modified_after returns only the customers updated since the watermark."""
    values = {"last_name": "Changed"}
    ids, changed = await update_then_list_changed(connection, clock, "customers", values)
    assert sorted(c.remote_id for c in changed) == sorted(ids)
    assert all(c.last_name == "Changed" for c in changed)


async def test_orders_list_incrementally_by_updated_at_min(
    connection: interlink.Connection, clock: FakeClock
) -> None:
    """modified_after on orders (any status): none since a watermark, then exactly the order
    created after it; a watermark before the data lists every order."""
    clock.advance(3600)
    watermark = datetime.fromtimestamp(clock.time(), UTC)
    assert [o async for o in connection.list("orders", modified_after=watermark)] == []
    clock.advance(1)
    customer = await connection.create("customers", {"first_name": "Grace"})
    order = await connection.create(
        "orders",
        {"customer_id": customer.remote_id,
         "line_items": [{"name": "Tea", "unit_price": "4.50", "quantity": 1}]},
    )  # fmt: skip
    changed = [o async for o in connection.list("orders", modified_after=watermark)]
    assert [o.remote_id for o in changed] == [order.remote_id]
    assert isinstance(changed[0], Order)
    everything = datetime(2000, 1, 1, tzinfo=UTC)
    assert len([o async for o in connection.list("orders", modified_after=everything)]) == (
        RECORDS + 1
    )


async def test_customer_create_read_update_delete_round_trip(
    connection: interlink.Connection,
) -> None:
    """A customer created from unified fields reads, updates and deletes; then it is gone."""
    created = await connection.create(
        "customers",
        {"first_name": "Ada", "last_name": "Lovelace", "tags": ["vip", "beta"],
         "email_addresses": [{"email_address": "ada@example.test"}]},
    )  # fmt: skip
    assert isinstance(created, Customer)
    assert created.name == "Ada Lovelace"
    assert created.tags == ["vip", "beta"]
    fetched = await connection.get("customers", created.remote_id)
    assert fetched.id == created.id
    updated = await connection.update("customers", created.remote_id, {"last_name": "King"})
    assert (updated.first_name, updated.last_name) == ("Ada", "King")
    await connection.delete("customers", created.remote_id)
    with pytest.raises(NotFoundError):
        await connection.get("customers", created.remote_id)


async def test_order_create_and_delete(connection: interlink.Connection) -> None:
    """An order from unified line items and a customer id is created, read and deleted."""
    customer = await connection.create("customers", {"first_name": "Grace"})
    order = await connection.create(
        "orders",
        {"customer_id": customer.remote_id,
         "line_items": [{"name": "Tea", "unit_price": "4.50", "quantity": 2, "sku": "T-1"}]},
    )  # fmt: skip
    assert isinstance(order, Order)
    assert order.customer_id == customer.remote_id
    assert order.subtotal_amount == Decimal("9.00")
    assert order.line_items[0].name == "Tea"
    await connection.delete("orders", order.remote_id)
    with pytest.raises(NotFoundError):
        await connection.get("orders", order.remote_id)


async def test_vendor_errors_arrive_as_the_error_tree(connection: interlink.Connection) -> None:
    """An unknown id is NotFoundError; a taken email (422) is FatalError in Shopify's words."""
    with pytest.raises(NotFoundError):
        await connection.get("customers", "1")
    email = [{"email_address": "taken@example.test"}]
    await connection.create("customers", {"email_addresses": email})
    with pytest.raises(FatalError, match="has already been taken"):
        await connection.create("customers", {"email_addresses": email})


async def test_an_unknown_token_is_an_auth_error(
    shopify: ShopifySimulator, clock: FakeClock
) -> None:
    """Shopify's 401 for an unrecognised access token is AuthError."""
    async with _open(shopify, clock, token="shpat_" + "0" * 32) as conn:
        with pytest.raises(AuthError):
            await conn.get("customers", "6200000000001")


async def test_the_bucket_paces_more_calls_than_it_holds(
    connection: interlink.Connection, shopify: ShopifySimulator
) -> None:
    """100 reads at one fake instant drain through the 40-call bucket: Shopify sends no 429."""
    ids = [c.remote_id async for c in connection.list("customers")]
    for remote_id in ids[:100]:
        await connection.get("customers", remote_id)
    assert shopify.counters.count(route="GET /admin/api/{version}/customers/{id:int}.json") == 100
    assert shopify.counters.rate_limited == 0


async def test_passthrough_reaches_admin_paths(connection: interlink.Connection) -> None:
    """A raw call under the versioned admin base goes through the pipeline; `..` is refused."""
    response = await connection.request("GET", "/customers/count.json")
    assert response.json() == {"count": RECORDS}
    with pytest.raises(ConfigError):
        await connection.request("GET", "/../oauth/access_token")
