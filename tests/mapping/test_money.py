"""minor_units: amounts in a currency's minor units read as exact major-unit Decimals, and back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from interlink.errors import ConfigError, MappingError
from interlink.mapping import compile_mapping
from interlink.mapping._money import currency_exponent
from interlink.mapping._transform import Context, TransformError
from interlink.mapping._transforms import compile_transforms

READ, WRITE = Context("t", "read"), Context("t", "write")


def apply(declaration: Any, value: Any, context: Context = READ) -> Any:
    (transform,) = compile_transforms(declaration, context)
    return transform.apply(value)


@pytest.mark.parametrize(
    ("amount", "currency", "major"),
    [
        (1999, "usd", Decimal("19.99")),
        (1999, "EUR", Decimal("19.99")),
        (1999, "jpy", Decimal("1999")),
        (50000, "KRW", Decimal("50000")),
        (1999, "kwd", Decimal("1.999")),
        (1999, "BHD", Decimal("1.999")),
        (123456, "CLF", Decimal("12.3456")),
        ("-250", "gbp", Decimal("-2.50")),
        (0, "usd", Decimal("0")),
        (None, "usd", None),
        (None, None, None),
    ],
)
def test_read_divides_by_the_currencys_iso_4217_exponent(
    amount: Any, currency: Any, major: Decimal | None
) -> None:
    """Two decimals for USD/EUR/GBP, none for JPY/KRW, three for KWD/BHD, four for CLF;
    a null amount stays null."""
    assert apply("minor_units", [amount, currency]) == major


@pytest.mark.parametrize(
    ("major", "currency", "minor"),
    [
        (Decimal("19.99"), "usd", 1999),
        (Decimal("1999"), "JPY", 1999),
        (Decimal("1.999"), "KWD", 1999),
        ("12.5", "EUR", 1250),
        (7, "usd", 700),
    ],
)
def test_write_multiplies_back_to_the_vendors_integer(
    major: Any, currency: str, minor: int
) -> None:
    """The reverse gives the integer the vendor expects, exactly."""
    assert apply("minor_units", [major, currency], WRITE) == minor


@pytest.mark.parametrize(
    ("value", "context", "problem"),
    [
        ([1999, "xyz"], READ, "unknown ISO 4217"),
        ([1999, None], READ, "needs a currency"),
        ([19.99, "usd"], READ, "whole amount"),
        ([True, "usd"], READ, "minor units"),
        (1999, READ, r"needs \[amount, currency\]"),
        ([Decimal("19.999"), "usd"], WRITE, "more decimal places"),
        ([Decimal("1.5"), "jpy"], WRITE, "more decimal places"),
        (["NaN", "usd"], WRITE, "finite"),
    ],
)
def test_what_cannot_be_converted_is_refused_never_rounded(
    value: Any, context: Context, problem: str
) -> None:
    """An unknown currency, a fractional minor amount, or money with more decimals than its
    currency has is a TransformError: money is never guessed or rounded."""
    with pytest.raises(TransformError, match=problem):
        apply("minor_units", value, context)


def test_a_fixed_currency_is_a_parameter_checked_at_compile_time() -> None:
    """{minor_units: JPY} converts a bare amount; an unknown code fails when compiled."""
    assert apply({"minor_units": "JPY"}, 500) == Decimal("500")
    assert apply({"minor_units": "EUR"}, Decimal("5"), WRITE) == 500
    with pytest.raises(ConfigError, match="ISO 4217"):
        compile_transforms({"minor_units": "EURO"}, READ)


def test_exponents_follow_iso_4217() -> None:
    """Lookups ignore case; codes that are not currencies are unknown."""
    assert [currency_exponent(c) for c in ("usd", "JPY", "KWD", "CLF", "XAU")] == [2, 0, 3, 4, None]


def test_an_invoice_maps_to_major_units_and_writes_back() -> None:
    """A Stripe-style invoice's cents read as Decimal totals; a write rule turns them back
    into cents; a record in an unknown currency is a MappingError naming the field."""
    mapping = compile_mapping(
        "accounting.invoice",
        provider="stripe",
        resource="invoices",
        read={
            "remote_id": "id",
            "currency": "currency",
            "total_amount": {"path": ["total", "currency"], "transform": "minor_units"},
        },
        write={"amount": {"path": ["total_amount", "currency"], "transform": "minor_units"}},
    )
    record = mapping.read({"id": "in_1", "total": 123456, "currency": "jpy"}, "c")
    assert record["total_amount"] == Decimal("123456")
    assert mapping.write({"total_amount": Decimal("12.34"), "currency": "usd"}) == {"amount": 1234}
    with pytest.raises(MappingError) as raised:
        mapping.read({"id": "in_2", "total": 5, "currency": "zzz"}, "c")
    assert raised.value.field == "total_amount"
    assert raised.value.remote_id == "in_2"
