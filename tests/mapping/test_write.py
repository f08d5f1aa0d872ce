"""Writing: unified fields to a vendor body, only the fields given, errors per record."""

from __future__ import annotations

from typing import Any

import pytest

from interlink.errors import MappingError
from interlink.mapping import compile_mapping
from interlink.models import Contact

from .conftest import contact_mapping

WRITE: dict[str, Any] = {
    "properties.firstname": "first_name",
    "properties.lastname": "last_name",
    "properties.fullname": {"path": ["first_name", "last_name"], "transform": "join"},
    "properties.email": {"path": "email_addresses", "transform": "primary_email"},
    "properties.stage": {
        "path": "lifecycle_stage",
        "transform": {"enum": {"LEAD": "lead"}, "default": "other"},
    },
    "properties.modified": {"path": "modified_at", "transform": {"format_datetime": "unix_ms"}},
    "properties.city": "addresses[0].city",
    "source": {"const": "interlink"},
}
MAPPING = contact_mapping({}, write=WRITE)


@pytest.mark.parametrize(
    ("given", "body"),
    [
        ({}, {"source": "interlink"}),
        ({"first_name": "Ada"}, {"properties": {"firstname": "Ada"}, "source": "interlink"}),
        ({"first_name": None}, {"properties": {"firstname": None}, "source": "interlink"}),
        (
            {"first_name": "Ada", "last_name": "Lovelace"},
            {
                "properties": {
                    "firstname": "Ada",
                    "lastname": "Lovelace",
                    "fullname": "Ada Lovelace",
                },
                "source": "interlink",
            },
        ),
        ({"lifecycle_stage": "LEAD"}, {"properties": {"stage": "lead"}, "source": "interlink"}),
        (
            {"lifecycle_stage": "CUSTOMER"},
            {"properties": {"stage": "other"}, "source": "interlink"},
        ),
        (
            {"modified_at": "2023-11-14T22:13:20Z"},
            {"properties": {"modified": 1_700_000_000_000}, "source": "interlink"},
        ),
        (
            {"addresses": [{"city": "London"}]},
            {"properties": {"city": "London"}, "source": "interlink"},
        ),
        ({"email_addresses": []}, {"properties": {"email": None}, "source": "interlink"}),
    ],
)
def test_write_sends_exactly_the_fields_given(given: dict[str, Any], body: dict[str, Any]) -> None:
    """A rule runs only when all the fields it reads are given; null is sent to clear a value."""
    assert MAPPING.write(given) == body


def test_a_model_instance_writes_the_fields_set_on_it() -> None:
    """A Contact built with some fields contributes only those (exclude_unset)."""
    contact = Contact(id="i", remote_id="1", provider="p", connection_id="c", first_name="Ada")
    assert MAPPING.write(contact)["properties"] == {"firstname": "Ada"}


def test_a_value_the_write_cannot_handle_is_a_mapping_error() -> None:
    """A bad unified value names the vendor field, the record and its type."""
    with pytest.raises(MappingError) as caught:
        MAPPING.write({"modified_at": "whenever"}, connection_id="c", remote_id="9")
    error = caught.value
    assert (error.field, error.remote_id, error.value_type) == ("properties.modified", "9", "str")


def test_a_resource_without_write_declaration_refuses_to_write() -> None:
    """Without `write:`, write raises instead of sending an empty body."""
    read_only = compile_mapping("crm.contact", provider="p", resource="r", read={"remote_id": "id"})
    assert not read_only.can_write
    with pytest.raises(MappingError, match="no write mapping"):
        read_only.write({"first_name": "Ada"})
