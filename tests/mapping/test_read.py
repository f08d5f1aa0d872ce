"""Reading: paths, expressions, constants, objects, lists, nulls, defaults and per-record errors."""

from __future__ import annotations

from typing import Any

import pytest

from interlink.errors import InterlinkError, MappingError, UpstreamError
from interlink.models import Contact

from .conftest import contact_mapping

RECORD = {
    "id": 7,
    "props": {"first": "Ada", "last": "Lovelace", "dotted.key": "d", "tags": "a;b"},
    "emails": [{"value": "a@x", "primary": True}],
    "items": [{"name": "first"}, {"name": "second"}],
}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("props.first", "Ada"),
        ("items[1].name", "second"),
        ("items.0.name", "first"),
        ("items[5].name", None),
        ("""props["dotted.key"]""", "d"),
        ("props.missing", None),
        ("props.first.deeper", None),
        ("nothing.at.all", None),
        ({"path": ["props.first", "props.last"], "transform": {"join": "-"}}, "Ada-Lovelace"),
        ({"expr": "emails[?primary].value | [0]"}, "a@x"),
        ({"expr": "props.missing"}, None),
        ({"const": "fixed"}, "fixed"),
        ({"path": "props.missing", "default": "fallback"}, "fallback"),
        ({"path": "props.first", "default": "fallback"}, "Ada"),
    ],
)
def test_read_rule_sources(rule: Any, expected: Any) -> None:
    """Every source kind reads the documented value; an absent path step is null, not an error."""
    assert contact_mapping({"title": rule}).read(RECORD, "c")["title"] == expected


def test_remote_id_is_always_a_string() -> None:
    """An integer vendor id becomes a string remote_id, and the id derives from it."""
    record = contact_mapping({}).read(RECORD, "c")
    assert record["remote_id"] == "7"


def test_unmapped_fields_take_the_model_empty_value() -> None:
    """Every model field is in the output: unmapped lists are [], flags False, others null."""
    record = contact_mapping({}).read(RECORD, "c")
    assert set(record) == set(Contact.model_fields)
    assert record["email_addresses"] == []
    assert record["remote_was_deleted"] is False
    assert record["first_name"] is None


def test_a_null_list_field_is_empty_not_null() -> None:
    """A mapped list the vendor left null reads [] (the model's empty value)."""
    record = contact_mapping({"email_addresses": "props.none"}).read(RECORD, "c")
    assert record["email_addresses"] == []


def test_objects_are_whole_and_null_when_nothing_was_read() -> None:
    """An object fills unmapped parts; it is null (left out of a list) when all reads are null."""
    mapping = contact_mapping(
        {
            "addresses": {
                "list": [
                    {"object": {"city": "props.first", "address_type": {"const": "MAILING"}}},
                    {"object": {"city": "props.none", "address_type": {"const": "OTHER"}}},
                ]
            }
        }
    )
    (address,) = mapping.read(RECORD, "c")["addresses"]
    assert address == {
        "city": "Ada",
        "address_type": "MAILING",
        "street_1": None,
        "street_2": None,
        "state": None,
        "postal_code": None,
        "country": None,
    }


def test_constants_are_never_shared_between_records() -> None:
    """A list constant is copied per record, so changing one output cannot change another."""
    mapping = contact_mapping({"email_addresses": {"const": []}})
    first = mapping.read(RECORD, "c")
    first["email_addresses"].append("x")
    assert mapping.read(RECORD, "c")["email_addresses"] == []


def test_the_mapping_is_generated_python() -> None:
    """The compiled read is one generated function whose source can be inspected."""
    mapping = contact_mapping({"first_name": "props.first"})
    assert mapping.read_source.startswith("def read(rec, connection_id):")
    assert "'first'" in mapping.read_source


FAILURES: list[tuple[dict[str, Any], Any, str, str]] = [
    (
        {"created_at": {"path": "when", "transform": "datetime"}},
        {"id": 1, "when": "soon"},
        "created_at",
        "str",
    ),
    ({"first_name": {"path": "n", "required": True}}, {"id": 1}, "first_name", "null"),
    (
        {"lifecycle_stage": {"path": "s", "transform": {"enum": {"lead": "LEAD"}}}},
        {"id": 1, "s": "vip"},
        "lifecycle_stage",
        "str",
    ),
    ({"title": {"path": "t", "transform": "int"}}, {"id": 1, "t": [1]}, "title", "list"),
    ({"name": {"expr": "join(' ', [a, b])"}}, {"id": 1, "a": "x", "b": 5}, "name", "int"),
    (
        {"addresses": {"list": [{"object": {"city": {"path": "c", "transform": "strip"}}}]}},
        {"id": 1, "c": 3},
        "addresses[].city",
        "int",
    ),
    ({}, {"id": {"nested": True}}, "remote_id", "dict"),
    ({}, {"no_id": 1}, "remote_id", "null"),
]


@pytest.mark.parametrize(("read", "record", "field", "value_type"), FAILURES)
def test_a_record_the_mapping_cannot_handle_is_a_mapping_error(
    read: dict[str, Any], record: Any, field: str, value_type: str
) -> None:
    """Bad dates, missing required fields, unmapped enum values, bad types: never silently null."""
    with pytest.raises(MappingError) as caught:
        contact_mapping(read).read(record, "conn-9")
    error = caught.value
    assert (error.field, error.value_type) == (field, value_type)
    assert (error.provider, error.resource, error.connection_id) == ("acme", "contacts", "conn-9")


def test_mapping_error_names_the_record_but_never_the_value() -> None:
    """The message has provider, resource, remote id, connection, field and type; not the data."""
    mapping = contact_mapping({"created_at": {"path": "when", "transform": "datetime"}})
    with pytest.raises(MappingError) as caught:
        mapping.read({"id": "42", "when": "secret-ish value"}, "conn-9")
    message = str(caught.value)
    assert "acme.contacts record 42 of connection conn-9" in message
    assert "'created_at'" in message
    assert "(got str)" in message
    assert "secret-ish" not in message


def test_a_record_that_is_not_an_object_is_a_mapping_error() -> None:
    """A list or string where a record was due is reported, not crashed on."""
    with pytest.raises(MappingError, match="must be a JSON object"):
        contact_mapping({}).read(["not", "a", "record"], "c")


def test_batches_keep_the_good_records_and_collect_the_bad() -> None:
    """read_batch maps what it can and returns one error per failing record, in order."""
    mapping = contact_mapping({"created_at": {"path": "when", "transform": "datetime"}})
    records = [
        {"id": 1, "when": 0},
        {"id": 2, "when": "x"},
        {"id": 3},
        "junk",
        {"id": 5, "when": "y"},
    ]
    batch = mapping.read_batch(records, "c")
    assert [r["remote_id"] for r in batch.records] == ["1", "3"]
    assert [e.remote_id for e in batch.errors] == ["2", None, "5"]


def test_read_models_validates_and_reports_what_does_not_fit() -> None:
    """read_models returns model instances; a value the model refuses is a MappingError too."""
    mapping = contact_mapping({"first_name": "name"})
    batch = mapping.read_models([{"id": 1, "name": "Ada"}, {"id": 2, "name": 42}], "c")
    assert [type(r) for r in batch.records] == [Contact]
    (error,) = batch.errors
    assert (error.field, error.value_type, error.remote_id) == ("first_name", "int", "2")


def test_mapping_error_is_its_own_branch_of_the_tree() -> None:
    """Skip-the-record errors are InterlinkErrors, not upstream call failures, and not retryable."""
    assert issubclass(MappingError, InterlinkError)
    assert not issubclass(MappingError, UpstreamError)
    assert not MappingError.retryable


def test_mapping_error_renders_problem_details() -> None:
    """to_problem gives RFC 9457 fields plus where the record failed."""
    error = MappingError(
        "bad", provider="p", resource="r", remote_id="1", field="f", value_type="str"
    )
    problem = error.to_problem()
    assert problem["type"].endswith("/mapping-failed")
    assert (problem["status"], problem["field"], problem["retryable"]) == (502, "f", False)
