"""Which unified models the API serves, and at which path: `crm.contact` at `/v1/crm/contacts`."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from interlink.models import MODELS, UnifiedRecord, write_body

__all__ = ["ModelRoute", "catalog"]


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
                write_body(name),
                category,
            )
        )
    return routes
