"""One person in HubSpot, Salesforce, Pipedrive and Zoho shapes maps to one unified contact."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from interlink.models import Contact, record_id

from .conftest import VENDORS, vendor_mapping, vendor_payload

# Ids of the record itself and of related records (owner, account) live in each vendor's
# own id space, and custom fields are keyed by each vendor's own names: those differ.
PER_VENDOR = {"id", "remote_id", "provider", "connection_id", "remote_data", "custom_fields",
              "owner_id", "account_id"}  # fmt: skip

ADA = {
    "name": "Ada Lovelace",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "title": "CTO",
    "company_name": "Analytical Engines Ltd",
    "email_addresses": [
        {
            "email_address": "ada@analytical.example",
            "email_address_type": "WORK",
            "is_primary": True,
        }
    ],
    "phone_numbers": [
        {"phone_number": "+44 20 7946 0001", "phone_number_type": "WORK", "is_primary": True}
    ],
    "lifecycle_stage": "CUSTOMER",
    "created_at": datetime(2024, 1, 15, 9, 30, tzinfo=UTC),
    "modified_at": datetime(2024, 3, 1, 12, 0, tzinfo=UTC),
    "last_activity_at": datetime(2024, 2, 28, tzinfo=UTC),
    "remote_was_deleted": False,
}


def mapped(vendor: str) -> dict[str, Any]:
    return vendor_mapping(vendor).read(vendor_payload(vendor), f"conn-{vendor}")


def test_the_four_vendors_agree_on_everything_but_provenance() -> None:
    """HubSpot, Salesforce, Pipedrive and Zoho records of Ada map to identical contacts."""
    shared = [{k: v for k, v in mapped(v).items() if k not in PER_VENDOR} for v in VENDORS]
    hubspot = shared[0]
    for vendor, record in zip(VENDORS, shared, strict=True):
        assert record == hubspot, vendor
    assert {k: hubspot[k] for k in ADA} == ADA


def test_addresses_agree_where_every_vendor_keeps_them() -> None:
    """The city comes from four different places (one a Pipedrive hash key) and agrees."""
    for vendor in VENDORS:
        (address,) = mapped(vendor)["addresses"]
        assert address["city"] == "London", vendor
        assert address["address_type"] == "MAILING", vendor


@pytest.mark.parametrize("vendor", VENDORS)
def test_provenance_is_filled_by_interlink(vendor: str) -> None:
    """id is the uuid5 of connection/model/remote id, remote_data the payload as received."""
    payload = vendor_payload(vendor)
    record = vendor_mapping(vendor).read(payload, "conn-1")
    assert record["provider"] == vendor
    assert record["connection_id"] == "conn-1"
    assert record["id"] == record_id("conn-1", "crm.contact", record["remote_id"])
    assert record["remote_data"] is payload


@pytest.mark.parametrize(
    ("vendor", "custom"),
    [
        ("hubspot", {"hs_lead_status": "CONNECTED", "interlink_tier": "gold"}),
        ("salesforce", {"Tier__c": "gold"}),
        ("pipedrive", {"9e2a71c4d5b6e8f0a1b2c3d4e5f60718293a4b5c": "gold"}),
        ("zoho", {"Tier": "gold"}),
    ],
)
def test_declared_custom_fields_keep_what_the_model_has_no_place_for(
    vendor: str, custom: dict[str, Any]
) -> None:
    """Unmapped vendor fields of the declared source land in custom_fields; mapped ones do not."""
    assert mapped(vendor)["custom_fields"] == custom


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_vendor_record_validates_into_the_model(vendor: str) -> None:
    """The mapped dict is a valid Contact (validation is the separate, optional step)."""
    mapping = vendor_mapping(vendor)
    contact = mapping.validate(mapping.read(vendor_payload(vendor), "conn-1"))
    assert isinstance(contact, Contact)
    assert contact.model_dump(mode="json")["modified_at"] == "2024-03-01T12:00:00Z"


@pytest.mark.parametrize(
    ("vendor", "body"),
    [
        (
            "hubspot",
            {
                "properties": {
                    "firstname": "Augusta",
                    "email": "a@b.example",
                    "lifecyclestage": "lead",
                }
            },
        ),
        ("salesforce", {"FirstName": "Augusta", "Email": "a@b.example"}),
        (
            "pipedrive",
            {
                "first_name": "Augusta",
                "email": [{"value": "a@b.example", "label": "work", "primary": True}],
            },
        ),
        ("zoho", {"First_Name": "Augusta", "Email": "a@b.example"}),
    ],
)
def test_write_sends_only_the_changed_fields_in_each_vendor_shape(
    vendor: str, body: dict[str, Any]
) -> None:
    """A PATCH of first name and email (and HubSpot's stage) becomes each vendor's own body."""
    change: dict[str, Any] = {
        "first_name": "Augusta",
        "email_addresses": [
            {"email_address": "a@b.example", "email_address_type": "WORK", "is_primary": True}
        ],
    }
    if vendor == "hubspot":
        change["lifecycle_stage"] = "LEAD"
    assert vendor_mapping(vendor).write(change) == body
