"""CRM: contacts (people), companies (accounts) and deals (opportunities)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from interlink.models._base import UnifiedRecord, UtcDatetime
from interlink.models._common import Address, EmailAddress, PhoneNumber

__all__ = ["Company", "Contact", "Deal", "DealStatus", "LifecycleStage"]


class LifecycleStage(StrEnum):
    """Where a contact stands in the funnel (HubSpot's stages, the most detailed of the CRMs)."""

    SUBSCRIBER = "SUBSCRIBER"
    LEAD = "LEAD"
    MARKETING_QUALIFIED = "MARKETING_QUALIFIED"
    SALES_QUALIFIED = "SALES_QUALIFIED"
    OPPORTUNITY = "OPPORTUNITY"
    CUSTOMER = "CUSTOMER"
    EVANGELIST = "EVANGELIST"
    OTHER = "OTHER"


class DealStatus(StrEnum):
    """Whether a deal is still being worked on."""

    OPEN = "OPEN"
    WON = "WON"
    LOST = "LOST"


class Contact(UnifiedRecord):
    """A person the business deals with (HubSpot contact, Salesforce Contact, Pipedrive person)."""

    model_name: ClassVar[str] = "crm.contact"
    model_version: ClassVar[str] = "1.0"

    name: str | None = None
    """The full name as displayed."""
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None
    """The job title."""
    email_addresses: list[EmailAddress] = Field(default_factory=list)
    phone_numbers: list[PhoneNumber] = Field(default_factory=list)
    addresses: list[Address] = Field(default_factory=list)
    company_name: str | None = None
    """The employer's name as the vendor shows it."""
    account_id: str | None = None
    """The remote id of the contact's company (crm.company), where linked."""
    owner_id: str | None = None
    """The remote id of the vendor user who owns the contact."""
    lifecycle_stage: LifecycleStage | None = None
    last_activity_at: UtcDatetime | None = None


class Company(UnifiedRecord):
    """An organisation (HubSpot company, Salesforce Account, Pipedrive organization)."""

    model_name: ClassVar[str] = "crm.company"
    model_version: ClassVar[str] = "1.0"

    name: str | None = None
    domain: str | None = None
    """The web domain, without scheme (`acme.com`)."""
    industry: str | None = None
    """The vendor's industry label, not normalised (vendors' lists differ)."""
    description: str | None = None
    number_of_employees: int | None = None
    annual_revenue: Decimal | None = None
    phone_numbers: list[PhoneNumber] = Field(default_factory=list)
    addresses: list[Address] = Field(default_factory=list)
    owner_id: str | None = None
    last_activity_at: UtcDatetime | None = None


class Deal(UnifiedRecord):
    """A sales opportunity (HubSpot deal, Salesforce Opportunity, Pipedrive deal)."""

    model_name: ClassVar[str] = "crm.deal"
    model_version: ClassVar[str] = "1.0"

    name: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    """ISO 4217 code (`EUR`)."""
    status: DealStatus | None = None
    stage: str | None = None
    """The vendor's pipeline stage label (pipelines are per account, so not an enum)."""
    probability: float | None = None
    """Chance of winning, 0.0 to 1.0."""
    close_date: date | None = None
    """The expected or actual close date, as a calendar date."""
    account_id: str | None = None
    contact_ids: list[str] = Field(default_factory=list)
    owner_id: str | None = None
    last_activity_at: UtcDatetime | None = None
