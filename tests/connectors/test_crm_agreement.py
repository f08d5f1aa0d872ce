"""The four CRMs agree: one person written through each built-in reads back as one contact."""

from __future__ import annotations

from typing import Any

import pytest
from tests.connectors._simkit import open_builtin, running

import interlink
from interlink import FakeClock
from interlink.models import Contact

PERSON: dict[str, Any] = {
    "first_name": "Grace",
    "last_name": "Hopper",
    "email_addresses": [{"email_address": "grace@example.test", "email_address_type": "WORK"}],
    "phone_numbers": [{"phone_number": "+1 555 0100", "phone_number_type": "WORK"}],
}

# Provenance and each vendor's own identifiers and field names: everything else must agree.
PROVENANCE = {
    "id",
    "remote_id",
    "provider",
    "connection_id",
    "remote_data",
    "custom_fields",
    "created_at",
    "modified_at",
    "owner_id",
    "account_id",
    "last_activity_at",
}


ID_FIELD = {"salesforce": "Id", "zoho": "id", "pipedrive": "id"}


def credentials(vendor: str, sim: Any) -> dict[str, str]:
    """The credential each built-in's default auth method reads."""
    if vendor == "pipedrive":
        return {"api_token": sim.api_token.value}
    return {"access_token": sim.default_token.value}


def variables(vendor: str, sim: Any) -> dict[str, str] | None:
    """Salesforce's instance host, which the caller gives for now."""
    if vendor == "salesforce":
        from tests.connectors.test_builtin_salesforce import INSTANCE

        return dict(INSTANCE)
    return None


async def written_and_read_back(vendor: str, resource: str, clock: FakeClock) -> Contact:
    """Create PERSON through `vendor`'s built-in, then get it back by its remote id."""
    async with running(vendor, clock, records=10) as sim:
        conn: interlink.Connection = open_builtin(
            sim, clock, credentials=credentials(vendor, sim), variables=variables(vendor, sim)
        )
        async with conn:
            created = await conn.create(resource, PERSON)
            read = await conn.get(resource, created.remote_id)
    assert isinstance(read, Contact)
    assert read.provider == vendor
    return read


@pytest.mark.parametrize(
    ("vendor", "resource"),
    [("salesforce", "contacts"), ("zoho", "contacts"), ("pipedrive", "persons")],
)
async def test_a_person_written_to_each_crm_reads_back_like_hubspot(
    vendor: str, resource: str, clock: FakeClock
) -> None:
    """HubSpot, Salesforce, Zoho and Pipedrive return the same unified contact, bar provenance."""
    reference = await written_and_read_back("hubspot", "contacts", clock)
    other = await written_and_read_back(vendor, resource, clock)
    expected = reference.model_dump(exclude=PROVENANCE)
    assert other.model_dump(exclude=PROVENANCE) == expected
    assert (expected["name"], expected["first_name"], expected["last_name"]) == (
        "Grace Hopper",
        "Grace",
        "Hopper",
    )
    assert expected["email_addresses"][0]["email_address"] == "grace@example.test"
    assert expected["phone_numbers"][0]["phone_number"] == "+1 555 0100"
    # Provenance is each vendor's own: the remote id is the id in that vendor's payload.
    assert str(reference.remote_data["id"]) == reference.remote_id
    assert str(other.remote_data[ID_FIELD[vendor]]) == other.remote_id
    assert other.provider == vendor
