"""Every named transform, table-driven: what it makes of a value, and what it refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from interlink.mapping import TRANSFORMS
from interlink.mapping._transform import Context, TransformError
from interlink.mapping._transforms import compile_transforms

READ = Context("t", "read")
T0 = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


def run(declaration: Any, value: Any, context: Context = READ) -> Any:
    """Apply a compiled chain as generated code does: null skips transforms not null-aware."""
    for transform in compile_transforms(declaration, context):
        if value is not None or transform.null_aware:
            value = transform.apply(value)
    return value


CASES: list[tuple[Any, Any, Any]] = [
    ("str", 42, "42"),
    ("str", True, "true"),
    ("str", Decimal("1.50"), "1.50"),
    ("int", "42", 42),
    ("int", " 7 ", 7),
    ("int", 3.0, 3),
    ("int", "12.0", 12),
    ("float", "2.5", 2.5),
    ("float", 2, 2.0),
    ("decimal", "19.99", Decimal("19.99")),
    ("minor_units", [1999, "jpy"], Decimal("1999")),  # more in test_money.py
    ("decimal", 0.1, Decimal("0.1")),
    ("bool", "yes", True),
    ("bool", "FALSE", False),
    ("bool", 1, True),
    ("not", True, False),
    ("not", "0", True),
    ("strip", "  Ada ", "Ada"),
    ("blank_as_null", "   ", None),
    ("blank_as_null", "x", "x"),
    ("datetime", "2023-11-14T22:13:20Z", T0),
    ("date", "2024-02-28", date(2024, 2, 28)),
    ("date", "2024-02-28T23:30:00-05:00", date(2024, 2, 28)),
    ("date", 1_700_000_000, date(2023, 11, 14)),
    ({"date": {"format": "%d/%m/%Y"}}, "28/02/2024", date(2024, 2, 28)),
    ({"format_datetime": "iso"}, T0, "2023-11-14T22:13:20Z"),
    ({"format_datetime": "iso_ms"}, T0, "2023-11-14T22:13:20.000Z"),
    ({"format_datetime": "unix"}, "2023-11-14T22:13:20Z", 1_700_000_000),
    ({"format_datetime": "unix_ms"}, T0, 1_700_000_000_000),
    ({"format_datetime": "date"}, T0, "2023-11-14"),
    ({"format_datetime": "datetime_space"}, T0, "2023-11-14 22:13:20"),
    ({"format_datetime": "%d/%m/%Y"}, date(2024, 2, 28), "28/02/2024"),
    ({"split_name": "first"}, "Ada King Lovelace", "Ada"),
    ({"split_name": "last"}, "Ada King Lovelace", "King Lovelace"),
    ({"split_name": "last"}, "Cher", None),
    ("join", ["Ada", None, "Lovelace"], "Ada Lovelace"),
    ("join", [None, ""], None),
    ({"join": ", "}, ["a", 1], "a, 1"),
    ({"split": ";"}, "vip; beta;;", ["vip", "beta"]),
    ({"split": ";"}, None, []),
    (
        "single_email",
        "ada@x.example",
        [{"email_address": "ada@x.example", "email_address_type": None, "is_primary": True}],
    ),
    ({"single_email": "WORK"}, "", []),
    (
        {"single_phone": "MOBILE"},
        "+1 555",
        [{"phone_number": "+1 555", "phone_number_type": "MOBILE", "is_primary": True}],
    ),
    ("single_phone", None, []),
    (
        "email_list",
        [
            {"label": "home", "value": "a@h", "primary": False},
            {"label": "work", "value": "a@w", "primary": True},
            {"value": ""},
        ],
        [
            {"email_address": "a@h", "email_address_type": "PERSONAL", "is_primary": False},
            {"email_address": "a@w", "email_address_type": "WORK", "is_primary": True},
        ],
    ),
    (
        {"phone_list": {"types": {"cell": "MOBILE"}}},
        [{"label": "cell", "value": "1", "primary": True}, {"label": "pager", "value": "2"}],
        [
            {"phone_number": "1", "phone_number_type": "MOBILE", "is_primary": True},
            {"phone_number": "2", "phone_number_type": "OTHER", "is_primary": False},
        ],
    ),
    ("phone_list", None, []),
    ("primary_email", [{"value": "a", "primary": False}, {"value": "b", "primary": True}], "b"),
    ("primary_email", [{"email_address": "a", "is_primary": True}], "a"),
    ("primary_phone", [{"phone_number": "1"}, {"phone_number": "2"}], "1"),
    ("primary_phone", ["+1 555"], "+1 555"),
    ("primary_email", [], None),
    ("primary_email", None, None),
    (
        "label_list",
        [{"phone_number": "1", "phone_number_type": "MOBILE", "is_primary": True}],
        [{"value": "1", "label": "mobile", "primary": True}],
    ),
    ({"enum": {"open": "OPEN", "1": "CLOSED"}}, "open", "OPEN"),
    ({"enum": {"open": "OPEN", "1": "CLOSED"}}, 1, "CLOSED"),
    ({"enum": {1: "CLOSED"}}, "1", "CLOSED"),
    ({"enum": {"open": "OPEN"}, "default": "ON_HOLD"}, "weird", "ON_HOLD"),
    ({"enum": {"open": "OPEN"}, "default": "ON_HOLD"}, None, None),
    (["strip", "int"], " 42 ", 42),
    (["blank_as_null", "int"], "", None),
]


@pytest.mark.parametrize(("declaration", "value", "expected"), CASES)
def test_transform_output(declaration: Any, value: Any, expected: Any) -> None:
    """Each transform turns a typical vendor value into the documented result."""
    assert run(declaration, value) == expected


def test_every_named_transform_has_a_case() -> None:
    """No transform ships without a table row above."""
    named = set()
    for declaration, _, _ in CASES:
        items = declaration if isinstance(declaration, list) else [declaration]
        named.update(i if isinstance(i, str) else next(iter(i)) for i in items)
    assert set(TRANSFORMS) <= named


REFUSED: list[tuple[Any, Any, str]] = [
    ("str", {"a": 1}, "dict"),
    ("int", "1.5", "str"),
    ("int", True, "bool"),
    ("int", "twelve", "str"),
    ("float", "nan", "str"),
    ("decimal", "Infinity", "str"),
    ("decimal", [1], "list"),
    ("bool", "maybe", "str"),
    ("bool", 2, "int"),
    ("strip", 5, "int"),
    ("datetime", "next tuesday", "str"),
    ("datetime", True, "bool"),
    ("datetime", 10**20, "int"),
    ({"datetime": {"format": "%d/%m/%Y"}}, "2024-02-28", "str"),
    ({"split_name": "first"}, 42, "int"),
    ("join", {"a": 1}, "dict"),
    ("join", ["a", {"b": 1}], "dict"),
    ({"split": ","}, 3, "int"),
    ("single_email", ["a@b"], "list"),
    ("email_list", "a@b", "str"),
    ("email_list", [3], "int"),
    ("primary_email", {"value": "a"}, "dict"),
    ("label_list", "x", "str"),
    ({"enum": {"open": "OPEN"}}, "closed", "str"),
]


@pytest.mark.parametrize(("declaration", "value", "value_type"), REFUSED)
def test_transform_refuses_with_the_value_type(
    declaration: Any, value: Any, value_type: str
) -> None:
    """A value a transform cannot handle raises, naming its type, never guessing or nulling."""
    with pytest.raises(TransformError) as caught:
        run(declaration, value)
    assert caught.value.value_type == value_type


DATES: list[tuple[Any, datetime]] = [
    (1_700_000_000, T0),  # unix seconds
    (1_700_000_000.5, T0 + timedelta(milliseconds=500)),
    (1_700_000_000_000, T0),  # unix milliseconds
    ("1700000000000", T0),  # HubSpot millisecond strings
    ("1700000000", T0),
    ("2023-11-14T22:13:20Z", T0),  # Zendesk, GitHub
    ("2023-11-14T22:13:20.000Z", T0),  # HubSpot
    ("2023-11-14T22:13:20.000+0000", T0),  # Salesforce
    ("2023-11-14T23:13:20+01:00", T0),  # Zoho with an org offset
    ("2023-11-14T17:13:20-05:00", T0),
    ("2023-11-14 22:13:20", T0),  # Pipedrive v1: UTC without offset
    ("2023-11-14T22:13:20", T0),
    ("2023-11-14", datetime(2023, 11, 14, tzinfo=UTC)),
    (datetime(2023, 11, 14, 23, 13, 20, tzinfo=timezone(timedelta(hours=1))), T0),
]


@pytest.mark.parametrize(("value", "expected"), DATES)
def test_every_vendor_date_spelling_reads_as_the_same_utc_instant(
    value: Any, expected: datetime
) -> None:
    """Epochs (s or ms), ISO with Z, +HH:MM, +HHMM or no offset all become aware UTC datetimes."""
    parsed = run("datetime", value)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("options", "value", "expected"),
    [
        ({"unit": "ms"}, 1_700_000_000, datetime(1970, 1, 20, 16, 13, 20, tzinfo=UTC)),
        ({"unit": "s"}, "1700000000", T0),
        ({"format": "%d/%m/%Y %H:%M"}, "14/11/2023 22:13", T0 - timedelta(seconds=20)),
        ({"timezone": "Europe/Berlin"}, "2023-11-14 23:13:20", T0),
        ({"timezone": "Europe/Berlin"}, "2023-11-14T22:13:20Z", T0),
    ],
)
def test_datetime_parameters(options: dict[str, Any], value: Any, expected: datetime) -> None:
    """unit forces the epoch unit, format reads vendor patterns, timezone places naive times."""
    assert run({"datetime": options}, value) == expected
