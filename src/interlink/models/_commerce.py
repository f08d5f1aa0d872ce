"""Commerce: customers and their orders."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from interlink.models._base import Part, UnifiedRecord, UtcDatetime
from interlink.models._common import Address, EmailAddress, PhoneNumber

__all__ = ["Customer", "LineItem", "Order", "OrderStatus"]


class OrderStatus(StrEnum):
    """Where an order stands, from placed to done."""

    PENDING = "PENDING"
    """Placed, not paid yet."""
    PAID = "PAID"
    FULFILLED = "FULFILLED"
    """Shipped or delivered."""
    CANCELLED = "CANCELLED"
    REFUNDED = "REFUNDED"


class LineItem(Part):
    """One line of an order or invoice."""

    name: str | None = None
    """The product name or line description."""
    product_id: str | None = None
    sku: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    total_amount: Decimal | None = None


class Customer(UnifiedRecord):
    """A buyer (Shopify customer, Stripe customer)."""

    model_name: ClassVar[str] = "commerce.customer"
    model_version: ClassVar[str] = "1.0"

    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    email_addresses: list[EmailAddress] = Field(default_factory=list)
    phone_numbers: list[PhoneNumber] = Field(default_factory=list)
    addresses: list[Address] = Field(default_factory=list)
    currency: str | None = None
    orders_count: int | None = None
    total_spent: Decimal | None = None
    accepts_marketing: bool | None = None
    tags: list[str] = Field(default_factory=list)


class Order(UnifiedRecord):
    """A placed order (Shopify order)."""

    model_name: ClassVar[str] = "commerce.order"
    model_version: ClassVar[str] = "1.0"

    order_number: str | None = None
    """The number the buyer sees (`#1001`), not the vendor's id."""
    customer_id: str | None = None
    status: OrderStatus | None = None
    currency: str | None = None
    subtotal_amount: Decimal | None = None
    total_tax: Decimal | None = None
    total_discount: Decimal | None = None
    total_amount: Decimal | None = None
    line_items: list[LineItem] = Field(default_factory=list)
    billing_address: Address | None = None
    shipping_address: Address | None = None
    placed_at: UtcDatetime | None = None
    cancelled_at: UtcDatetime | None = None
