"""Schema drift: new, missing and retyped vendor fields, counted per take; strict mode refuses."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from tests.mapping.conftest import vendor_mapping, vendor_payload

from interlink.errors import MappingError
from interlink.mapping import DriftFinding


def _hubspot(**properties: Any) -> dict[str, Any]:
    record = copy.deepcopy(vendor_payload("hubspot"))
    record["properties"].update(properties)
    return record


def test_records_like_the_first_one_report_nothing() -> None:
    """The first record is the baseline; records of the same shape add no finding."""
    detector = vendor_mapping("hubspot").drift_detector()
    detector.observe([_hubspot(), _hubspot(firstname="Grace"), _hubspot(phone=None)])
    assert detector.take() == []


def test_a_new_field_is_reported_with_its_type_and_record_count() -> None:
    """A property the baseline lacked is new_field, with its JSON type and how many records
    carried it; nothing of its value."""
    detector = vendor_mapping("hubspot").drift_detector()
    detector.observe([_hubspot()])
    detector.observe([_hubspot(loyalty_tier="gold"), _hubspot(loyalty_tier="silver"), _hubspot()])
    assert detector.take() == [
        DriftFinding("new_field", "properties.loyalty_tier", "string", count=2)
    ]


def test_a_field_the_mapping_reads_that_disappears_is_missing() -> None:
    """A property the mapping reads, present in the baseline, then absent, is missing_field."""
    detector = vendor_mapping("hubspot").drift_detector()
    gone = _hubspot()
    del gone["properties"]["jobtitle"]
    detector.observe([_hubspot(), gone])
    assert detector.take() == [
        DriftFinding("missing_field", "properties.jobtitle", "expected string", count=1)
    ]


def test_a_changed_type_names_both_types_and_null_is_not_a_change() -> None:
    """string -> number is type_changed; a null value, or an int where a float was, is not."""
    detector = vendor_mapping("hubspot").drift_detector()
    detector.observe([_hubspot(), _hubspot(phone=None), _hubspot(phone=4915112345)])
    assert detector.take() == [
        DriftFinding("type_changed", "properties.phone", "string -> number", count=1)
    ]


def test_take_returns_findings_since_the_last_take_only() -> None:
    """Counts restart after a take; a drift seen again is counted again."""
    detector = vendor_mapping("hubspot").drift_detector()
    detector.observe([_hubspot(), _hubspot(extra=1)])
    assert [f.count for f in detector.take()] == [1]
    assert detector.take() == []
    detector.observe([_hubspot(extra=1)] * 3)
    assert [(f.field, f.count) for f in detector.take()] == [("properties.extra", 3)]


def test_a_saved_profile_is_the_baseline_of_the_next_run() -> None:
    """profile() resumes: a new detector with it reports drift from the first record on."""
    mapping = vendor_mapping("hubspot")
    first = mapping.drift_detector()
    first.observe([_hubspot()])
    resumed = mapping.drift_detector(profile=first.profile())
    resumed.observe([_hubspot(extra=True)])
    assert resumed.take() == [DriftFinding("new_field", "properties.extra", "boolean")]


def test_a_missing_parent_object_does_not_report_its_children() -> None:
    """A record whose `properties` is null reports nothing under it: that is not drift of a
    field but a record the mapping reads as empty."""
    detector = vendor_mapping("hubspot").drift_detector()
    empty = _hubspot()
    empty["properties"] = None
    detector.observe([_hubspot(), empty])
    assert detector.take() == []


def test_non_objects_are_left_to_the_mapping() -> None:
    """A record that is not an object is skipped: the mapping reports it as a MappingError."""
    detector = vendor_mapping("hubspot").drift_detector()
    detector.observe([_hubspot(), "oops", None])
    assert detector.take() == []


def test_every_vendor_fixture_is_its_own_baseline() -> None:
    """Each CRM's fixture record, observed twice, is drift-free (paths in lists included)."""
    for vendor in ("hubspot", "salesforce", "pipedrive", "zoho"):
        detector = vendor_mapping(vendor).drift_detector()
        detector.observe([vendor_payload(vendor), vendor_payload(vendor)])
        assert detector.take() == [], vendor


def test_strict_mapping_raises_naming_the_field_and_type_never_the_value() -> None:
    """A strict copy maps the baseline, then refuses a retyped record with a MappingError
    naming record, field and types; the original mapping stays permissive."""
    mapping = vendor_mapping("hubspot")
    strict = mapping.strict_copy()
    assert strict.strict
    assert not mapping.strict
    strict.read(_hubspot(), "conn-1")
    with pytest.raises(MappingError) as raised:
        strict.read(_hubspot(phone=4915112345), "conn-1")
    error = raised.value
    assert error.field == "properties.phone"
    assert error.remote_id == vendor_payload("hubspot")["id"]
    assert "string -> number" in str(error)
    assert "4915112345" not in str(error)
    assert mapping.read(_hubspot(extra=1), "conn-1")["remote_id"]  # permissive: maps it


def test_strict_mapping_refuses_an_undeclared_field_but_not_a_declared_custom_one() -> None:
    """Strict mode fails loudly on a field the mapping does not declare (Fax), while one its
    custom-field pattern declares (Fax__c) is mapped."""
    strict = vendor_mapping("salesforce").strict_copy()
    strict.read(vendor_payload("salesforce"), "conn-1")
    custom = strict.read({**vendor_payload("salesforce"), "Fax__c": "0"}, "conn-1")
    assert custom["custom_fields"]["Fax__c"] == "0"
    with pytest.raises(MappingError, match="neither reads") as raised:
        strict.read({**vendor_payload("salesforce"), "Fax": "0"}, "conn-1")
    assert raised.value.field == "Fax"


def test_many_shapes_are_checked_correctly_past_the_signature_cache() -> None:
    """More distinct record shapes than the cache holds still report every drifting record."""
    detector = vendor_mapping("hubspot").drift_detector()
    detector.observe([_hubspot()])
    detector.observe([_hubspot(**{f"p{i}": i}) for i in range(5000)])
    findings = detector.take()
    assert len(findings) == 5000
    assert all(f.kind == "new_field" for f in findings)
