"""Reading Stripe list parameters: `limit`, `created[...]`, `starting_after` / `ending_before`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from interlink.simulators.stripe._params import StripeParamError, stripe_int

__all__ = ["Cursor", "created_range", "cursor", "list_limit"]

Bounds = tuple[float | None, float | None]


def list_limit(params: dict[str, Any]) -> int:
    """`limit`: 1..100, default 10."""
    if "limit" not in params:
        return 10
    limit = stripe_int(params["limit"], "limit")
    if limit < 1:
        raise StripeParamError("This value must be greater than or equal to 1.", "limit")
    if limit > 100:
        raise StripeParamError("This value must be less than or equal to 100.", "limit")
    return limit


def created_range(params: dict[str, Any], name: str = "created") -> Bounds:
    """`created=T` or `created[gt|gte|lt|lte]=T` as [since, before) in epoch seconds.

    Stripe's `created` is whole seconds, so `gt T` is `>= T + 1` and `lte T` is `< T + 1`.
    """
    raw = params.get(name)
    if raw is None:
        return None, None
    if isinstance(raw, str):
        t = stripe_int(raw, name)
        return float(t), float(t + 1)
    if not isinstance(raw, dict):
        raise StripeParamError(f"Invalid {name}: expected an integer or a range hash", name)
    since: float | None = None
    before: float | None = None
    for op, value in raw.items():
        t = stripe_int(value, f"{name}[{op}]")
        if op == "gte":
            lo, hi = float(t), None
        elif op == "gt":
            lo, hi = float(t + 1), None
        elif op == "lte":
            lo, hi = None, float(t + 1)
        elif op == "lt":
            lo, hi = None, float(t)
        else:
            raise StripeParamError(f"Received unknown parameter: {name}[{op}]", f"{name}[{op}]")
        since = lo if lo is not None and (since is None or lo > since) else since
        before = hi if hi is not None and (before is None or hi < before) else before
    return since, before


@dataclass(frozen=True, slots=True)
class Cursor:
    after: int | None = None  # starting_after: the page after this object
    before: int | None = None  # ending_before: the page before it


def cursor(params: dict[str, Any], resolve: Callable[[str], int | None], noun: str) -> Cursor:
    """The store id behind `starting_after` / `ending_before` (an object id of ours)."""
    found: dict[str, int] = {}
    for name in ("starting_after", "ending_before"):
        value = params.get(name)
        if value is None:
            continue
        number = resolve(value) if isinstance(value, str) else None
        if number is None:
            raise StripeParamError(
                f"No such {noun}: '{value}'", name, status=400, code="resource_missing"
            )
        found[name] = number
    if len(found) == 2:
        raise StripeParamError(
            "You may only specify one of these parameters: ending_before, starting_after.",
            "ending_before",
        )
    return Cursor(found.get("starting_after"), found.get("ending_before"))
