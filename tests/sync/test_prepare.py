"""`prepare` serialises each record once: the text it hands the store is the text it hashed."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from interlink.models import Contact, record_id
from interlink.sync import content_hash
from interlink.sync._hashing import prepare


def _contact() -> Contact:
    return Contact.model_validate(
        {
            "id": record_id("conn-1", "crm.contact", "7"),
            "remote_id": "7",
            "provider": "hubspot",
            "connection_id": "conn-1",
            "first_name": "Zoë",
            "modified_at": datetime(2026, 1, 2, tzinfo=UTC),
            "remote_data": {"z": 1, "a": {"y": "é", "b": None}},
        }
    )


def test_prepared_hash_is_the_content_hash_of_data_and_remote_data() -> None:
    """The hash from the once-serialised text equals content_hash(data, remote_data)."""
    prepared = prepare(_contact())
    assert prepared.content_hash == content_hash(prepared.data, prepared.remote_data)


def test_prepared_json_is_the_data_and_remote_data_it_stands_for() -> None:
    """data_json / remote_json parse back to data / remote_data (what SQLite stores)."""
    prepared = prepare(_contact())
    assert prepared.data_json is not None
    assert prepared.remote_json is not None
    assert orjson.loads(prepared.data_json) == prepared.data
    assert orjson.loads(prepared.remote_json) == prepared.remote_data


def test_prepared_data_is_the_models_json_dump_without_remote_data() -> None:
    """data is what model_dump(mode="json") gives, less remote_data (kept apart)."""
    contact = _contact()
    prepared = prepare(contact)
    assert prepared.data == contact.model_dump(mode="json", exclude={"remote_data"})
    assert prepared.remote_data is contact.remote_data
