"""What a write may set: every model field except those Interlink or the vendor fills.

One definition for both write paths: the REST API's request body (`POST`,
`PATCH`) and the Python client's `create`/`update` validate against the same
generated pydantic class, so a field refused by one is refused by the other.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, create_model

from interlink.models._registry import model_for

__all__ = ["READ_ONLY_FIELDS", "write_body"]

READ_ONLY_FIELDS = frozenset(
    {
        "id",
        "remote_id",
        "provider",
        "connection_id",
        "remote_data",
        "remote_was_deleted",
        "created_at",
        "modified_at",
        "custom_fields",
    }
)
"""Set by Interlink or by the vendor, never by a write."""


@cache
def write_body(name: str) -> type[BaseModel]:
    """The pydantic class of a write to model `name`: its writable fields, each optional
    (null clears a value), and no other key (`extra="forbid"`)."""
    model = model_for(name)
    fields: dict[str, Any] = {
        field: (info.annotation | None, None)  # type: ignore[operator]
        for field, info in model.model_fields.items()
        if field not in READ_ONLY_FIELDS
    }
    base_name = "".join(part.title() for part in name.replace(".", "_").split("_"))
    config = ConfigDict(extra="forbid")
    body: type[BaseModel] = create_model(f"{base_name}Write", __config__=config, **fields)
    return body
