"""Type coercion: str, int, float, bool, decimal, not, strip and blank_as_null.

Lenient where vendors are sloppy in a safe way (numbers sent as strings,
`"true"`), strict where a guess could corrupt data: a bool is never a
number, `1.5` is never an int, NaN and infinity are never numbers.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

from interlink.mapping._transform import Factory, TransformError, no_argument

__all__ = ["COERCIONS", "to_bool", "to_str"]

_TRUE = frozenset({"true", "t", "yes", "y", "1", "on"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "off"})


def to_str(value: Any) -> str:
    if value.__class__ is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    raise TransformError("cannot be read as a string", value)


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise TransformError("cannot be read as a number", value)
    try:
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise TransformError("is not a number", value) from None
    if not number.is_finite():
        raise TransformError("is not a finite number", value)
    return number


def _to_int(value: Any) -> int:
    if value.__class__ is int:
        return value
    number = _to_decimal(value)
    if number != number.to_integral_value():
        raise TransformError("is not a whole number", value)
    return int(number)


def _to_float(value: Any) -> float:
    if value.__class__ is float:
        if not math.isfinite(value):
            raise TransformError("is not a finite number", value)
        return value
    return float(_to_decimal(value))


def to_bool(value: Any) -> bool:
    if value is True or value is False:
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise TransformError("cannot be read as a boolean", value)


def _negate(value: Any) -> bool:
    return not to_bool(value)


def _strip(value: Any) -> str:
    if not isinstance(value, str):
        raise TransformError("cannot be stripped: not a string", value)
    return value.strip()


def _blank_as_null(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


COERCIONS: dict[str, Factory] = {
    "str": no_argument("str", to_str),
    "int": no_argument("int", _to_int),
    "float": no_argument("float", _to_float),
    "decimal": no_argument("decimal", _to_decimal),
    "bool": no_argument("bool", to_bool),
    "not": no_argument("not", _negate),
    "strip": no_argument("strip", _strip),
    "blank_as_null": no_argument("blank_as_null", _blank_as_null),
}
