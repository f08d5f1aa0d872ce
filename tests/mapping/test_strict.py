"""Strict mode judges every record, the first one included, against the declaration."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from tests.connectors._simkit import builtin_spec
from tests.mapping.conftest import contact_mapping, vendor_payload

from interlink import ConfigError
from interlink.errors import MappingError
from interlink.mapping import CompiledMapping, compile_mapping


def _hubspot() -> CompiledMapping:
    return builtin_spec("hubspot").resources["contacts"].mapping


def _payload(**properties: Any) -> dict[str, Any]:
    record = copy.deepcopy(vendor_payload("hubspot"))
    record["properties"].pop("interlink_tier")  # the fixture's own custom property
    record["properties"].update(properties)
    return record


def test_an_unknown_property_in_the_first_record_is_refused() -> None:
    """An extra HubSpot property in the very first record fails strict mode, naming the
    field and record; the permissive mapping keeps it in custom_fields."""
    record = _payload(favourite_colour="teal")
    with pytest.raises(MappingError, match="neither reads, declares as a custom field") as caught:
        _hubspot().strict_copy().read(record, "conn-1")
    assert (caught.value.field, caught.value.remote_id) == ("properties.favourite_colour", "1001")
    assert _hubspot().read(record, "conn-1")["custom_fields"]["favourite_colour"] == "teal"


def test_a_wrong_type_in_the_first_record_is_refused() -> None:
    """createdAt as a number where the spec declares an ISO string fails strict mode at the
    first record (permissive reads it as a 1970 instant)."""
    record = {**_payload(), "createdAt": 12345}
    with pytest.raises(MappingError, match="expected string, got number") as caught:
        _hubspot().strict_copy().read(record, "conn-1")
    assert (caught.value.field, caught.value.value_type) == ("createdAt", "number")
    assert _hubspot().read(record, "conn-1")["created_at"].year == 1970


def test_what_the_spec_declares_passes_strict_mode() -> None:
    """Read fields, declared custom properties (website, hs_lead_status), excluded ones and
    the ignored archivedAt all pass; null passes any declared type."""
    record = {**_payload(website="example.test"), "archivedAt": "2024-01-01T00:00:00Z"}
    record["updatedAt"] = None
    mapped = _hubspot().strict_copy().read(record, "conn-1")
    assert mapped["custom_fields"] == {"website": "example.test", "hs_lead_status": "CONNECTED"}


def test_a_catch_all_on_an_object_of_its_own_declares_every_key() -> None:
    """Stripe's metadata is the customer's own: any key passes; an unknown top-level field
    does not."""
    customers = builtin_spec("stripe").resources["customers"].mapping.strict_copy()
    record = {"id": "cus_1", "object": "customer", "created": 1, "metadata": {"anything": "x"}}
    assert customers.read(record, "c")["custom_fields"] == {"anything": "x"}
    with pytest.raises(MappingError) as caught:
        customers.read({**record, "surprise": 1}, "c")
    assert caught.value.field == "surprise"


@pytest.mark.parametrize(
    ("value", "problem"),
    [("yes", "expected boolean, got string"), (1, "expected boolean, got number")],
)
def test_a_plain_path_into_a_typed_field_implies_its_json_type(value: Any, problem: str) -> None:
    """A rule without a transform filling a boolean field expects a JSON boolean: pydantic
    would coerce "yes" or 1, strict mode refuses them."""
    mapping = compile_mapping(
        "crm.company", provider="p", resource="r", read={"remote_id": "id", "name": "name"}
    )
    strict = contact_mapping({"remote_was_deleted": "gone"}).strict_copy()
    assert strict.read({"id": "1", "gone": False}, "c")["remote_was_deleted"] is False
    with pytest.raises(MappingError, match=problem):
        strict.read({"id": "2", "gone": value}, "c")
    with pytest.raises(MappingError, match="expected string, got number"):
        mapping.strict_copy().read({"id": "3", "name": 7}, "c")


def test_ignore_covers_a_path_and_everything_under_it() -> None:
    """`ignore: [owner]` accepts owner and its keys; the mapping still reads owner.id."""
    strict = contact_mapping(
        {"owner_id": {"path": "owner.id", "transform": "str"}}, ignore=["owner", "links"]
    ).strict_copy()
    record = {"id": "1", "owner": {"id": 5, "name": "N", "email": "e"}, "links": {"a": 1}}
    assert strict.read(record, "c")["owner_id"] == "5"


def test_fields_declare_the_expected_keys_of_a_catch_all_source() -> None:
    """A catch-all on the record keeps every key as before, but strict mode accepts only the
    listed (and excluded) ones."""
    declared = {"from": "$", "exclude": ["skip"], "fields": ["tier"]}
    mapping = contact_mapping({}, custom_fields=declared)
    record = {"id": "1", "tier": "gold", "skip": 1}
    assert mapping.strict_copy().read(record, "c")["custom_fields"] == {"tier": "gold"}
    assert mapping.read({**record, "other": 2}, "c")["custom_fields"] == {
        "tier": "gold",
        "other": 2,
    }
    with pytest.raises(MappingError) as caught:
        mapping.strict_copy().read({**record, "other": 2}, "c")
    assert caught.value.field == "other"


@pytest.mark.parametrize(
    ("read", "where", "problem"),
    [
        ({"first_name": {"expr": "a", "type": "string"}}, "first_name.type", "read path rules"),
        ({"first_name": {"path": "a", "type": "strng"}}, "first_name.type", "did you mean"),
    ],
)
def test_a_bad_type_declaration_is_a_config_error(
    read: dict[str, Any], where: str, problem: str
) -> None:
    """`type` is for read path rules and names a JSON type; anything else names its place."""
    with pytest.raises(ConfigError, match=problem) as caught:
        contact_mapping(read)
    assert caught.value.where == f"resources.contacts.read.{where}"


def test_type_on_a_write_rule_is_a_config_error() -> None:
    """A write rule reads unified fields: a vendor type there is refused, naming it."""
    with pytest.raises(ConfigError, match="read path rules only") as caught:
        contact_mapping({}, write={"first": {"path": "first_name", "type": "string"}})
    assert caught.value.where == "resources.contacts.write.first.type"


@pytest.mark.parametrize(
    ("kw", "where"),
    [
        ({"ignore": "owner"}, "resources.contacts.ignore"),
        ({"ignore": ["a..b"]}, "resources.contacts.ignore[0]"),
        (
            {"custom_fields": {"from": "$", "fields": "tier"}},
            "resources.contacts.custom_fields.fields",
        ),
    ],
)
def test_bad_strict_declarations_are_config_errors(kw: dict[str, Any], where: str) -> None:
    """`ignore` is a list of paths and `fields` a list of keys; each mistake names its place."""
    with pytest.raises(ConfigError) as caught:
        contact_mapping({}, **kw)
    assert caught.value.where == where
