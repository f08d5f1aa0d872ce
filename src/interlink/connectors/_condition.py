"""Conditional updates the vendor checks itself: the version Interlink last read, passed on.

An `update` request may declare `condition:` when the vendor can refuse a write
to a record that changed since it was read (Zendesk's safe update):

```yaml
update:
  method: PUT
  path: "/api/v2/tickets/{id}.json"
  body_path: ticket
  condition:
    version: updated_at            # where the vendor's record holds its version
    field: updated_stamp           # sent in the written record ...
    body: {safe_update: true}      # ... with these fields beside it
```

or `header: If-Match` instead of `field` for a vendor taking the version in a
header. The version sent is the one stored with the record (its raw vendor
data), so the vendor compares against exactly what the caller's ETag stands
for; its conflict answer (409/412, a `ConflictError`) means someone else wrote.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from interlink._errors import ConfigError
from interlink.pagination import BodyPath, compile_path

__all__ = ["ConditionSpec", "compile_condition"]

_KEYS = ("version", "field", "header", "body")


@dataclass(frozen=True, slots=True)
class ConditionSpec:
    """Where a record's version is read, and how an update carries it to the vendor."""

    version: BodyPath
    """The version's path in the vendor's record (as stored in its raw data)."""
    field: str | None = None
    """The written record's field that carries the version..."""
    header: str | None = None
    """...or the header that does (exactly one of the two)."""
    body: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """Constant fields the vendor needs beside the version (`safe_update: true`)."""

    def version_of(self, record: Any) -> str | None:
        """The version in a vendor record, as text; None when it has none."""
        value = self.version.get(record)
        if value is None or isinstance(value, (dict, list, bool)):
            return None
        return str(value)

    def apply(self, body: Any, version: str) -> tuple[Any, dict[str, str]]:
        """The written record carrying `version`, and the headers to add."""
        if self.header is not None:
            return body, {self.header: version}
        if not isinstance(body, dict):
            raise ConfigError("update.condition.field", "the written record is not a JSON object")
        assert self.field is not None
        return {**body, **self.body, self.field: version}, {}


def compile_condition(op: str, data: Any, *, where: str) -> ConditionSpec | None:
    """The `condition:` of an `op` request (update only), each mistake named where it is."""
    if data is None:
        return None
    if op != "update":
        raise ConfigError(where, "applies to update only")
    if not isinstance(data, Mapping):
        raise ConfigError(where, f"must be a mapping, got {type(data).__name__}")
    for key in data:
        if key not in _KEYS:
            raise ConfigError(f"{where}.{key}", f"unknown key (allowed: {', '.join(_KEYS)})")
    if "version" not in data:
        raise ConfigError(f"{where}.version", "is required: where the record holds its version")
    carriers = [key for key in ("field", "header") if key in data]
    if len(carriers) != 1:
        raise ConfigError(where, "needs exactly one of field (in the body) or header")
    for key in carriers:
        if not isinstance(data[key], str) or not data[key].strip():
            raise ConfigError(f"{where}.{key}", f"must be a non-empty string, got {data[key]!r}")
    body = data.get("body", {})
    if not isinstance(body, Mapping):
        raise ConfigError(f"{where}.body", f"must be a mapping, got {type(body).__name__}")
    if "header" in data and body:
        raise ConfigError(f"{where}.body", "goes with field: a header carries only the version")
    return ConditionSpec(
        version=compile_path(data["version"], where=f"{where}.version"),
        field=data.get("field"),
        header=data.get("header"),
        body=dict(body),
    )
