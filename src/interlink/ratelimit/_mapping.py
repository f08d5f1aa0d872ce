"""Policies from plain mappings: what a YAML connector spec gives."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from interlink._errors import ConfigError
from interlink.ratelimit._duration import parse_duration
from interlink.ratelimit._policy import Budget, LeakyBucket, Policy, TokenBucket, Window

__all__ = ["policy_from_mapping"]

_COMMON = frozenset({"kind", "endpoint", "scope"})
_DURATIONS = frozenset({"per", "offset"})
_KINDS: dict[str, tuple[Callable[..., Policy], frozenset[str]]] = {
    "window": (Window, frozenset({"limit", "per"})),
    "token_bucket": (TokenBucket, frozenset({"rate", "per", "burst"})),
    "leaky_bucket": (LeakyBucket, frozenset({"capacity", "leak_rate"})),
    "budget": (Budget, frozenset({"limit", "per", "offset"})),
}
_REQUIRED = {
    "window": ("limit", "per"),
    "token_bucket": ("rate",),
    "leaky_bucket": ("capacity", "leak_rate"),
    "budget": ("limit",),
}
_SCOPES = {"credential": False, "app": True}


def policy_from_mapping(data: Mapping[str, Any], *, where: str = "rate_limit") -> Policy:
    """Build a policy from e.g. `{"kind": "window", "limit": 100, "per": "10s"}`.

    Kinds: `window` (limit, per), `token_bucket` (rate, per="1s", burst=1),
    `leaky_bucket` (capacity, leak_rate per second), `budget` (limit,
    per="1d", offset="0s"). Every kind also takes `endpoint` and
    `scope` ("credential", the default, or "app"). Durations are seconds or
    strings like "1s", "10s", "1m", "1h", "1d". A bad value raises
    `ConfigError` naming `where` and the key.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(where, f"must be a mapping, got {type(data).__name__}")
    kind = data.get("kind")
    if kind not in _KINDS:
        raise ConfigError(f"{where}.kind", f"must be one of {sorted(_KINDS)}, got {kind!r}")
    factory, fields = _KINDS[kind]
    for key in data:
        if key not in fields and key not in _COMMON:
            allowed = sorted(fields | _COMMON)
            problem = f"unknown key for kind {kind!r}; expected one of {allowed}"
            raise ConfigError(f"{where}.{key}", problem)
    for key in _REQUIRED[kind]:
        if key not in data:
            raise ConfigError(f"{where}.{key}", f"is required for kind {kind!r}")

    kwargs: dict[str, Any] = {}
    for key in fields & data.keys():
        value = data[key]
        if key in _DURATIONS and not (key == "offset" and value in (0, "0", "0s")):
            try:
                value = parse_duration(value)
            except ValueError as exc:
                raise ConfigError(f"{where}.{key}", str(exc)) from None
        kwargs[key] = value
    if "endpoint" in data:
        kwargs["endpoint"] = data["endpoint"]
    scope = data.get("scope", "credential")
    if scope not in _SCOPES:
        raise ConfigError(f"{where}.scope", f"must be 'credential' or 'app', got {scope!r}")
    kwargs["per_app"] = _SCOPES[scope]
    if kwargs.get("offset") in ("0", "0s"):
        kwargs["offset"] = 0.0

    try:
        return factory(**kwargs)
    except ConfigError as exc:
        # The dataclass names itself ("window.limit"); the spec reader wants its own path.
        field = exc.where.split(".", 1)[-1]
        raise ConfigError(f"{where}.{field}", exc.problem) from None
