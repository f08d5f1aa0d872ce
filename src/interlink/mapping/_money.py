"""Amounts in a currency's minor units (Stripe's cents, yen, fils) to and from major units.

ISO 4217 gives each currency its number of decimal places: two for most, none
for JPY, KRW and the CFA francs, three for BHD, KWD and the other dinars, four
for the accounting units CLF and UYW. A vendor that sends `1999` with `usd`
means 19.99; with `jpy` it means 1999; with `kwd` it means 1.999.

```yaml
total_amount: {path: [total, currency], transform: minor_units}   # the currency from the record
balance: {path: amount_remaining, transform: {minor_units: EUR}}  # a fixed currency
```

Reads give an exact `Decimal` in major units; writes (the same rule on the
unified side, `{path: [total_amount, currency], transform: minor_units}`) give
the vendor's integer, and refuse an amount with more decimals than the
currency has rather than round money. An unknown currency code is an error
too: guessing two decimals would be off by a factor of 100 for yen.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from interlink._errors import ConfigError
from interlink.mapping._transform import Context, Factory, Transform, TransformError

__all__ = ["MONEY", "currency_exponent"]

_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_FOUR = "CLF UYW"
_TWO = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP "
    "BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR "
    "FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW "
    "KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN "
    "NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD "
    "SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU "
    "UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL"
)
_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(_TWO.split(), 2),
    **dict.fromkeys(_ZERO.split(), 0),
    **dict.fromkeys(_THREE.split(), 3),
    **dict.fromkeys(_FOUR.split(), 4),
}


def currency_exponent(code: str) -> int | None:
    """The ISO 4217 number of decimal places of `code` (any case), or None if unknown."""
    return _EXPONENTS.get(code.strip().upper())


def _exponent(currency: Any) -> int:
    if not isinstance(currency, str):
        raise TransformError("needs a currency code beside the amount", currency)
    exponent = currency_exponent(currency)
    if exponent is None:
        raise TransformError("has an unknown ISO 4217 currency code", currency)
    return exponent


def _whole(amount: Any) -> int:
    if isinstance(amount, bool):
        raise TransformError("is not an amount in minor units", amount)
    if isinstance(amount, int):
        return amount
    if isinstance(amount, str) and amount.strip().lstrip("-").isdigit():
        return int(amount.strip())
    raise TransformError("is not a whole amount in minor units", amount)


def _major(amount: Any) -> Decimal:
    if isinstance(amount, bool) or not isinstance(amount, int | str | Decimal):
        raise TransformError("is not an amount", amount)
    try:
        number = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except InvalidOperation:
        raise TransformError("is not an amount", amount) from None
    if not number.is_finite():
        raise TransformError("is not a finite amount", amount)
    return number


def _split(value: Any, fixed: int | None) -> tuple[Any, int]:
    if fixed is not None:
        return value, fixed
    if not isinstance(value, list) or len(value) != 2:
        raise TransformError(
            "needs [amount, currency]: declare `path: [amount, currency]` or a fixed currency",
            value,
        )
    amount, currency = value
    return amount, (_exponent(currency) if amount is not None else 0)


def _minor_units(argument: Any, context: Context, /) -> Transform:
    fixed = None
    if argument is not None:
        if not isinstance(argument, str) or currency_exponent(argument) is None:
            raise ConfigError(
                context.where,
                f"minor_units takes an ISO 4217 currency code (EUR, JPY, KWD), got {argument!r}",
            )
        fixed = currency_exponent(argument)

    def to_major(value: Any) -> Decimal | None:
        amount, exponent = _split(value, fixed)
        if amount is None:
            return None
        return Decimal(_whole(amount)).scaleb(-exponent)

    def to_minor(value: Any) -> int | None:
        amount, exponent = _split(value, fixed)
        if amount is None:
            return None
        minor = _major(amount).scaleb(exponent)
        if minor != minor.to_integral_value():
            raise TransformError(f"has more decimal places than its currency's {exponent}", amount)
        return int(minor)

    return Transform("minor_units", to_major if context.direction == "read" else to_minor)


MONEY: dict[str, Factory] = {"minor_units": _minor_units}
