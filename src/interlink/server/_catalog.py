"""Which unified models the API serves, and at which path: `crm.contact` at `/v1/crm/contacts`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, create_model

from interlink.models import MODELS, UnifiedRecord

__all__ = ["ModelRoute", "catalog"]

# Set by Interlink or by the vendor, never by a write through the API.
_READ_ONLY = frozenset(
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


def plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word if word.endswith("s") else word + "s"


@dataclass(frozen=True, slots=True)
class ModelRoute:
    """One model's place in the API: its path, its record class, and its write body."""

    name: str
    category: str
    path: str
    record: type[UnifiedRecord]
    write_body: type[BaseModel]
    tag: str


def _write_body(name: str, model: type[UnifiedRecord]) -> type[BaseModel]:
    fields: dict[str, Any] = {
        field: (info.annotation | None, None)  # type: ignore[operator]
        for field, info in model.model_fields.items()
        if field not in _READ_ONLY
    }
    base_name = "".join(part.title() for part in name.replace(".", "_").split("_"))
    config = ConfigDict(extra="forbid")
    body: type[BaseModel] = create_model(f"{base_name}Write", __config__=config, **fields)
    return body


def catalog() -> list[ModelRoute]:
    """Every unified model, in a stable order."""
    routes = []
    for name in sorted(MODELS):
        category, _, entity = name.partition(".")
        model = MODELS[name]
        routes.append(
            ModelRoute(
                name,
                category,
                f"/v1/{category}/{plural(entity)}",
                model,
                _write_body(name, model),
                category,
            )
        )
    return routes
