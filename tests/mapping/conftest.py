"""Helpers for mapping tests: the four vendor declarations and payloads under fixtures/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from interlink.mapping import CompiledMapping, compile_mapping

FIXTURES = Path(__file__).parent / "fixtures"
VENDORS = ("hubspot", "salesforce", "pipedrive", "zoho")
PAYLOADS = {
    "hubspot": "hubspot_contact.json",
    "salesforce": "salesforce_contact.json",
    "pipedrive": "pipedrive_person.json",
    "zoho": "zoho_contact.json",
}


def vendor_mapping(vendor: str) -> CompiledMapping:
    """Compile fixtures/<vendor>.yaml as the spec loader will."""
    spec = yaml.safe_load((FIXTURES / f"{vendor}.yaml").read_text())
    return compile_mapping(
        spec["model"],
        provider=vendor,
        resource="contacts",
        read=spec["read"],
        write=spec.get("write"),
        custom_fields=spec.get("custom_fields"),
        ignore=spec.get("ignore"),
    )


def vendor_payload(vendor: str) -> dict[str, Any]:
    """The hand-written vendor record, decoded as the pipeline decodes it."""
    payload: dict[str, Any] = json.loads((FIXTURES / PAYLOADS[vendor]).read_text())
    return payload


def contact_mapping(read: dict[str, Any], **kw: Any) -> CompiledMapping:
    """A crm.contact mapping with `remote_id: id` unless the test gives its own."""
    return compile_mapping(
        "crm.contact", provider="acme", resource="contacts", read={"remote_id": "id", **read}, **kw
    )
