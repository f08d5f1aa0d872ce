"""Shopify customers and orders: generated fields and Admin REST rendering.

Shopify REST renders times in the shop's time zone with its offset
(`2024-01-09T10:12:33-05:00`), money as decimal strings (`"199.65"`), tags
as one comma-separated string, and every record carries
`admin_graphql_api_id` (`gid://shopify/Customer/207119551`). Ids are large
integers. Orders older than `CLOSED_AFTER` are closed, as a shop that fulfils
its orders looks: `status=open` (the default!) and `status=closed` are then
index ranges over the generated data.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from interlink.simulators._dataset import Dataset
from interlink.simulators._fake import person
from interlink.simulators._store import Collection, StoredRecord

__all__ = [
    "CUSTOMERS_FIRST_ID",
    "ORDERS_FIRST_ID",
    "customer_collection",
    "iso",
    "order_collection",
    "parse_time",
    "render_customer",
    "render_order",
]

CUSTOMERS_FIRST_ID = 6_200_000_000_001
ORDERS_FIRST_ID = 5_100_000_000_001
# Guess: the shop's zone as a fixed offset (US Eastern without daylight saving).
SHOP_ZONE = timezone(timedelta(hours=-5))
CLOSED_AFTER = 60 * 86_400.0  # orders last changed this long before "now" are closed
_PRODUCTS = (
    ("Merino Beanie", "29.00"),
    ("Canvas Tote", "24.50"),
    ("Trail Socks", "14.00"),
    ("Rain Shell", "189.00"),
    ("Wool Scarf", "49.00"),
    ("Field Notebook", "9.50"),
)
_STATES = ("enabled", "enabled", "enabled", "disabled", "invited")


def iso(t: float) -> str:
    """Epoch seconds as Shopify writes times: whole seconds, shop offset."""
    return datetime.fromtimestamp(int(t), SHOP_ZONE).isoformat()


def parse_time(value: str) -> float:
    """An ISO 8601 filter value (with offset, or in the shop's zone without one)."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SHOP_ZONE)
    return parsed.astimezone(UTC).timestamp()


def _address(p: Any, rng: Any, customer_id: int | None) -> dict[str, Any]:
    return {
        "id": None, "customer_id": customer_id, "first_name": p.first_name,
        "last_name": p.last_name, "company": p.company_name,
        "address1": f"{1 + rng.below(400)} {rng.choice(('Main', 'Oak', 'Harbor'))} St",
        "address2": "", "city": p.city, "province": None, "country": p.country,
        "zip": rng.digits(5), "phone": p.phone, "name": f"{p.first_name} {p.last_name}",
        "province_code": None, "country_code": p.country_code, "country_name": p.country,
        "default": True,
    }  # fmt: skip


def _customer_fields(d: Dataset, i: int) -> dict[str, Any]:
    rng = d.rng(i)
    p = person(rng, i)
    orders = rng.below(12)
    return {
        "email": p.email,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "phone": p.phone if rng.chance(0.5) else None,
        "orders_count": orders,
        "state": rng.choice(_STATES),
        "total_spent": f"{orders * (10 + rng.below(200)):.2f}",
        "note": None if rng.chance(0.8) else f"Met at {p.city} pop-up",
        "verified_email": rng.chance(0.9),
        "tax_exempt": False,
        "tags": ", ".join(p.tags),
        "currency": "USD",
        "accepts_marketing": rng.chance(0.4),
        "address": _address(p, rng, None) if rng.chance(0.8) else None,
    }


def customer_collection(records: int, seed: int) -> Collection:
    return Collection(
        Dataset("shopify.customers", records, seed),
        _customer_fields,
        first_id=CUSTOMERS_FIRST_ID,
        creation_ordered=True,
    )


def render_customer(record: StoredRecord) -> dict[str, Any]:
    f = record.fields
    address = f.get("address")
    addresses = [] if address is None else [{**address, "id": record.id + 1_000_000_000,
                                             "customer_id": record.id}]  # fmt: skip
    consent = {
        "state": "subscribed" if f.get("accepts_marketing") else "not_subscribed",
        "opt_in_level": "single_opt_in",
        "consent_updated_at": iso(record.created_at) if f.get("accepts_marketing") else None,
    }
    return {
        "id": record.id,
        "email": f.get("email"),
        "created_at": iso(record.created_at),
        "updated_at": iso(record.modified_at),
        "first_name": f.get("first_name"),
        "last_name": f.get("last_name"),
        "orders_count": f.get("orders_count", 0),
        "state": f.get("state", "disabled"),
        "total_spent": f.get("total_spent", "0.00"),
        "last_order_id": None,
        "note": f.get("note"),
        "verified_email": f.get("verified_email", False),
        "multipass_identifier": None,
        "tax_exempt": f.get("tax_exempt", False),
        "tags": f.get("tags", ""),
        "last_order_name": None,
        "currency": f.get("currency", "USD"),
        "phone": f.get("phone"),
        "addresses": addresses,
        "tax_exemptions": [],
        "email_marketing_consent": consent if f.get("email") else None,
        "sms_marketing_consent": None,
        "admin_graphql_api_id": f"gid://shopify/Customer/{record.id}",
        "default_address": addresses[0] if addresses else None,
    }


def _order_fields(customers: Dataset) -> Any:
    def fields(d: Dataset, i: int) -> dict[str, Any]:
        rng = d.rng(i)
        owner = rng.below(max(customers.size, 1))
        buyer = person(customers.rng(owner), owner) if customers.size else None
        lines = []
        for k in range(1 + rng.below(3)):
            title, price = rng.choice(_PRODUCTS)
            lines.append({"title": title, "price": price, "quantity": 1 + rng.below(3),
                          "sku": f"SKU-{rng.digits(5)}", "k": k})  # fmt: skip
        return {
            "number": 1000 + i + 1,
            "customer_id": CUSTOMERS_FIRST_ID + owner if buyer else None,
            "email": buyer.email if buyer else None,
            "first_name": buyer.first_name if buyer else None,
            "last_name": buyer.last_name if buyer else None,
            "line_items": lines,
            "financial_status": rng.choice(("paid", "paid", "paid", "pending", "refunded")),
            "note": None,
            "tags": "",
            "closed": d.modified_at(i) < d.anchor - CLOSED_AFTER,
        }

    return fields


def order_collection(records: int, seed: int) -> Collection:
    customers = Dataset("shopify.customers", records, seed)
    return Collection(
        Dataset("shopify.orders", records, seed),
        _order_fields(customers),
        first_id=ORDERS_FIRST_ID,
        creation_ordered=True,
    )


def first_open_index(d: Dataset) -> int:
    """Generated orders with an index at or above this are open; below it, closed."""
    return d.first_modified_at_or_after(d.anchor - CLOSED_AFTER)


def render_order(record: StoredRecord) -> dict[str, Any]:
    f = record.fields
    items = [
        {"id": record.id * 10 + n, "admin_graphql_api_id":
         f"gid://shopify/LineItem/{record.id * 10 + n}", "title": line["title"],
         "name": line["title"], "price": line["price"], "quantity": line["quantity"],
         "sku": line["sku"], "fulfillable_quantity": 0 if f["closed"] else line["quantity"],
         "taxable": True, "requires_shipping": True}
        for n, line in enumerate(f["line_items"])
    ]  # fmt: skip
    subtotal = sum(float(line["price"]) * line["quantity"] for line in f["line_items"])
    tax = round(subtotal * 0.08, 2)
    customer = None
    if f.get("customer_id") is not None:
        customer = {
            "id": f["customer_id"],
            "email": f.get("email"),
            "first_name": f.get("first_name"),
            "last_name": f.get("last_name"),
            "admin_graphql_api_id": f"gid://shopify/Customer/{f['customer_id']}",
        }
    closed_at = iso(record.modified_at) if f["closed"] else None
    return {
        "id": record.id,
        "admin_graphql_api_id": f"gid://shopify/Order/{record.id}",
        "name": f"#{f['number']}",
        "order_number": f["number"],
        "number": f["number"] - 1000,
        "email": f.get("email"),
        "contact_email": f.get("email"),
        "created_at": iso(record.created_at),
        "updated_at": iso(record.modified_at),
        "processed_at": iso(record.created_at),
        "closed_at": closed_at,
        "cancelled_at": None,
        "cancel_reason": None,
        "confirmed": True,
        "test": False,
        "currency": "USD",
        "presentment_currency": "USD",
        "financial_status": f["financial_status"],
        "fulfillment_status": "fulfilled" if f["closed"] else None,
        "subtotal_price": f"{subtotal:.2f}",
        "total_line_items_price": f"{subtotal:.2f}",
        "total_tax": f"{tax:.2f}",
        "total_discounts": "0.00",
        "total_price": f"{subtotal + tax:.2f}",
        "taxes_included": False,
        "note": f.get("note"),
        "tags": f.get("tags", ""),
        "source_name": "web",
        "customer": customer,
        "line_items": items,
    }
