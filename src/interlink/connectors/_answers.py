"""Answers a path cannot read: records reshaped by a hook, records read back after a write.

Two request keys, for vendors whose answers are not simply "the records at a path":

- `records_hook: NAME` names a hook (declared under `hooks`) that receives the
  records of each answer, after `records` has selected them and after the
  paginator has read its cursor, and returns the records to map. Stripe's
  Events API answers events; its hook returns each event's `data.object`,
  newest state only. The hook gets a `state` dict that lives for one listing
  (every page of it), so it can drop an object already seen on an earlier page.
  Hooks stay pure: no I/O.
- `read_back: true` on `create` / `update` says the answer carries no record
  (BambooHR: 201 with an empty body and the new employee's URL in `Location`;
  200 with an empty body on update). The record is then read with the
  resource's `get`: by the updated id, or by the created id, the last path
  segment of the answer's `Location`.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from interlink._types import JSON
from interlink.http import Response

__all__ = ["RecordsCall", "RecordsHook", "location_id"]


@dataclass(frozen=True, slots=True)
class RecordsCall:
    """What a records hook is told: whose answer, its records, and one listing's state."""

    provider: str
    resource: str
    operation: str
    records: Sequence[JSON]
    response: Response
    state: MutableMapping[str, Any] = field(default_factory=dict)
    modified_after: datetime | None = None
    """The listing's watermark, for vendors that cannot filter by it (Slack's users.list)."""


class RecordsHook(Protocol):
    """Takes the records an answer holds; returns the records to map."""

    def __call__(self, call: RecordsCall, /) -> list[JSON]: ...


def location_id(response: Response) -> str | None:
    """The last path segment of the answer's `Location` header (a created record's id)."""
    location = response.headers.get("Location")
    if not location:
        return None
    segment = urlsplit(location.strip()).path.rstrip("/").rsplit("/", 1)[-1]
    return unquote(segment) or None
