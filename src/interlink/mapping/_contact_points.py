"""Email addresses and phone numbers: one string or a vendor's labelled list, in and out.

Unified lists hold `{email_address, email_address_type, is_primary}` (or
`phone_number`, `phone_number_type`). Vendors send one string (HubSpot,
Salesforce, Zoho) or a labelled list (Pipedrive `[{label, value, primary}]`).

- `single_email` / `single_phone` (read): a string -> a one-item list, primary,
  typed by the optional parameter (`{single_email: WORK}`); null or "" -> [].
- `email_list` / `phone_list` (read): a labelled list -> the unified list;
  labels map to types through `types` (defaults below; an unknown label is
  OTHER), entries with an empty value are left out.
- `primary_email` / `primary_phone` (read or write): a list (unified or
  labelled, or of strings) -> the value of the entry flagged primary, else
  the first; [] or null -> null.
- `label_list` (write): a unified list -> `[{label, value, primary}]`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from interlink._errors import ConfigError
from interlink.mapping._transform import (
    Context,
    Factory,
    Transform,
    TransformError,
    no_argument,
)
from interlink.models import EmailAddressType, PhoneNumberType

__all__ = ["CONTACT_POINTS"]

_EMAIL_LABELS = {"work": "WORK", "home": "PERSONAL", "personal": "PERSONAL", "other": "OTHER"}
_PHONE_LABELS = {"work": "WORK", "mobile": "MOBILE", "home": "HOME", "fax": "FAX", "other": "OTHER"}
_OUT_LABELS = {"WORK": "work", "PERSONAL": "home", "HOME": "home", "MOBILE": "mobile",
               "FAX": "other", "OTHER": "other"}  # fmt: skip
_VALUE_KEYS = ("email_address", "phone_number", "value")
_FLAG_KEYS = ("is_primary", "primary")


class _Kind:
    """The keys and the type enum of one kind of contact point."""

    def __init__(self, key: str, members: type[enum.StrEnum], labels: dict[str, str]) -> None:
        self.key, self.type_key, self.members, self.labels = key, f"{key}_type", members, labels


_EMAIL = _Kind("email_address", EmailAddressType, _EMAIL_LABELS)
_PHONE = _Kind("phone_number", PhoneNumberType, _PHONE_LABELS)


def _member(kind: _Kind, value: Any, where: str) -> str:
    if value not in kind.members.__members__:
        raise ConfigError(
            where,
            f"{value!r} is not a {kind.members.__name__}; "
            f"expected one of: {', '.join(kind.members.__members__)}",
        )
    return str(value)


def _single(kind: _Kind) -> Factory:
    def factory(argument: Any, context: Context, /) -> Transform:
        typ = None if argument is None else _member(kind, argument, context.where)

        def single(value: Any) -> list[dict[str, Any]]:
            if value is None or value == "":
                return []
            if not isinstance(value, str):
                raise TransformError(f"is not a single {kind.key.replace('_', ' ')}", value)
            return [{kind.key: value, kind.type_key: typ, "is_primary": True}]

        return Transform(f"single_{kind.key}", single, null_aware=True)

    return factory


def _listed(kind: _Kind) -> Factory:
    def factory(argument: Any, context: Context, /) -> Transform:
        labels = dict(kind.labels)
        if argument is not None:
            if not isinstance(argument, Mapping) or set(argument) - {"types"}:
                raise ConfigError(context.where, "takes only {types: {label: TYPE, ...}}")
            for label, typ in dict(argument["types"]).items():
                labels[str(label).lower()] = _member(kind, typ, f"{context.where}.types.{label}")

        def listed(value: Any) -> list[dict[str, Any]]:
            out = []
            for entry in _entries(value, "is not a list of labelled entries"):
                text = entry.get("value")
                if text is None or text == "":
                    continue
                label = entry.get("label")
                typ = labels.get(str(label).lower(), "OTHER") if label else None
                out.append(
                    {kind.key: text, kind.type_key: typ, "is_primary": bool(entry.get("primary"))}
                )
            return out

        return Transform(f"{kind.key}_list", listed, null_aware=True)

    return factory


def _entries(value: Any, problem: str) -> list[dict[str, Any]]:
    """The entries of a list as objects (a bare string is `{"value": string}`); null is []."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise TransformError(problem, value)
    entries = [{"value": e} if isinstance(e, str) else e for e in value]
    for entry in entries:
        if not isinstance(entry, dict):
            raise TransformError("has an entry that is not an object", entry)
    return entries


def _first_key(entry: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    return next((entry[k] for k in keys if k in entry), None)


def _pick_primary(value: Any) -> Any:
    if isinstance(value, str) or value is None:
        return value or None
    if not isinstance(value, list):
        raise TransformError("is not a list to pick the primary entry from", value)
    entries = [e if isinstance(e, dict) else {"value": e} for e in value if e is not None]
    chosen = next(
        (e for e in entries if _first_key(e, _FLAG_KEYS)), entries[0] if entries else None
    )
    return None if chosen is None else _first_key(chosen, _VALUE_KEYS) or None


def _label_list(argument: Any, context: Context, /) -> Transform:
    labels = dict(_OUT_LABELS)
    if argument is not None:
        if not isinstance(argument, Mapping) or set(argument) - {"labels"}:
            raise ConfigError(context.where, "takes only {labels: {TYPE: label, ...}}")
        labels.update({str(k): str(v) for k, v in dict(argument["labels"]).items()})

    def label_list(value: Any) -> list[dict[str, Any]]:
        out = []
        for entry in _entries(value, "is not a list of email addresses or phone numbers"):
            typ = entry.get("email_address_type", entry.get("phone_number_type"))
            out.append({
                "value": _first_key(entry, _VALUE_KEYS),
                "label": labels.get(str(typ), "other") if typ is not None else "other",
                "primary": bool(entry.get("is_primary")),
            })  # fmt: skip
        return out

    return Transform("label_list", label_list, null_aware=True)


CONTACT_POINTS: dict[str, Factory] = {
    "single_email": _single(_EMAIL),
    "single_phone": _single(_PHONE),
    "email_list": _listed(_EMAIL),
    "phone_list": _listed(_PHONE),
    "primary_email": no_argument("primary_email", _pick_primary, null_aware=True),
    "primary_phone": no_argument("primary_phone", _pick_primary, null_aware=True),
    "label_list": _label_list,
}
