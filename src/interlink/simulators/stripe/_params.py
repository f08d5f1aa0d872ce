"""Validating customer parameters the way Stripe does, and turning them into field changes.

Stripe rejects an unknown parameter with "Received unknown parameter: X" and
names it in `param`; a bad value gets a message naming the parameter. An empty
value unsets a field (`description=` → null); for `metadata`, an empty value
for one key removes that key and `metadata=` clears them all, while keys that
are not mentioned are kept (metadata merges).
"""

from __future__ import annotations

from typing import Any

from interlink.simulators._http import RequestError

__all__ = ["customer_changes", "reject_unknown", "stripe_int"]

_STRINGS = {"description": 350, "email": 512, "name": 256, "phone": 20, "invoice_prefix": 12}
_ADDRESS_KEYS = ("city", "country", "line1", "line2", "postal_code", "state")
_TAX_EXEMPT = ("none", "exempt", "reverse")
CUSTOMER_PARAMS = frozenset(
    {*_STRINGS, "address", "balance", "metadata", "preferred_locales", "shipping",
     "tax_exempt", "expand"}
)  # fmt: skip
MAX_METADATA_KEYS, MAX_METADATA_KEY, MAX_METADATA_VALUE = 50, 40, 500


class StripeParamError(RequestError):
    """A 400 invalid_request_error that names the parameter (`param`)."""

    def __init__(self, message: str, param: str, status: int = 400, code: str | None = None):
        super().__init__(message, status, "invalid_request_error")
        self.param, self.code = param, code


def reject_unknown(params: dict[str, Any], known: frozenset[str]) -> None:
    for name in params:
        if name not in known:
            raise StripeParamError(f"Received unknown parameter: {name}", name)


def stripe_int(value: Any, param: str) -> int:
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    raise StripeParamError(f"Invalid integer: {value}", param)


def _string(value: Any, param: str, max_length: int) -> str | None:
    if not isinstance(value, str):
        raise StripeParamError(f"Invalid string: {value!r}", param)
    if len(value) > max_length:
        message = f"Invalid string: {value[:20]}...; must be at most {max_length} characters"
        raise StripeParamError(message, param)
    return value or None


def _hash(value: Any, param: str, keys: tuple[str, ...]) -> dict[str, Any] | None:
    if value == "":
        return None
    if not isinstance(value, dict):
        raise StripeParamError(f"Invalid hash: {param} must be a hash (use {param}[key]=value)",
                               param)  # fmt: skip
    for key in value:
        if key not in keys:
            raise StripeParamError(f"Received unknown parameter: {param}[{key}]", f"{param}[{key}]")
    return {k: _string(value.get(k, ""), f"{param}[{k}]", 5000) for k in keys}


def _metadata(value: Any, current: dict[str, str]) -> dict[str, str]:
    if value == "":
        return {}
    if not isinstance(value, dict):
        raise StripeParamError("Invalid hash: metadata must be a hash (metadata[key]=value)",
                               "metadata")  # fmt: skip
    merged = dict(current)
    for key, item in value.items():
        if not isinstance(item, str):
            raise StripeParamError(f"Invalid string: metadata[{key}]", f"metadata[{key}]")
        if len(key) > MAX_METADATA_KEY:
            raise StripeParamError(
                f"Metadata keys can have a maximum length of {MAX_METADATA_KEY} characters.",
                f"metadata[{key}]",
            )
        if len(item) > MAX_METADATA_VALUE:
            raise StripeParamError(
                f"Metadata values can have a maximum length of {MAX_METADATA_VALUE} characters.",
                f"metadata[{key}]",
            )
        if item:
            merged[key] = item
        else:
            merged.pop(key, None)
    if len(merged) > MAX_METADATA_KEYS:
        raise StripeParamError(
            f"You can have a maximum of {MAX_METADATA_KEYS} metadata keys.", "metadata"
        )
    return merged


def customer_changes(params: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The field changes `params` make to a customer whose fields are `current`."""
    reject_unknown(params, CUSTOMER_PARAMS)
    changes: dict[str, Any] = {}
    for name, max_length in _STRINGS.items():
        if name in params:
            changes[name] = _string(params[name], name, max_length)
    if "address" in params:
        changes["address"] = _hash(params["address"], "address", _ADDRESS_KEYS)
    if "shipping" in params:
        shipping = params["shipping"]
        if shipping == "":
            changes["shipping"] = None
        else:
            if not isinstance(shipping, dict) or "name" not in shipping:
                raise StripeParamError("Missing required param: shipping[name].", "shipping[name]")
            extra = set(shipping) - {"name", "phone", "address"}
            if extra:
                name = f"shipping[{sorted(extra)[0]}]"
                raise StripeParamError(f"Received unknown parameter: {name}", name)
            changes["shipping"] = {
                "address": _hash(shipping.get("address", {}), "shipping[address]", _ADDRESS_KEYS),
                "name": _string(shipping["name"], "shipping[name]", 5000),
                "phone": _string(shipping.get("phone", ""), "shipping[phone]", 20),
            }
    if "balance" in params:
        changes["balance"] = stripe_int(params["balance"], "balance")
    if "tax_exempt" in params:
        value = params["tax_exempt"] or "none"
        if value not in _TAX_EXEMPT:
            message = f"Invalid tax_exempt: must be one of {', '.join(_TAX_EXEMPT)}"
            raise StripeParamError(message, "tax_exempt")
        changes["tax_exempt"] = value
    if "preferred_locales" in params:
        locales = params["preferred_locales"]
        if locales == "":
            locales = []
        if not isinstance(locales, list) or not all(isinstance(x, str) for x in locales):
            raise StripeParamError("Invalid array: preferred_locales", "preferred_locales")
        changes["preferred_locales"] = locales
    if "metadata" in params:
        changes["metadata"] = _metadata(params["metadata"], current.get("metadata", {}))
    return changes
