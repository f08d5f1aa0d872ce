"""Stripe hooks: form-encoded write bodies, and the objects inside Events API answers.

Two things a spec's data cannot say about Stripe:

- `form_body` (a request hook on `create` / `update`): Stripe reads only
  `application/x-www-form-urlencoded` bodies with bracket notation
  (`address[city]=Paris`, `preferred_locales[0]=en`). The write mapping builds
  a JSON-shaped body; this hook re-encodes it. A null value is sent empty,
  which Stripe reads as "unset this field".
- `event_objects` (a records hook on the Events API listings): an event
  carries the changed object at `data.object`. Events come newest first, so
  the first event of an object in a listing holds its newest state; later
  (older) events of the same object are dropped, across pages. The object of
  a `*.deleted` event gets `"deleted": true`, the flag Stripe itself sets on
  a deleted object's stub, so the mapping reads one field for deletions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from interlink._types import JSON
from interlink.connectors import HookCall
from interlink.connectors._answers import RecordsCall
from interlink.errors import MalformedResponseError
from interlink.http import Request

__all__ = ["event_objects", "form_body", "form_pairs"]

FORM = "application/x-www-form-urlencoded"


def form_pairs(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """`{"address": {"city": "Paris"}, "tags": ["a"]}` as Stripe's bracketed form pairs."""
    if isinstance(value, Mapping):
        pairs: list[tuple[str, str]] = []
        for key, item in value.items():
            pairs += form_pairs(item, f"{prefix}[{key}]" if prefix else str(key))
        return pairs
    if isinstance(value, list | tuple):
        if not value:
            return [(prefix, "")]  # an empty list unsets it, as Stripe reads `name=`
        pairs = []
        for index, item in enumerate(value):
            pairs += form_pairs(item, f"{prefix}[{index}]")
        return pairs
    if value is None:
        return [(prefix, "")]
    if isinstance(value, bool):
        return [(prefix, "true" if value else "false")]
    if isinstance(value, Decimal):  # exact digits, never 1E+2
        return [(prefix, format(value, "f"))]
    return [(prefix, str(value))]


def form_body(call: HookCall) -> Request:
    """The request with its JSON body re-encoded as Stripe's form fields."""
    request = call.request
    if request.content is None:
        return request
    body = json.loads(request.content, parse_float=Decimal)  # 12.50 stays 12.50, not a float
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-type"}
    headers["Content-Type"] = FORM
    content = urlencode(form_pairs(body)).encode()
    return replace(request, headers=headers, content=content)


def event_objects(call: RecordsCall) -> list[JSON]:
    """Each event's object, newest state once per object; deleted ones flagged `deleted`."""
    seen: set[str] = call.state.setdefault("seen", set())
    objects: list[JSON] = []
    for event in call.records:
        data = event.get("data") if isinstance(event, dict) else None
        found = data.get("object") if isinstance(data, dict) else None
        if not isinstance(found, dict) or not isinstance(found.get("id"), str):
            raise MalformedResponseError(
                "a Stripe event without an object at data.object",
                provider=call.provider, request=call.response.request, response=call.response,
            )  # fmt: skip
        if found["id"] in seen:
            continue
        seen.add(found["id"])
        kind = event.get("type") if isinstance(event, dict) else None
        if isinstance(kind, str) and kind.endswith(".deleted"):
            found = {**found, "deleted": True}
        objects.append(found)
    return objects
