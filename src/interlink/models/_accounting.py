"""Accounting: invoices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from interlink.models._base import UnifiedRecord, UtcDatetime
from interlink.models._commerce import LineItem

__all__ = ["Invoice", "InvoiceStatus", "InvoiceType"]


class InvoiceType(StrEnum):
    """Who pays whom."""

    ACCOUNTS_RECEIVABLE = "ACCOUNTS_RECEIVABLE"
    """Issued to a customer."""
    ACCOUNTS_PAYABLE = "ACCOUNTS_PAYABLE"
    """Received from a supplier."""


class InvoiceStatus(StrEnum):
    """Where an invoice stands (Stripe's states, which the others fit into)."""

    DRAFT = "DRAFT"
    OPEN = "OPEN"
    """Issued, not fully paid."""
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    VOID = "VOID"
    UNCOLLECTIBLE = "UNCOLLECTIBLE"


class Invoice(UnifiedRecord):
    """An invoice (Stripe invoice)."""

    model_name: ClassVar[str] = "accounting.invoice"
    model_version: ClassVar[str] = "1.0"

    number: str | None = None
    """The invoice number printed on it."""
    type: InvoiceType | None = None
    status: InvoiceStatus | None = None
    contact_id: str | None = None
    """Remote id of the customer or supplier."""
    issue_date: date | None = None
    due_date: date | None = None
    paid_at: UtcDatetime | None = None
    currency: str | None = None
    subtotal_amount: Decimal | None = None
    total_tax: Decimal | None = None
    total_amount: Decimal | None = None
    balance: Decimal | None = None
    """What is still owed."""
    memo: str | None = None
    line_items: list[LineItem] = Field(default_factory=list)
