"""Stripe customers and invoices: generated fields and rendering in Stripe's shape.

Field sets and types follow Stripe's own fixtures for API version 2023-08-16
(`stripe-fixtures3-2023-09-12.json`): every field a real object carries is
present, nullable ones as null when unset. Amounts are integers in the
currency's minor unit; times are epoch seconds. Stripe has no "updated" field:
an object shows when it was `created`, and changes are told by events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from interlink.simulators._dataset import Dataset
from interlink.simulators._fake import person
from interlink.simulators._store import Collection, StoredRecord
from interlink.simulators.stripe._ids import IdCodec

__all__ = [
    "CUSTOMER_IDS",
    "INVOICE_IDS",
    "customer_collection",
    "invoice_collection",
    "render_customer",
    "render_invoice",
]

CUSTOMER_IDS = IdCodec("cus_", 14)
INVOICE_IDS = IdCodec("in_", 24)
LINE_IDS = IdCodec("il_", 24)
ITEM_IDS = IdCodec("ii_", 24)
CUSTOMERS_FIRST_ID = 1
INVOICES_FIRST_ID = 1
_CURRENCIES = ("usd", "usd", "usd", "eur", "gbp")
_LOCALES = ((), ("en",), ("en",), ("fr",), ("de",), ("es",))
_ITEMS = ("Starter plan", "Growth plan", "Scale plan", "Onboarding", "Support hours", "Seats")
_INVOICE_STATUS = ("paid", "paid", "paid", "paid", "open", "open", "draft", "void", "uncollectible")


def _customer_fields(d: Dataset, i: int) -> dict[str, Any]:
    rng = d.rng(i)
    p = person(rng, i)
    has_address = rng.chance(0.7)
    address = (
        {
            "city": p.city,
            "country": p.country_code,
            "line1": f"{1 + rng.below(400)} {rng.choice(('Main', 'Oak', 'Harbor', 'Park'))} St",
            "line2": None if rng.chance(0.8) else f"Suite {rng.below(900) + 100}",
            "postal_code": rng.digits(5),
            "state": None,
        }
        if has_address
        else None
    )
    metadata = {"interlink_score": str(p.score)} if rng.chance(0.5) else {}
    if p.tags:
        metadata["tags"] = ",".join(p.tags)
    return {
        "address": address,
        "balance": 0 if rng.chance(0.9) else -100 * rng.below(500),
        "currency": rng.choice(_CURRENCIES) if rng.chance(0.8) else None,
        "default_source": None,
        "delinquent": rng.chance(0.05),
        "description": None if rng.chance(0.6) else f"{p.job_title} at {p.company_name}",
        "discount": None,
        "email": p.email,
        "invoice_prefix": f"{rng.next() & 0xFFFFFFF:07X}",
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "metadata": metadata,
        "name": f"{p.first_name} {p.last_name}",
        "next_invoice_sequence": 1 + rng.below(12),
        "phone": p.phone if rng.chance(0.6) else None,
        "preferred_locales": list(rng.choice(_LOCALES)),
        "shipping": None,
        "tax_exempt": "none" if rng.chance(0.95) else "exempt",
        "test_clock": None,
    }


def customer_collection(records: int, seed: int) -> Collection:
    return Collection(
        Dataset("stripe.customers", records, seed),
        _customer_fields,
        first_id=CUSTOMERS_FIRST_ID,
        creation_ordered=True,  # Stripe lists newest first: id order is creation order
    )


def render_customer(record: StoredRecord, livemode: bool) -> dict[str, Any]:
    return {
        "id": CUSTOMER_IDS.encode(record.id),
        "object": "customer",
        **record.fields,
        "created": int(record.created_at),
        "livemode": livemode,
    }


def _invoice_factory(customers: Dataset) -> Callable[[Dataset, int], dict[str, Any]]:
    def fields(d: Dataset, i: int) -> dict[str, Any]:
        rng = d.rng(i)
        owner = rng.below(max(customers.size, 1))
        customer = _customer_fields(customers, owner) if customers.size else {}
        quantity = 1 + rng.below(5)
        unit = 500 * (1 + rng.below(40))
        amount = unit * quantity
        status = rng.choice(_INVOICE_STATUS)
        return {
            "owner": owner,
            "status": status,
            "currency": customer.get("currency") or "usd",
            "customer_email": customer.get("email"),
            "customer_name": customer.get("name"),
            "customer_phone": customer.get("phone"),
            "customer_address": customer.get("address"),
            "quantity": quantity,
            "unit_amount": unit,
            "amount": amount,
            "item": rng.choice(_ITEMS),
            "number": f"{customer.get('invoice_prefix', 'SIM00000')}-{1 + rng.below(999):04d}",
        }

    return fields


def invoice_collection(records: int, seed: int) -> Collection:
    customers = Dataset("stripe.customers", records, seed)
    return Collection(
        Dataset("stripe.invoices", records, seed),
        _invoice_factory(customers),
        first_id=INVOICES_FIRST_ID,
        creation_ordered=True,
    )


def render_invoice(record: StoredRecord, livemode: bool) -> dict[str, Any]:
    f, created = record.fields, int(record.created_at)
    invoice_id = INVOICE_IDS.encode(record.id)
    status, amount = f["status"], f["amount"]
    finalized = status != "draft"
    paid = status == "paid"
    open_amount = amount if status in ("open", "draft", "uncollectible") else 0
    period = {"end": created, "start": created - 30 * 86_400}
    line = {
        "id": LINE_IDS.encode(record.id),
        "object": "line_item",
        "amount": amount,
        "amount_excluding_tax": amount,
        "currency": f["currency"],
        "description": f"{f['quantity']} × {f['item']}",
        "discount_amounts": [],
        "discountable": True,
        "discounts": [],
        "invoice_item": ITEM_IDS.encode(record.id),
        "livemode": livemode,
        "metadata": {},
        "period": period,
        "price": None,
        "proration": False,
        "proration_details": {"credited_items": None},
        "quantity": f["quantity"],
        "subscription": None,
        "tax_amounts": [],
        "tax_rates": [],
        "type": "invoiceitem",  # as in Stripe's fixture: a one-off item on the invoice
        "unit_amount_excluding_tax": str(f["unit_amount"]),
    }
    return {
        "id": invoice_id,
        "object": "invoice",
        "account_country": "US",
        "account_name": "Interlink Simulated Inc.",
        "account_tax_ids": None,
        "amount_due": amount,
        "amount_paid": amount if paid else 0,
        "amount_remaining": open_amount,
        "amount_shipping": 0,
        "application": None,
        "application_fee_amount": None,
        "attempt_count": 1 if finalized else 0,
        "attempted": finalized,
        "auto_advance": status in ("draft", "open"),
        "automatic_tax": {"enabled": False, "status": None},
        "billing_reason": "manual",
        "charge": None,
        "collection_method": "charge_automatically",
        "created": created,
        "currency": f["currency"],
        "custom_fields": None,
        "customer": CUSTOMER_IDS.encode(CUSTOMERS_FIRST_ID + f["owner"]),
        "customer_address": f["customer_address"],
        "customer_email": f["customer_email"],
        "customer_name": f["customer_name"],
        "customer_phone": f["customer_phone"],
        "customer_shipping": None,
        "customer_tax_exempt": "none",
        "customer_tax_ids": [],
        "default_payment_method": None,
        "default_source": None,
        "default_tax_rates": [],
        "description": None,
        "discount": None,
        "discounts": [],
        "due_date": None,
        "effective_at": created if finalized else None,
        "ending_balance": 0 if finalized else None,
        "footer": None,
        "from_invoice": None,
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "last_finalization_error": None,
        "latest_revision": None,
        "lines": {
            "object": "list",
            "data": [line],
            "has_more": False,
            "url": f"/v1/invoices/{invoice_id}/lines",
        },
        "livemode": livemode,
        "metadata": {},
        "next_payment_attempt": None,
        "number": f["number"] if finalized else None,
        "on_behalf_of": None,
        "paid": paid,
        "paid_out_of_band": False,
        "payment_intent": None,
        "payment_settings": {
            "default_mandate": None,
            "payment_method_options": None,
            "payment_method_types": None,
        },
        "period_end": period["end"],
        "period_start": period["start"],
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "quote": None,
        "receipt_number": None,
        "rendering_options": None,
        "shipping_cost": None,
        "shipping_details": None,
        "starting_balance": 0,
        "statement_descriptor": None,
        "status": status,
        "status_transitions": {
            "finalized_at": created if finalized else None,
            "marked_uncollectible_at": created if status == "uncollectible" else None,
            "paid_at": created if paid else None,
            "voided_at": f.get("voided_at", created) if status == "void" else None,
        },
        "subscription": None,
        "subscription_details": {"metadata": None},
        "subtotal": amount,
        "subtotal_excluding_tax": amount,
        "tax": None,
        "test_clock": None,
        "total": amount,
        "total_discount_amounts": [],
        "total_excluding_tax": amount,
        "total_tax_amounts": [],
        "transfer_data": None,
        "webhooks_delivered_at": created,
    }


def dumps(data: Any) -> bytes:
    return orjson.dumps(data)
