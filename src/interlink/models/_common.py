"""Parts shared by several models: email addresses, phone numbers, postal addresses."""

from __future__ import annotations

from enum import StrEnum

from interlink.models._base import Part

__all__ = [
    "Address",
    "AddressType",
    "EmailAddress",
    "EmailAddressType",
    "PhoneNumber",
    "PhoneNumberType",
]


class EmailAddressType(StrEnum):
    """What an email address is for."""

    WORK = "WORK"
    PERSONAL = "PERSONAL"
    OTHER = "OTHER"


class PhoneNumberType(StrEnum):
    """What a phone number is for."""

    WORK = "WORK"
    MOBILE = "MOBILE"
    HOME = "HOME"
    FAX = "FAX"
    OTHER = "OTHER"


class AddressType(StrEnum):
    """What a postal address is for."""

    BILLING = "BILLING"
    SHIPPING = "SHIPPING"
    MAILING = "MAILING"
    OTHER = "OTHER"


class EmailAddress(Part):
    """One email address of a person or organisation."""

    email_address: str
    """The address as the vendor wrote it."""
    email_address_type: EmailAddressType | None = None
    """What it is for, where the vendor says."""
    is_primary: bool = False
    """The one to use when only one is wanted; at most one per list."""


class PhoneNumber(Part):
    """One phone number of a person or organisation."""

    phone_number: str
    """The number as the vendor wrote it (not reformatted)."""
    phone_number_type: PhoneNumberType | None = None
    """What it is for, where the vendor says."""
    is_primary: bool = False
    """The one to use when only one is wanted; at most one per list."""


class Address(Part):
    """A postal address; every part is optional because vendors keep different parts."""

    street_1: str | None = None
    street_2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    """The country as the vendor wrote it (a name or an ISO 3166 code)."""
    address_type: AddressType | None = None
