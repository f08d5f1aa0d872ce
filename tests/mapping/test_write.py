"""Writing: unified fields to a vendor body, only the fields given, errors per record."""

from __future__ import annotations

import re
from typing import Any

import pytest

from interlink.errors import ConfigError, MappingError
from interlink.mapping import InvalidWriteError, compile_mapping
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
    "properties.active": {"path": "last_activity_at", "transform": {"format_datetime": "unix_ms"}},
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
            {"last_activity_at": "2023-11-14T22:13:20Z"},
            {"properties": {"active": 1_700_000_000_000}, "source": "interlink"},
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
    """A valid unified value a write transform cannot map names the vendor field and record."""
    partial = contact_mapping(
        {},
        write={
            "properties.stage": {"path": "lifecycle_stage", "transform": {"enum": {"LEAD": "lead"}}}
        },
    )
    with pytest.raises(MappingError) as caught:
        partial.write({"lifecycle_stage": "CUSTOMER"}, connection_id="c", remote_id="9")
    error = caught.value
    assert (error.field, error.remote_id) == ("properties.stage", "9")


def test_a_resource_without_write_declaration_refuses_to_write() -> None:
    """Without `write:`, write raises instead of sending an empty body."""
    read_only = compile_mapping("crm.contact", provider="p", resource="r", read={"remote_id": "id"})
    assert not read_only.can_write
    with pytest.raises(InvalidWriteError, match="no write mapping"):
        read_only.write({"first_name": "Ada"})


@pytest.mark.parametrize(
    ("values", "field", "problem"),
    [
        ({"fist_name": "Ada"}, "fist_name", "did you mean 'first_name'"),
        ({"first_name": "A", "fist_name": "B"}, "fist_name", "has no field 'fist_name'"),
        ({"remote_id": "9"}, "remote_id", "set by Interlink or the vendor"),
        ({"custom_fields": {"x": 1}}, "custom_fields", "set by Interlink or the vendor"),
        ({"modified_at": "2024-01-01T00:00:00Z"}, "modified_at", "never written"),
        ({"title": "CEO"}, "title", "acme cannot write it"),
        ({"first_name": 42}, "first_name", "valid string (got int)"),
        ({"lifecycle_stage": "NOPE"}, "lifecycle_stage", "(got str)"),
        ({"addresses": [{"city": 7}]}, "addresses.0.city", "valid string (got int)"),
    ],
)
def test_a_bad_write_is_refused_naming_provider_resource_and_field(
    values: dict[str, Any], field: str, problem: str
) -> None:
    """Unknown, read-only, unwritable or mistyped fields are an InvalidWriteError (a
    ConfigError and ValueError) naming provider.resource.field, before a body is built."""
    with pytest.raises(InvalidWriteError, match=re.escape(problem)) as caught:
        MAPPING.write(values)
    error = caught.value
    assert isinstance(error, ConfigError)
    assert isinstance(error, ValueError)
    assert (error.provider, error.resource, error.field) == ("acme", "contacts", field)
    assert error.where == f"acme.contacts.{field}"


def test_a_model_instance_leaves_its_provenance_out_of_the_write() -> None:
    """Read-only fields set on an instance describe the record; only the others are checked."""
    contact = Contact(
        id="i", remote_id="1", provider="p", connection_id="c", first_name="Ada", title="CEO"
    )
    with pytest.raises(InvalidWriteError, match=r"acme\.contacts\.title"):
        MAPPING.write(contact)


def test_values_that_are_not_a_mapping_are_refused() -> None:
    """A list (or anything not a mapping or model instance) names its type."""
    with pytest.raises(InvalidWriteError, match="not list"):
        MAPPING.write([("first_name", "Ada")])  # type: ignore[arg-type]
