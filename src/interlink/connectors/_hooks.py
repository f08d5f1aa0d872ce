"""Hooks: small Python functions for what data cannot say (a SOQL query, an XML body).

A hook receives the request the spec built and returns the request to send.
A spec names it as `module:function`, or by the name of an entry point in the
`interlink.hooks` group (how third-party packages ship theirs). A hook that
cannot be found is a load error naming it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import entry_points
from typing import Protocol

from interlink._errors import ConfigError
from interlink.http import Request

__all__ = ["ENTRY_POINT_GROUP", "Hook", "HookCall", "resolve_hook"]

ENTRY_POINT_GROUP = "interlink.hooks"


@dataclass(frozen=True, slots=True)
class HookCall:
    """What a hook is told: which request of which resource, and the values it may use."""

    provider: str
    resource: str
    operation: str
    request: Request
    modified_after: datetime | None = None
    remote_id: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)
    now: float | None = None
    """Epoch seconds when the request was built (the connection's clock), for hooks that
    keep a value clear of the present (Zendesk's export start_time)."""


class Hook(Protocol):
    """Takes the request the spec built; returns the request to send instead."""

    def __call__(self, call: HookCall, /) -> Request: ...


def resolve_hook(reference: str, *, where: str) -> Hook:
    """The callable `reference` names (`package.module:function` or an entry-point name)."""
    if ":" in reference:
        module_name, _, attribute = reference.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ConfigError(
                where, f"hook {reference!r}: cannot import {module_name!r} ({exc})"
            ) from None
        target = module
        for part in attribute.split("."):
            target = getattr(target, part, None)  # type: ignore[assignment]
            if target is None:
                raise ConfigError(
                    where, f"hook {reference!r}: {module_name!r} has no {attribute!r}"
                )
    else:
        found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == reference]
        if not found:
            raise ConfigError(
                where,
                f"hook {reference!r} not found: no entry point of that name in the "
                f"{ENTRY_POINT_GROUP!r} group, and not a module:function reference",
            )
        try:
            target = found[0].load()
        except Exception as exc:  # an entry point's import can fail any way
            raise ConfigError(where, f"hook {reference!r} failed to load: {exc}") from None
    if not callable(target):
        raise ConfigError(where, f"hook {reference!r} is not callable")
    return target
