"""Reading Pipedrive write bodies (`POST`/`PUT` persons and organizations) and query values.

Pipedrive accepts `email`/`phone` as a string, a list of strings or a list of
`{value, primary, label}` objects and stores the list form. Fields it does not
know are ignored, as Pipedrive does; a known field of the wrong type is a 400
naming it.
"""

from __future__ import annotations

from typing import Any

from interlink.simulators._http import RequestError
from interlink.simulators.pipedrive._entities import OWNERS, Entity

__all__ = ["int_param", "write_values"]

_VISIBILITY = ("1", "3", "5", "7")
_OWNER_IDS = frozenset(o[0] for o in OWNERS)


def int_param(raw: str | None, name: str, default: int, *, minimum: int = 0) -> int:
    """A non-negative integer query parameter, or a 400 naming it."""
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise RequestError(f"Parameter '{name}' must be an integer >= {minimum}, got {raw!r}")
    return value


def _contacts(name: str, value: Any) -> list[dict[str, Any]]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise RequestError(f"Field '{name}' must be a string or an array of {name} objects")
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, str):
            item = {"value": item}
        if not isinstance(item, dict) or not isinstance(item.get("value"), str):
            raise RequestError(f"Field '{name}' items must be strings or objects with a value")
        out.append({
            "label": str(item.get("label") or "work"),
            "value": item["value"],
            "primary": item.get("primary") in (True, "true"),
        })  # fmt: skip
    if out and not any(c["primary"] for c in out):
        out[0]["primary"] = True
    return out


def _optional_int(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise RequestError(f"Field '{name}' must be an integer or null, got {value!r}")
    return int(value)


def write_values(entity: Entity, body: dict[str, Any], *, create: bool) -> dict[str, Any]:
    """The stored fields a create or update sets (only the ones given, on update)."""
    values: dict[str, Any] = {}
    name = body.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise RequestError("Field 'name' must be a non-empty string")
    if create and name is None:
        # Guessed wording: Pipedrive answers 400 with a message naming the field.
        raise RequestError(f"{entity.title} name must be given")
    if name is not None:
        values["name"] = name.strip()
    if entity.item == "person":
        for key in ("first_name", "last_name"):
            if key in body:
                if not isinstance(body[key], str | None):
                    raise RequestError(f"Field '{key}' must be a string")
                values[key] = body[key]
        if "name" in values and not ({"first_name", "last_name"} & body.keys()):
            first, _, last = values["name"].partition(" ")
            values.update(first_name=first, last_name=last or None)
        for key in ("email", "phone"):
            if key in body:
                values[key] = _contacts(key, body[key])
            elif create:
                values[key] = []
        if "org_id" in body or create:
            values["org_id"] = _optional_int("org_id", body.get("org_id"))
    if "owner_id" in body or create:
        owner = _optional_int("owner_id", body.get("owner_id")) or OWNERS[0][0]
        if owner not in _OWNER_IDS:
            raise RequestError(f"User with id {owner} was not found (owner_id)", 400)
        values["owner_id"] = owner
    if "label" in body or create:
        values["label"] = _optional_int("label", body.get("label"))
    if "visible_to" in body or create:
        visible = str(body.get("visible_to") or "3")
        if visible not in _VISIBILITY:
            raise RequestError(f"Field 'visible_to' must be one of {', '.join(_VISIBILITY)}")
        values["visible_to"] = visible
    if entity.item == "organization" and ("address" in body or create):
        address = body.get("address") or ""
        if not isinstance(address, str):
            raise RequestError("Field 'address' must be a string")
        locality, _, country = address.partition(", ")
        values.update(address=address, address_locality=locality or None,
                      address_country=country or None)  # fmt: skip
    for key in entity.custom_keys:
        if key in body:
            if isinstance(body[key], dict | list):
                raise RequestError(f"Custom field '{key}' must be a single value")
            values[key] = body[key]
        elif create:
            values[key] = None
    return values
