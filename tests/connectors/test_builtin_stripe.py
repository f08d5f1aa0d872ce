"""The built-in Stripe connector against the Stripe simulator, in process through ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from tests.connectors._simkit import builtin_spec, fetch_json, open_builtin, running

import interlink
from interlink import ConfigError, FakeClock, FatalError, NotFoundError
from interlink.connectors.builtin.stripe.hooks import form_pairs
from interlink.models import Customer, Invoice, InvoiceStatus, InvoiceType
from interlink.ratelimit import Window
from interlink.simulators.stripe import StripeSimulator

RECORDS = 250
EVENTS = "GET /v1/events"


@pytest.fixture
async def stripe(clock: FakeClock) -> AsyncIterator[StripeSimulator]:
    """A Stripe simulator with 250 customers and 250 invoices on the fake clock."""
    async with running("stripe", clock, records=RECORDS) as sim:
        assert isinstance(sim, StripeSimulator)
        yield sim


@pytest.fixture
async def connection(
    stripe: StripeSimulator, clock: FakeClock
) -> AsyncIterator[interlink.Connection]:
    async with open_builtin(stripe, clock, credentials={"api_key": stripe.default_key.value}) as c:
        yield c


def _auth(sim: StripeSimulator) -> dict[str, str]:
    return {"Authorization": f"Bearer {sim.default_key.value}"}


def _now(clock: FakeClock) -> datetime:
    return datetime.fromtimestamp(clock.time(), UTC)


# -- loader level ---------------------------------------------------------------------------


def test_spec_maps_customers_and_invoices_and_declares_the_test_mode_limit() -> None:
    """Customers map to commerce.customer (all operations), invoices to accounting.invoice
    (read-only); one 25-per-second window keeps reads and writes under Stripe's limits."""
    spec = builtin_spec("stripe")
    assert {n: r.model for n, r in spec.resources.items()} == {
        "customers": "commerce.customer",
        "invoices": "accounting.invoice",
    }
    assert set(spec.resources["customers"].operations) == {
        "list", "incremental", "deleted", "get", "create", "update", "delete",
    }  # fmt: skip
    assert set(spec.resources["invoices"].operations) == {"list", "incremental", "get"}
    assert spec.rate_limits == (Window(25, 1.0),)
    create = spec.resources["customers"].operations["create"]
    assert create.idempotency_header == "Idempotency-Key"
    assert create.hook is spec.hooks["form_body"]


async def test_a_real_page_of_each_resource_maps_every_record(stripe: StripeSimulator) -> None:
    """100 customers and 100 invoices as the simulator sends them map without one error."""
    spec = builtin_spec("stripe")
    for resource in ("customers", "invoices"):
        page = await fetch_json(stripe, f"/v1/{resource}?limit=100", _auth(stripe))
        batch = spec.resources[resource].mapping.read_batch(page["data"], "conn-1")
        assert len(batch.records) == 100
        assert batch.errors == []


def test_form_pairs_use_stripe_bracket_notation() -> None:
    """Nested objects and lists become brackets; null and [] are sent empty (unset)."""
    body = {"name": "Ada", "address": {"city": "Paris", "line2": None}, "locales": ["en", "fr"],
            "tags": [], "flag": True}  # fmt: skip
    assert form_pairs(body) == [
        ("name", "Ada"), ("address[city]", "Paris"), ("address[line2]", ""),
        ("locales[0]", "en"), ("locales[1]", "fr"), ("tags", ""), ("flag", "true"),
    ]  # fmt: skip


# -- end to end -----------------------------------------------------------------------------


async def test_list_reads_every_customer_once_through_starting_after(
    connection: interlink.Connection, stripe: StripeSimulator
) -> None:
    """All 250 customers arrive once, in pages of 100 cursored by the last id."""
    customers = [c async for c in connection.list("customers")]
    assert len({c.remote_id for c in customers}) == RECORDS == len(customers)
    assert stripe.counters.count(route="GET /v1/customers") == 3
    first = customers[0]
    assert isinstance(first, Customer)
    assert first.name == first.remote_data["name"]
    assert first.email_addresses[0].email_address == first.remote_data["email"]
    assert first.created_at is not None
    assert first.created_at.tzinfo is UTC
    metadata = first.remote_data["metadata"]
    assert {k: first.custom_fields[k] for k in metadata} == metadata
    assert "invoice_prefix" in first.custom_fields
    assert "email" not in first.custom_fields


async def test_invoices_map_status_customer_and_dates(connection: interlink.Connection) -> None:
    """Invoices are accounting.invoice: receivable, Stripe's status, the customer as contact."""
    invoices = [i async for i in connection.list("accounting.invoice")]
    assert len(invoices) == RECORDS
    invoice = invoices[0]
    assert isinstance(invoice, Invoice)
    assert invoice.type is InvoiceType.ACCOUNTS_RECEIVABLE
    assert invoice.status is InvoiceStatus(invoice.remote_data["status"].upper())
    assert invoice.contact_id == invoice.remote_data["customer"]
    assert invoice.number == invoice.remote_data["number"]
    assert invoice.issue_date is not None
    assert invoice.line_items[0].name == invoice.remote_data["lines"]["data"][0]["description"]
    assert "total" not in invoice.custom_fields


async def test_invoice_amounts_are_major_units_of_their_currency(
    connection: interlink.Connection,
) -> None:
    """Stripe's cents become exact Decimals in major units (1999 usd is 19.99); the balance
    is what remains to pay; a null tax stays null."""
    invoices = [i async for i in connection.list("accounting.invoice")]
    currencies = set()
    for invoice in invoices:
        raw = invoice.remote_data
        assert raw["currency"] in ("usd", "eur", "gbp")  # two decimals each (ISO 4217)
        currencies.add(raw["currency"])
        assert invoice.total_amount == Decimal(raw["total"]) / 100
        assert invoice.subtotal_amount == Decimal(raw["subtotal"]) / 100
        assert invoice.balance == Decimal(raw["amount_remaining"]) / 100
        assert invoice.total_tax is None
    assert len(currencies) > 1


async def test_incremental_listing_reads_the_events_api_newest_state_once(
    connection: interlink.Connection, stripe: StripeSimulator, clock: FakeClock
) -> None:
    """modified_after reads customer events: each changed customer once, in its newest state."""
    ids = [c.remote_id async for c in connection.list("customers")][:3]
    clock.advance(3600)
    watermark = _now(clock)
    for remote_id in ids:
        await connection.update("customers", remote_id, {"name": "Changed Once"})
    await connection.update("customers", ids[0], {"name": "Changed Twice"})
    changed = {c.remote_id: c async for c in connection.list("customers", modified_after=watermark)}
    assert sorted(changed) == sorted(ids)
    assert changed[ids[0]].name == "Changed Twice"
    assert changed[ids[1]].name == "Changed Once"
    assert stripe.counters.count(route=EVENTS) == 1


async def test_invoices_list_incrementally_from_their_events(
    connection: interlink.Connection, stripe: StripeSimulator, clock: FakeClock
) -> None:
    """modified_after on invoices reads invoice.* events: nothing before a change, then the
    voided invoice once (voided and updated events), in its newest state."""
    invoices = [i async for i in connection.list("invoices")]
    clock.advance(3600)
    watermark = _now(clock)
    assert [i async for i in connection.list("invoices", modified_after=watermark)] == []
    target = next(i for i in invoices if i.status is InvoiceStatus.OPEN)
    voided = await connection.request("POST", f"/v1/invoices/{target.remote_id}/void")
    assert voided.json()["status"] == "void"
    changed = [i async for i in connection.list("invoices", modified_after=watermark)]
    assert [(i.remote_id, i.status) for i in changed] == [(target.remote_id, InvoiceStatus.VOID)]
    assert isinstance(changed[0], Invoice)


async def test_incremental_listing_drops_older_states_across_event_pages(
    connection: interlink.Connection, stripe: StripeSimulator, clock: FakeClock
) -> None:
    """120 updates then one more: the stale state on the second events page is not yielded."""
    ids = [c.remote_id async for c in connection.list("customers")][:120]
    watermark = _now(clock)
    for remote_id in ids:
        await connection.update("customers", remote_id, {"name": "First"})
    await connection.update("customers", ids[0], {"name": "Second"})
    changed = [c async for c in connection.list("customers", modified_after=watermark)]
    assert len(changed) == 120
    assert len({c.remote_id for c in changed}) == 120
    assert next(c for c in changed if c.remote_id == ids[0]).name == "Second"
    assert stripe.counters.count(route=EVENTS) == 2


async def test_create_read_update_delete_round_trip_with_form_bodies(
    connection: interlink.Connection,
) -> None:
    """A customer created from unified fields (sent form-encoded) reads, updates and deletes."""
    created = await connection.create(
        "customers",
        {"name": "Ada Lovelace", "email_addresses": [{"email_address": "ada@example.test"}],
         "addresses": [{"city": "London", "country": "GB"}]},
    )  # fmt: skip
    assert isinstance(created, Customer)
    assert created.remote_id.startswith("cus_")
    assert (created.first_name, created.last_name) == ("Ada", "Lovelace")
    assert created.addresses[0].city == "London"
    fetched = await connection.get("customers", created.remote_id)
    assert fetched.id == created.id
    updated = await connection.update("customers", created.remote_id, {"name": "Ada King"})
    assert updated.name == "Ada King"
    assert updated.email_addresses[0].email_address == "ada@example.test"
    await connection.delete("customers", created.remote_id)
    gone = await connection.get("customers", created.remote_id)
    assert gone.remote_was_deleted is True
    with pytest.raises(NotFoundError):
        await connection.update("customers", created.remote_id, {"name": "Too late"})


async def test_deleted_listing_reads_customer_deleted_events(
    connection: interlink.Connection, clock: FakeClock
) -> None:
    """deleted=True lists the customers of customer.deleted events, flagged deleted."""
    ids = [c.remote_id async for c in connection.list("customers")][:2]
    for remote_id in ids:
        await connection.delete("customers", remote_id)
    deleted = [c async for c in connection.list("customers", deleted=True)]
    assert sorted(c.remote_id for c in deleted) == sorted(ids)
    assert all(c.remote_was_deleted for c in deleted)
    remaining = [c.remote_id async for c in connection.list("customers")]
    assert len(remaining) == RECORDS - 2


async def test_one_idempotency_key_makes_one_customer(
    connection: interlink.Connection, stripe: StripeSimulator
) -> None:
    """A create repeated with its Idempotency-Key is replayed by Stripe: one customer."""
    values = {"name": "Grace Hopper"}
    first = await connection.create("customers", values, idempotency_key="create-grace")
    again = await connection.create("customers", values, idempotency_key="create-grace")
    assert again.remote_id == first.remote_id
    assert stripe.counters.created_by_idempotency_key == {"create-grace": 1}
    assert stripe.counters.duplicate_creates() == {}


async def test_vendor_errors_arrive_as_the_error_tree(connection: interlink.Connection) -> None:
    """An unknown customer is NotFoundError; a value Stripe refuses (400) is FatalError."""
    with pytest.raises(NotFoundError):
        await connection.get("customers", "cus_doesnotexist00")
    with pytest.raises(FatalError, match="at most 20 characters"):
        await connection.create(
            "customers", {"name": "X", "phone_numbers": [{"phone_number": "1" * 40}]}
        )


async def test_the_limit_paces_more_reads_than_one_second_allows(
    connection: interlink.Connection, stripe: StripeSimulator
) -> None:
    """60 reads at one fake instant are paced by the 25/s window: Stripe sends no 429."""
    ids = [c.remote_id async for c in connection.list("customers")]
    for _ in range(60):
        await connection.get("customers", ids[0])
    assert stripe.counters.count(route="GET /v1/customers/{id}") == 60
    assert stripe.counters.rate_limited == 0


async def test_passthrough_reaches_v1_paths_only(
    connection: interlink.Connection, stripe: StripeSimulator
) -> None:
    """A raw /v1 call goes through the pipeline; a path outside /v1 is refused before sending."""
    response = await connection.request("GET", "/v1/invoices", params={"limit": 2})
    assert len(response.json()["data"]) == 2
    with pytest.raises(ConfigError, match="not allowed"):
        await connection.request("GET", "/oauth/token")
