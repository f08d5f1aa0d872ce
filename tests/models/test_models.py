"""Unified models: registry, identity, times, validation, schemas and field paths."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pydantic
import pytest

from interlink.errors import ConfigError
from interlink.models import (
    MODELS,
    PROVENANCE_FIELDS,
    RECORD_NAMESPACE,
    Contact,
    LifecycleStage,
    Ticket,
    TicketStatus,
    UnifiedRecord,
    field_shapes,
    model_fields,
    model_for,
    record_id,
)

EXPECTED_MODELS = {
    "crm.contact", "crm.company", "crm.deal", "hris.employee", "ticketing.ticket",
    "ticketing.user", "commerce.customer", "commerce.order", "accounting.invoice",
    "chat.user", "files.file",
}  # fmt: skip
PROVENANCE: dict[str, Any] = {
    "id": "00000000-0000-5000-8000-000000000000",
    "remote_id": "1",
    "provider": "hubspot",
    "connection_id": "conn-1",
}


def test_registry_holds_exactly_the_issue_4_models() -> None:
    """MODELS names every model of issue 4, each under its own model_name, at version 1.0."""
    assert set(MODELS) == EXPECTED_MODELS
    for name, model in MODELS.items():
        assert model.model_name == name
        assert model.model_version == "1.0"
        assert issubclass(model, UnifiedRecord)


def test_model_for_returns_the_class() -> None:
    """model_for resolves a name to its class."""
    assert model_for("crm.contact") is Contact


def test_model_for_unknown_name_suggests_and_lists_known_models() -> None:
    """An unknown model is a ConfigError at `where`, with a did-you-mean and the known names."""
    with pytest.raises(ConfigError) as caught:
        model_for("crm.contacts", where="resources.contacts.model")
    assert caught.value.where == "resources.contacts.model"
    assert "did you mean 'crm.contact'" in caught.value.problem
    assert "ticketing.ticket" in caught.value.problem


@pytest.mark.parametrize("name", sorted(EXPECTED_MODELS))
def test_every_model_publishes_a_json_schema_with_field_docs(name: str) -> None:
    """model_json_schema works (OpenAPI will publish it) and carries the field docstrings."""
    schema = MODELS[name].model_json_schema()
    assert schema["properties"]["remote_id"]["description"].startswith("The vendor's id")
    assert set(schema["required"]) == {"id", "remote_id", "provider", "connection_id"}


@pytest.mark.parametrize("name", sorted(EXPECTED_MODELS))
def test_every_model_validates_a_minimal_record_with_empty_defaults(name: str) -> None:
    """Only provenance is required; lists default to [], flags to False, dicts to {}."""
    record = MODELS[name].model_validate(PROVENANCE)
    assert record.remote_was_deleted is False
    assert record.custom_fields == {}
    assert record.created_at is None


def test_unknown_fields_are_refused() -> None:
    """A typo in a mapped dict fails validation instead of vanishing."""
    with pytest.raises(pydantic.ValidationError, match="fist_name"):
        Contact.model_validate({**PROVENANCE, "fist_name": "Ada"})


def test_records_are_immutable() -> None:
    """A record is a value: assigning a field raises."""
    contact = Contact.model_validate(PROVENANCE)
    with pytest.raises(pydantic.ValidationError):
        contact.first_name = "Ada"  # type: ignore[misc]


def test_record_id_is_uuid5_of_connection_model_and_remote_id() -> None:
    """The id is deterministic and documented: uuid5(RECORD_NAMESPACE, 'conn/model/remote')."""
    expected = str(uuid.uuid5(RECORD_NAMESPACE, "conn-1/crm.contact/42"))
    assert record_id("conn-1", "crm.contact", "42") == expected
    assert uuid.UUID(expected).version == 5


@pytest.mark.parametrize(
    "other",
    [
        ("conn-2", "crm.contact", "42"),
        ("conn-1", "crm.company", "42"),
        ("conn-1", "crm.contact", "43"),
    ],
)
def test_record_id_differs_when_any_part_differs(other: tuple[str, str, str]) -> None:
    """Two connections, two models or two remote ids never share an id."""
    assert record_id(*other) != record_id("conn-1", "crm.contact", "42")


def test_times_are_normalised_to_utc() -> None:
    """An aware time in another zone is stored as the same instant in UTC."""
    paris = datetime(2024, 1, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    contact = Contact.model_validate({**PROVENANCE, "modified_at": paris})
    assert contact.modified_at == paris
    assert contact.modified_at is not None
    assert contact.modified_at.tzinfo is UTC


def test_naive_times_are_refused() -> None:
    """A naive datetime is ambiguous: validation fails rather than guessing a zone."""
    with pytest.raises(pydantic.ValidationError, match="timezone"):
        Contact.model_validate({**PROVENANCE, "created_at": datetime(2024, 1, 1)})


def test_json_output_is_iso_8601_utc() -> None:
    """Times serialise as ISO 8601 with Z, enums as their names."""
    contact = Contact.model_validate(
        {**PROVENANCE, "created_at": datetime(2024, 1, 1, tzinfo=UTC), "lifecycle_stage": "LEAD"}
    )
    dumped = contact.model_dump(mode="json")
    assert dumped["created_at"] == "2024-01-01T00:00:00Z"
    assert dumped["lifecycle_stage"] == "LEAD"


def test_ticket_status_is_the_four_documented_values() -> None:
    """Ticket status is small and fixed: OPEN, IN_PROGRESS, ON_HOLD, CLOSED."""
    assert {s.value for s in TicketStatus} == {"OPEN", "IN_PROGRESS", "ON_HOLD", "CLOSED"}
    with pytest.raises(pydantic.ValidationError):
        Ticket.model_validate({**PROVENANCE, "status": "pending"})


def test_model_fields_include_nested_paths() -> None:
    """Field paths name nested objects with dots and list items with []."""
    fields = model_fields("crm.contact")
    assert {"first_name", "email_addresses", "email_addresses[].email_address"} <= fields
    assert "billing_address.city" in model_fields("commerce.order")
    assert "line_items[].unit_price" in model_fields("accounting.invoice")
    assert fields >= PROVENANCE_FIELDS


def test_field_shapes_know_kinds_enums_and_defaults() -> None:
    """A shape tells a compiler what a path holds: kind, enum and the value when unmapped."""
    shapes = field_shapes("crm.contact")
    assert shapes["lifecycle_stage"].enum is LifecycleStage
    assert shapes["email_addresses"].kind == "object_list"
    assert shapes["email_addresses"].empty == []
    assert shapes["remote_was_deleted"].empty is False
    assert shapes["remote_id"].required
    assert shapes["email_addresses[].email_address_type"].enum is not None
