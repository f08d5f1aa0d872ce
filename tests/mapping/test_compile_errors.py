"""A broken declaration fails at compile time, naming the path inside it and the problem."""

from __future__ import annotations

from typing import Any

import pytest

from interlink.errors import ConfigError
from interlink.mapping import MappingConfigError, compile_mapping

HUBSPOT_READ = {"remote_id": "id", "first_name": "properties.firstname"}

CASES: list[tuple[dict[str, Any], str, str]] = [
    (
        {"read": {"remote_id": "id", "fist_name": "x"}},
        "resources.contacts.read.fist_name",
        "did you mean 'first_name'",
    ),
    ({"read": {"first_name": "x"}}, "resources.contacts.read.remote_id", "is required"),
    (
        {"read": {"remote_id": "id", "provider": "x"}},
        "resources.contacts.read.provider",
        "filled by Interlink",
    ),
    (
        {"read": {"remote_id": "id", "email_addresses[].email_address": "x"}},
        "resources.contacts.read.email_addresses[].email_address",
        "no field",
    ),
    (
        {"read": {"remote_id": "id", "first_name": {"path": "x", "transform": "datetme"}}},
        "resources.contacts.read.first_name.transform",
        "did you mean 'datetime'",
    ),
    (
        {"read": {"remote_id": "id", "first_name": {"path": "x", "transform": ["strip", "nope"]}}},
        "resources.contacts.read.first_name.transform[1]",
        "unknown transform 'nope'",
    ),
    (
        {"read": {"remote_id": "id", "first_name": {"path": "x", "transform": {"strip": 1}}}},
        "resources.contacts.read.first_name.transform",
        "takes no parameter",
    ),
    (
        {"read": {"remote_id": "id", "name": {"expr": "join(' ', [a, b"}}},
        "resources.contacts.read.name.expr",
        "bad JMESPath expression",
    ),
    (
        {"read": {"remote_id": "id", "name": {"path": "a..b"}}},
        "resources.contacts.read.name.path",
        "bad path syntax",
    ),
    (
        {"read": {"remote_id": "id", "name": {"path": "a", "expr": "b"}}},
        "resources.contacts.read.name",
        "exactly one of",
    ),
    (
        {"read": {"remote_id": "id", "name": {"paht": "a"}}},
        "resources.contacts.read.name.paht",
        "did you mean 'path'",
    ),
    (
        {"read": {"remote_id": "id", "name": {"path": "a", "required": "yes"}}},
        "resources.contacts.read.name.required",
        "true or false",
    ),
    (
        {
            "read": {
                "remote_id": "id",
                "lifecycle_stage": {"path": "s", "transform": {"enum": {"lead": "LEED"}}},
            }
        },
        "resources.contacts.read.lifecycle_stage.transform.enum.lead",
        "'LEED' is not a LifecycleStage value",
    ),
    (
        {
            "read": {
                "remote_id": "id",
                "lifecycle_stage": {
                    "path": "s",
                    "transform": {"enum": {"lead": "LEAD"}, "default": "NOPE"},
                },
            }
        },
        "resources.contacts.read.lifecycle_stage.transform.default",
        "not a LifecycleStage value",
    ),
    (
        {"read": {"remote_id": "id", "lifecycle_stage": {"path": "s", "transform": {"enum": {}}}}},
        "resources.contacts.read.lifecycle_stage.transform.enum",
        "non-empty mapping",
    ),
    (
        {
            "read": {
                "remote_id": "id",
                "lifecycle_stage": {"path": "s", "transform": {"enum": {"a": "LEAD"}, "other": 1}},
            }
        },
        "resources.contacts.read.lifecycle_stage.transform",
        "only 'enum' and 'default'",
    ),
    (
        {"read": {"remote_id": "id", "lifecycle_stage": {"path": "s", "default": "NOPE"}}},
        "resources.contacts.read.lifecycle_stage.default",
        "not a LifecycleStage value",
    ),
    (
        {
            "read": {
                "remote_id": "id",
                "email_addresses": {"path": "e", "transform": {"single_email": "HOME"}},
            }
        },
        "resources.contacts.read.email_addresses.transform",
        "not a EmailAddressType",
    ),
    (
        {
            "read": {
                "remote_id": "id",
                "phone_numbers": {
                    "path": "p",
                    "transform": {"phone_list": {"types": {"cell": "CELL"}}},
                },
            }
        },
        "resources.contacts.read.phone_numbers.transform.types.cell",
        "not a PhoneNumberType",
    ),
    (
        {
            "read": {
                "remote_id": "id",
                "created_at": {"path": "c", "transform": {"datetime": {"unit": "us"}}},
            }
        },
        "resources.contacts.read.created_at.transform.unit",
        "'s' or 'ms'",
    ),
    (
        {
            "read": {
                "remote_id": "id",
                "created_at": {
                    "path": "c",
                    "transform": {"datetime": {"timezone": "Mars/Olympus"}},
                },
            }
        },
        "resources.contacts.read.created_at.transform.timezone",
        "unknown IANA time zone",
    ),
    (
        {
            "read": {
                "remote_id": "id",
                "created_at": {"path": "c", "transform": {"datetime": {"fmt": "%Y"}}},
            }
        },
        "resources.contacts.read.created_at.transform.fmt",
        "unknown parameter",
    ),
    (
        {
            "read": {
                "remote_id": "id",
                "first_name": {"path": "n", "transform": {"split_name": "middle"}},
            }
        },
        "resources.contacts.read.first_name.transform",
        "'first' or 'last'",
    ),
    (
        {"read": {"remote_id": "id", "addresses": {"list": [{"object": {"ctiy": "c"}}]}}},
        "resources.contacts.read.addresses.list[0].object.ctiy",
        "did you mean 'city'",
    ),
    (
        {"read": {"remote_id": "id", "addresses": {"object": {"city": "c"}}}},
        "resources.contacts.read.addresses.object",
        "does not hold objects",
    ),
    (
        {"read": {"remote_id": "id", "first_name": {"list": ["a"]}}},
        "resources.contacts.read.first_name.list",
        "not a list field",
    ),
    (
        {"read": {"remote_id": "id"}, "custom_fields": {"from": "properties", "keys": "("}},
        "resources.contacts.custom_fields.keys",
        "bad regular expression",
    ),
    (
        {"read": {"remote_id": "id"}, "custom_fields": {"keys": "x"}},
        "resources.contacts.custom_fields.from",
        "is required",
    ),
    (
        {"read": {"remote_id": "id"}, "custom_fields": [{"from": "$", "exlude": []}]},
        "resources.contacts.custom_fields[0].exlude",
        "did you mean 'exclude'",
    ),
    (
        {"read": HUBSPOT_READ, "write": {"properties.firstname": "fist_name"}},
        "resources.contacts.write.properties.firstname",
        "did you mean 'first_name'",
    ),
    (
        {"read": HUBSPOT_READ, "write": {"items[0].name": "first_name"}},
        "resources.contacts.write.items[0].name",
        "without indexes",
    ),
    (
        {"read": HUBSPOT_READ, "write": {"properties": "first_name", "properties.x": "last_name"}},
        "resources.contacts.write.properties.x",
        "clashes",
    ),
    (
        {
            "read": HUBSPOT_READ,
            "write": {
                "p.stage": {"path": "lifecycle_stage", "transform": {"enum": {"LEED": "lead"}}}
            },
        },
        "resources.contacts.write.p.stage.transform.enum.LEED",
        "not a LifecycleStage value",
    ),
    (
        {
            "read": HUBSPOT_READ,
            "write": {"p.when": {"path": "modified_at", "transform": {"format_datetime": "rfc"}}},
        },
        "resources.contacts.write.p.when.transform",
        "format_datetime needs",
    ),
]


@pytest.mark.parametrize(("declaration", "where", "problem"), CASES)
def test_bad_declaration_is_a_config_error_naming_the_place(
    declaration: dict[str, Any], where: str, problem: str
) -> None:
    """compile_mapping raises ConfigError(where, problem) before any record is seen."""
    with pytest.raises(ConfigError) as caught:
        compile_mapping("crm.contact", provider="acme", resource="contacts", **declaration)
    assert caught.value.where == where
    assert problem in caught.value.problem


def test_unknown_model_names_the_model_key() -> None:
    """A resource naming an unknown model fails at `<where>.model`."""
    with pytest.raises(ConfigError) as caught:
        compile_mapping("crm.contacts", provider="acme", resource="contacts", read=HUBSPOT_READ)
    assert caught.value.where == "resources.contacts.model"


def test_where_prefix_is_the_callers() -> None:
    """The spec loader passes its own prefix; errors are then placed inside its file."""
    with pytest.raises(ConfigError) as caught:
        compile_mapping(
            "crm.contact", provider="acme", resource="people", read={"x": "y", "remote_id": "id"},
            where="resources.people",
        )  # fmt: skip
    assert caught.value.where == "resources.people.read.x"


def test_every_problem_of_a_declaration_is_reported_at_once() -> None:
    """Read rules, custom fields and write rules are all checked: one MappingConfigError lists
    each problem with its place; it is a ConfigError at the first one."""
    with pytest.raises(MappingConfigError) as caught:
        compile_mapping(
            "crm.contact",
            provider="acme",
            resource="contacts",
            read={"fist_name": "a", "title": {"path": "t", "transform": "nope"}},
            custom_fields=[{"from": "x"}, {"from": "y", "keys": "("}],
            write={"x": "nofield", "y": "first_name"},
        )
    error = caught.value
    assert isinstance(error, ConfigError)
    assert [p.where for p in error.problems] == [
        "resources.contacts.read.fist_name",
        "resources.contacts.read.title.transform",
        "resources.contacts.read.remote_id",
        "resources.contacts.custom_fields[1].keys",
        "resources.contacts.write.x",
    ]
    assert error.where == "resources.contacts.read.fist_name"
    assert str(error).count("\n") == 4
