"""Request bodies and query parameters carry Decimal values exactly, on every building path."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest

from interlink.connectors import HookCall
from interlink.connectors.builtin.stripe.hooks import form_body
from interlink.http import Request
from interlink.http._models import encode_json


def test_a_decimal_in_a_json_body_is_an_exact_json_number() -> None:
    """Request.build(json=) writes Decimals as numbers with every digit, never through a float
    and never in exponent form; other values are encoded as before."""
    request = Request.build(
        "POST",
        "https://api.example.test/x",
        json={"a": Decimal("12.50"), "b": [Decimal("1E+2"), Decimal("0.1000000000000000055")]},
    )
    assert request.content == b'{"a":12.50,"b":[100,0.1000000000000000055]}'
    assert request.headers["Content-Type"] == "application/json"


def test_a_decimal_query_parameter_is_written_positionally() -> None:
    """A Decimal param is `1000`, not `1E+3`."""
    request = Request.build("GET", "https://api.example.test/x", params={"min": Decimal("1E+3")})
    assert request.full_url == "https://api.example.test/x?min=1000"


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), object()])
def test_what_json_cannot_carry_is_a_value_error_naming_it(value: object) -> None:
    """A non-finite Decimal or an arbitrary object is a ValueError saying what, not a crash
    deep in the encoder."""
    with pytest.raises(ValueError, match="request body is not JSON"):
        encode_json({"amount": value})


def test_the_stripe_form_hook_keeps_decimal_digits() -> None:
    """Stripe's form re-encoding reads the JSON body with Decimal numbers, so 12.50 is sent
    as `12.50` (not `12.5`) and a big integer amount keeps every digit."""
    built = Request.build(
        "POST",
        "https://api.stripe.com/v1/invoiceitems",
        json={"unit_amount_decimal": Decimal("12.50"), "amount": 90071992547409931},
    )
    call = HookCall("stripe", "invoices", "create", built, None, None, {})
    sent = form_body(call)
    assert sent.content == b"unit_amount_decimal=12.50&amount=90071992547409931"
    assert orjson.loads(built.content)["amount"] == 90071992547409931
